// Done when: the handoff printed to PDF contains the period's counts and notes.
import { formatSiteTime, type HandoffSummary } from "@orderdeck/contracts";
import { extractText, getDocumentProxy } from "unpdf";
import { DEMO, expect, stationAt, test, watchErrors } from "./harness/fixtures.ts";
import { screenshot } from "./harness/screenshots.ts";

const NOTES = "Printer 2 jams on PETG; the resin vat needs a new film before Monday.";

test("the handoff printed to PDF holds the period's counts and the notes", async ({ page, stack, newConsole }) => {
  const host = await newConsole();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E lead desk", email: DEMO.lead });
  await page.getByRole("link", { name: "Handoff" }).click();
  await expect(page.getByRole("heading", { name: "Shift handoff" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Counts" })).toBeVisible();
  await page.getByLabel("Notes for the incoming lead").fill(NOTES);
  await page.getByRole("button", { name: "Write handoff" }).click();
  await expect(page.getByRole("table", { name: "Previous handoffs" })).toContainText(NOTES);
  await page.getByRole("radio", { name: "A4" }).check();
  await screenshot(page, "handoff");

  const summary = await stack.admin.query<HandoffSummary>("handoff.summary", {});
  await page.emulateMedia({ media: "print" });
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
  await page.emulateMedia({ media: null });
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
  const flat = text.replace(/\s+/g, " ");

  expect(flat).toContain("Shift handoff");
  // On the site's clock, the zone said once beside the period.
  expect(flat).toContain(formatSiteTime(summary.period.from, summary.site.timezone));
  expect(flat).toContain(`Times in ${summary.site.timezone}`);
  for (const [label, value] of [
    ["Received", summary.counts.received],
    ["Started", summary.counts.started],
    ["Finished", summary.counts.finished],
    ["Picked up", summary.counts.pickedUp],
    ["Ready, waiting", summary.counts.readyWaiting],
    ["Ready, unpaid", summary.counts.readyUnpaid],
    ["Overdue", summary.counts.overdue],
  ] as const) {
    expect(flat).toMatch(new RegExp(`${label} ${value}\\b`));
  }
  expect(flat).toContain(NOTES);
  // Controls are not printed.
  expect(flat).not.toContain("Write handoff");
  expect(errors).toEqual([]);
});
