// An admin sees every screen (admin.spec.ts captures exceptions, operations and admin after an
// action on each); the server status screen reachable from the status bar is captured here.
import { DEMO, expect, stationAt, test, watchErrors } from "./harness/fixtures.ts";
import { screenshot } from "./harness/screenshots.ts";

test("an admin reaches every screen; each is captured for the README", async ({ page, stack, newConsole }) => {
  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E office", email: DEMO.admin });
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link")).toHaveText(["Queue", "Pickup", "Handoff", "Exceptions", "Import", "Operations", "Admin", "Server"]);

  for (const link of ["Exceptions", "Operations", "Admin"]) {
    await nav.getByRole("link", { name: link }).click();
    await expect(page.getByRole("heading", { level: 1, name: link })).toBeVisible();
  }

  // The server status page (what the console's first screen used to be) from the status bar.
  await page.getByRole("link", { name: "Server details" }).click();
  const server = page.getByRole("region", { name: "Server" });
  await expect(server.getByRole("status")).toHaveText(/Server reachable and ready/);
  await expect(server.getByText(stack.apiUrl, { exact: true })).toBeVisible();
  await expect(page.getByRole("region", { name: "Readiness checks" }).getByRole("listitem").filter({ hasText: "Failing" })).toHaveCount(0);
  await screenshot(page, "server");

  // A role sees only its screens: the same console, signed in as staff.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("E-mail").fill(DEMO.staff);
  await page.getByLabel("Password").fill(DEMO.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(nav.getByRole("link")).toHaveText(["Queue", "Pickup", "Handoff", "Exceptions", "Server"]);
  await page.goto(`${host.url}/#/admin`);
  await expect(page.getByRole("heading", { level: 1, name: "Not available" })).toBeVisible();
  expect(errors).toEqual([]);
});
