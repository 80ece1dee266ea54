// The handoff on paper for a busy evening: each list stops after HANDOFF_PRINT_ROWS rows with
// "and N more" under a heading that keeps the true count, and no job number breaks across lines,
// on the 80 mm roll (its PDF's text read back) and in the HTML the console prints.
import { formatJobNumber, HANDOFF_PRINT_ROWS } from "@orderdeck/contracts";
import { beforeAll, describe, expect, it } from "vitest";
import { apiHarnessForFile, type SiteFixture } from "./harness.ts";
import { pdfText } from "./money-helpers.ts";
import { addPickupJob } from "./pickup-helpers.ts";

const harness = await apiHarnessForFile();
const RECEIVED = HANDOFF_PRINT_ROWS + 7;
const READY = HANDOFF_PRINT_ROWS + 3;

describe("a busy evening's handoff on paper", () => {
  let site: SiteFixture;
  let handoffId: string;
  const numbers: string[] = [];

  beforeAll(async () => {
    site = await harness.createSite("Busy evening");
    for (let i = 0; i < RECEIVED; i++) {
      // Titles and customers long enough that the roll wraps every line, wherever a number falls.
      const job = await addPickupJob(harness, site, {
        status: "QUEUED",
        title: `Replacement gearbox housing ${"x".repeat(i % 9)} in matte black PETG`,
        customer: `Customer with a long name ${i}`,
        createdAt: new Date(Date.UTC(2026, 11, 4, 18, i)),
      });
      numbers.push(formatJobNumber(job.number));
    }
    for (let i = 0; i < READY; i++) {
      const job = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", createdAt: new Date("2026-12-01T10:00:00Z") });
      numbers.push(formatJobNumber(job.number));
    }
    const handoff = await site.as.LEAD.handoff.create({ notes: "Ask about J-000003 first.", from: "2026-12-04T14:00", to: "2026-12-04T22:00" });
    handoffId = handoff.id;
    expect(handoff.counts).toMatchObject({ received: RECEIVED, readyWaiting: READY });
  });

  it("the 80 mm PDF lists at most the limit per section, says how many more, and keeps each job number whole", async () => {
    const printed = await site.as.STAFF.handoff.print({ id: handoffId, paper: "receipt80", format: "pdf" });
    const text = await pdfText(printed.format === "pdf" ? printed.base64 : "");
    const lines = text.split("\n");
    expect(lines).toContain(`Received (${RECEIVED})`);
    expect(lines).toContain(`Ready and waiting (${READY})`);
    expect(lines).toContain(`... and ${RECEIVED - HANDOFF_PRINT_ROWS} more`);
    expect(lines).toContain(`... and ${READY - HANDOFF_PRINT_ROWS} more`);
    // Each listed job number appears whole on one line; no line ends in a number's first half.
    const whole = new Set(text.match(/J-\d{6}/g) ?? []);
    const received = numbers.slice(0, RECEIVED);
    for (const number of received.slice(0, HANDOFF_PRINT_ROWS)) expect(whole, number).toContain(number);
    for (const number of received.slice(HANDOFF_PRINT_ROWS)) expect(whole, number).not.toContain(number);
    expect(lines.filter((line) => /\bJ(-\d{0,5})?$/.test(line))).toEqual([]);
    // The zone is said once, beside the period.
    expect(text.replaceAll("\n", " ")).toMatch(/times in Europe\/Berlin \(CET\)/);
  });

  it("the HTML keeps job numbers on one line and stops long lists the same way", async () => {
    const printed = await site.as.STAFF.handoff.print({ id: handoffId, paper: "a4", format: "html" });
    const html = printed.format === "html" ? printed.html : "";
    expect(html).toContain(`<span class="job-no">${numbers[0] ?? ""}</span>`);
    expect(html).toContain(".job-no { white-space: nowrap; }");
    expect(html).toContain(`<li class="more">… and ${RECEIVED - HANDOFF_PRINT_ROWS} more</li>`);
    expect(html).toContain(`<h2>Received (${RECEIVED})</h2>`);
    expect(html.match(/<li>/g)?.length).toBeLessThanOrEqual(HANDOFF_PRINT_ROWS * 11);
  });
});
