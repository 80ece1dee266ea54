// Done when: with the API process stopped, the status bar says offline, three pickups and a note
// are made, the console page is reloaded, the API started again, the outbox drains to zero and
// the server holds the changes. And: handovers made offline wait for the person who made them
// through a sign-out and another person's session ("waiting for <name> to sign in", the lead's
// exceptions), and reach the server under that person's name when they sign in again.
import type { Page } from "@playwright/test";
import { DEMO, expect, stationAt, test, watchErrors } from "./harness/fixtures.ts";
import type { Stack } from "./harness/stack.ts";
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

async function signIn(page: Page, email: string): Promise<void> {
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(DEMO.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await expect(page.getByTestId("connection")).toHaveText("Online");
}

async function pickedUpBy(stack: Stack, id: string): Promise<string | null> {
  const row = await stack.db.query<{ name: string | null }>("SELECT u.name FROM jobs j LEFT JOIN users u ON u.id = j.picked_up_by_id WHERE j.id = $1", [id]);
  return row.rows[0]?.name ?? null;
}

test("offline: handovers wait for the person who made them, whoever signs in meanwhile", async ({ page, stack, newConsole }) => {
  const jobs = [];
  for (const n of [1, 2]) jobs.push(await seedJob(stack, { title: `Authored order ${n}`, customer: `Authored customer ${n}`, ready: true, paid: true }));
  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E authorship counter", email: DEMO.staff });
  const outbox = page.getByTestId("outbox-size");

  await stack.stopApi();
  await expect(page.getByTestId("connection")).toHaveText("Offline");
  for (const job of jobs) {
    await scanAndHandOver(page, job.pickupCode);
    await page.keyboard.press("Enter");
  }
  await expect(outbox).toHaveText("2");

  // Robin signs out while the server is away: the handovers stay here, and the sign-in screen says for whom.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("list", { name: "Changes waiting on this console" })).toHaveText("⏳ 2 changes waiting for Robin Stahl to sign in");

  // Sam, a lead, signs in once the server is back: nothing of Robin's is sent under Sam's session.
  await stack.startApi();
  await signIn(page, DEMO.lead);
  await expect(page.getByRole("contentinfo", { name: "Status bar" }).getByTestId("waiting-for")).toHaveText("2 changes waiting for Robin Stahl to sign in");
  await expect(outbox).toHaveText("2");
  for (const job of jobs) expect(await serverJob(stack, job.id)).toMatchObject({ status: "READY_FOR_PICKUP", pickedUpEvents: 0 });
  // The lead sees them among the exceptions, with the console that holds them.
  await page.goto(`${host.url}/#/exceptions`);
  const held = page.getByRole("region", { name: /Waiting on this console \(E2E authorship counter\)/ });
  await expect(held).toContainText("2 changes waiting for Robin Stahl to sign in");
  await expect(held.getByRole("link", { name: new RegExp(`Handover of ${jobs[0]?.displayNumber}`) })).toBeVisible();

  // Robin signs in again: the handovers go out, recorded as Robin's.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, DEMO.staff);
  await expect(outbox).toHaveText("0", { timeout: 45_000 });
  await expect(page.getByTestId("waiting-for")).toHaveCount(0);
  for (const job of jobs) {
    expect(await serverJob(stack, job.id)).toMatchObject({ status: "PICKED_UP", pickedUpEvents: 1 });
    expect(await pickedUpBy(stack, job.id)).toBe("Robin Stahl");
  }
  expect(errors).toEqual([]);
});
