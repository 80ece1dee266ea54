// Done when: with the API process stopped, the status bar says offline, three pickups and a note
// are made, the console page is reloaded, the API started again, the outbox drains to zero and
// the server holds the changes.
import type { Page } from "@playwright/test";
import { DEMO, expect, stationAt, test, watchErrors } from "./harness/fixtures.ts";
import { seedJob, serverJob } from "./harness/jobs.ts";
import { scan } from "./harness/scanner.ts";
import { screenshot } from "./harness/screenshots.ts";

async function scanAndHandOver(page: Page, code: string): Promise<void> {
  await scan(page, code);
  await expect(page.getByRole("alert", { name: "Ready for pickup" })).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("alert", { name: "Handed over — pending sync" })).toBeVisible();
}

test("offline: three pickups and a note survive a reload and reach the server when it is back", async ({ page, stack, newConsole }) => {
  const jobs = [];
  for (const n of [1, 2, 3]) jobs.push(await seedJob(stack, { title: `Offline order ${n}`, customer: `Offline customer ${n}`, ready: true, paid: true }));
  const noted = await seedJob(stack, { title: "Needs a note", customer: "Noted customer" });
  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E offline counter", email: DEMO.staff });
  const status = page.getByRole("contentinfo", { name: "Status bar" });
  const outbox = page.getByTestId("outbox-size");

  await stack.stopApi();
  await expect(page.getByTestId("connection")).toHaveText("Offline");

  for (const job of jobs) {
    await scanAndHandOver(page, job.pickupCode);
    await page.keyboard.press("Enter"); // next customer
  }
  await page.goto(`${host.url}/#/jobs/${noted.id}`);
  await page.getByLabel("Notes for this job").fill("Customer asked for a matte finish (taken offline)");
  await page.getByRole("button", { name: "Save note" }).click();
  await expect(page.getByText("Note saved here; it goes to the server with the next sync.")).toBeVisible();
  await expect(outbox).toHaveText("4");
  await expect(status).toContainText("Offline");
  await screenshot(page, "offline");

  await page.reload();
  await expect(page.getByTestId("connection")).toHaveText("Offline");
  await expect(outbox).toHaveText("4");

  await stack.startApi();
  await expect(outbox).toHaveText("0", { timeout: 45_000 });
  await expect(page.getByTestId("connection")).toHaveText("Online");

  for (const job of jobs) expect(await serverJob(stack, job.id)).toMatchObject({ status: "PICKED_UP", pickedUpEvents: 1 });
  expect((await serverJob(stack, noted.id)).notes).toBe("Customer asked for a matte finish (taken offline)");
  // Fetching a page fails while the server is down; the page itself raised nothing.
  expect(errors).toEqual([]);
});
