// Done when: a console whose browser runs in another timezone than its shop shows every time on
// the shop's clock (the zone said once), the printed handoff keeps job numbers whole and stops long
// lists with "and N more", and a refusal of the input is said in words, field by field, never as JSON.
import { formatSiteTime, HANDOFF_PRINT_ROWS, type HandoffSummary } from "@orderdeck/contracts";
import { DEMO, expect, stationAt, test, watchErrors } from "./harness/fixtures.ts";
import { seedJob } from "./harness/jobs.ts";

const SITE_ZONE = "Europe/Berlin";
// Twelve hours from Berlin in December: a time in the wrong zone is on another day.
const BROWSER_ZONE = "Pacific/Auckland";
test.use({ timezoneId: BROWSER_ZONE });

test("times on screen and on the printed handoff are the site's, whatever the browser's zone", async ({ page, stack, newConsole }) => {
  const job = await seedJob(stack, { title: "Zoned bracket", customer: "Tia Zone", ready: true, paid: true });
  // Enough waiting at the counter that the handoff's list runs past its limit.
  for (let i = 0; i < 5; i++) await seedJob(stack, { title: `Waiting box ${i}`, customer: "Ira Queue", ready: true, paid: true });
  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E zoned counter", email: DEMO.lead });
  expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe(BROWSER_ZONE);
  await expect(page.getByTestId("site-zone")).toHaveText(/^Times in Europe\/Berlin \(CES?T\)$/);

  // Typed at the counter (the scan itself is e2e/pickup.spec.ts's): handed over, then again.
  await page.getByRole("link", { name: "Pickup" }).click();
  const typed = async () => {
    await page.getByLabel("Pickup code").fill(job.pickupCode);
    await page.getByLabel("Pickup code").press("Enter");
  };
  await typed();
  await page.getByRole("button", { name: "Confirm handover" }).click();
  await expect(page.getByRole("alert", { name: "Handed over" })).toBeVisible();
  await page.getByRole("button", { name: "Next customer" }).click();
  await typed();
  const already = page.getByRole("alert", { name: "Already picked up" });
  const when = already.locator("dd time");
  const pickedUpAt = (await when.getAttribute("datetime")) ?? "";
  expect(pickedUpAt).not.toBe("");
  await expect(when).toHaveText(formatSiteTime(pickedUpAt, SITE_ZONE));
  expect(formatSiteTime(pickedUpAt, SITE_ZONE)).not.toBe(formatSiteTime(pickedUpAt, BROWSER_ZONE));
  // The sentence below says the same clock time as the "When" above it.
  const clock = formatSiteTime(pickedUpAt, SITE_ZONE).slice(-5);
  await expect(already).toContainText(new RegExp(`${clock}.*${clock}`, "s"));
  await page.keyboard.press("Enter");

  await page.getByRole("link", { name: "Handoff" }).click();
  const computed = page.locator("p", { hasText: /^Computed/ }).locator("time");
  const generatedAt = (await computed.getAttribute("datetime")) ?? "";
  await expect(computed).toHaveText(formatSiteTime(generatedAt, SITE_ZONE));
  const summary = await stack.admin.query<HandoffSummary>("handoff.summary", {});
  await expect(page.locator(".handoff-period")).toContainText(`${formatSiteTime(summary.period.from, SITE_ZONE)} – `);
  await expect(page.locator(".handoff-period")).toContainText("Times in Europe/Berlin");

  // Printed on the 80 mm roll, the narrowest paper: the ready list stops at the limit under its
  // true count, and each job number is one line of text.
  await page.getByRole("radio", { name: /80 mm/ }).check();
  await page.emulateMedia({ media: "print" });
  const ready = summary.counts.readyWaiting;
  expect(ready).toBeGreaterThan(HANDOFF_PRINT_ROWS);
  await expect(page.getByRole("heading", { name: `Ready, waiting (${ready})` })).toBeVisible();
  const table = page.getByRole("table", { name: "Ready, waiting" });
  await expect(table.locator("tbody tr")).toHaveCount(HANDOFF_PRINT_ROWS);
  await expect(page.getByText(`… and ${ready - HANDOFF_PRINT_ROWS} more`)).toBeVisible();
  await expect(table.locator("td.job-number")).toHaveCount(HANDOFF_PRINT_ROWS);
  for (const cell of await table.locator("td.job-number").all()) {
    const lines = await cell.evaluate((td) => {
      const range = document.createRange();
      range.selectNodeContents(td);
      return new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top))).size;
    });
    expect(lines, (await cell.textContent()) ?? "").toBe(1);
  }
  await page.emulateMedia({ media: null });
  expect(errors).toEqual([]);
});

test("a refused input is said in words, field by field, never as JSON", async ({ page, stack, newConsole }) => {
  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E refusal desk", email: DEMO.staff });
  await page.getByRole("link", { name: "New job" }).click();
  await page.getByLabel("Quantity").fill("0");
  await page.getByRole("button", { name: "Create job" }).click();
  const problem = page.locator(".problem-box");
  await expect(problem).toContainText("Creating the job failed.");
  const fields = problem.getByRole("list", { name: "Fields to correct" });
  const titleMessage = await page.locator(".form-field", { has: page.getByLabel("Title") }).getByRole("alert").textContent();
  expect(titleMessage?.trim()).toBeTruthy();
  await expect(fields).toContainText(`Title: ${titleMessage?.trim() ?? ""}`);
  await expect(fields).toContainText("Quantity:");
  const said = (await problem.textContent()) ?? "";
  expect(said).not.toContain("{");
  expect(said).not.toContain('"code"');

  // Corrected, it is created; its due date was typed on the site's clock, not the browser's.
  await page.getByLabel("Title").fill("Zoned due date");
  await page.getByLabel("Quantity").fill("1");
  await expect(page.getByLabel("Due (Europe/Berlin)")).toBeVisible();
  await page.getByLabel("Due (Europe/Berlin)").fill("2027-01-15T16:00");
  await page.getByRole("button", { name: "Create job" }).click();
  const due = async () => (await stack.db.query<{ due_at: Date }>("SELECT due_at FROM jobs WHERE title = 'Zoned due date'")).rows[0]?.due_at.toISOString();
  await expect.poll(due).toBe("2027-01-15T15:00:00.000Z");
  expect(errors).toEqual([]);
});
