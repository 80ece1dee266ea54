// The handoff on paper: A4, US Letter, or an 80 mm receipt roll; as HTML (the console prints it
// through the system dialog) and as PDF. Both are drawn from one document model, so what the
// HTML and the PDF say cannot drift apart.
import { escapeHtml, FONT_NAME, printableText } from "../documents/font.ts";
import { measureHeight, MM, renderPdf } from "../documents/pdf.ts";
import { HANDOFF_PRINT_ROWS, siteZoneLabel } from "@orderdeck/contracts";
import type { HandoffView, Paper } from "./view.ts";
import { formatLocal, formatLocalShort } from "../documents/zoned-time.ts";

interface Section {
  heading: string;
  items: string[];
  /** Jobs counted but not listed (lists are capped). */
  more: number;
  empty: string;
}

interface PrintDocument {
  title: string;
  site: string;
  period: string;
  status: string[];
  counts: Array<[string, string]>;
  notes: string | null;
  sections: Section[];
  footer: string;
  /** Every job number the document names: none of them may break across lines. */
  jobNumbers: string[];
}

const STATUS_WORDS: Record<string, string> = {
  QUEUED: "queued",
  IN_PROGRESS: "in progress",
  POST_PROCESSING: "post-processing",
  READY_FOR_PICKUP: "ready",
  ON_HOLD: "on hold",
  FAILED: "failed",
};

const OUTCOME_WORDS: Record<string, string> = {
  INVALID_CODE: "not a valid code",
  UNKNOWN_CODE: "unknown code",
  NOT_READY: "not ready yet",
  UNPAID: "unpaid",
  ALREADY_PICKED_UP: "already picked up",
  CANCELLED: "cancelled",
  CONFLICT: "conflict",
};

const EXCEPTION_WORDS: Record<string, string> = {
  OVERDUE: "overdue",
  SLA_BREACH: "open beyond the SLA",
  READY_UNPAID: "ready but unpaid",
  FAILED_PRINT: "failed prints",
  MAIL_FAILED: "mail given up",
  WEBHOOK_FAILED: "webhooks given up",
  WEBHOOK_DISABLED: "webhook endpoints disabled",
  INTAKE_DEAD_LETTER: "orders not taken in",
  PICKUP_CONFLICT: "pickup conflicts",
};

function who(job: { number: string; title: string; customer: string | null }): string {
  return `${job.number} ${job.title}${job.customer ? ` (${job.customer})` : ""}`;
}

export function handoffDocument(view: HandoffView): PrintDocument {
  const s = view.summary;
  const tz = s.site.timezone;
  const at = (iso: string): string => formatLocalShort(new Date(iso), tz);
  const wholeHours = Math.floor(s.period.hours);
  const minutes = Math.round((s.period.hours - wholeHours) * 60);
  const hours = minutes === 0 ? `${wholeHours} h` : `${wholeHours} h ${minutes} min`;
  // The zone is said once, in the period line; every other time is on the same clock.
  const status = [`Written by ${view.createdBy.name}, ${formatLocal(new Date(view.createdAt), tz, false)}`];
  status.push(
    view.acknowledgedBy && view.acknowledgedAt
      ? `Acknowledged by ${view.acknowledgedBy.name}, ${formatLocal(new Date(view.acknowledgedAt), tz, false)}`
      : "Not yet acknowledged by the incoming lead",
  );
  const c = s.counts;
  // A heading carries the true count; the list stops after HANDOFF_PRINT_ROWS with "and N more".
  const section = (heading: string, items: string[], counted: number, empty: string): Section => {
    const total = Math.max(counted, items.length);
    const shown = items.slice(0, HANDOFF_PRINT_ROWS);
    return { heading: total > 0 ? `${heading} (${total})` : heading, items: shown, more: total - shown.length, empty };
  };
  const refused = Object.entries(s.scans.refusedByOutcome)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([outcome, n]) => `${OUTCOME_WORDS[outcome] ?? outcome}: ${n}`);
  const exceptionKinds = Object.entries(s.exceptions.byKind)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${EXCEPTION_WORDS[kind] ?? kind}: ${n}`);

  return {
    title: "Shift handoff",
    site: s.site.name,
    period: `${s.period.fromLocal} to ${s.period.toLocal} (${hours}); times in ${siteZoneLabel(tz, new Date(s.period.to))}`,
    status,
    counts: [
      ["Received", String(c.received)],
      ["Started", String(c.started)],
      ["Finished", String(c.finished)],
      ["Picked up", String(c.pickedUp)],
      ["Failed", String(c.failed)],
      ["Reprinted", String(c.reprinted)],
      ["Ready and waiting", c.readyUnpaid > 0 ? `${c.readyWaiting} (${c.readyUnpaid} unpaid)` : String(c.readyWaiting)],
      ["Overdue", String(c.overdue)],
      ["Open exceptions", String(c.openExceptions)],
      ["Scans refused", String(c.scansRefused)],
    ],
    notes: view.notes,
    sections: [
      section(
        "Ready and waiting",
        s.readyWaiting.map((j) => `${j.unpaid ? `UNPAID ${j.amountDue} - ` : ""}${who(j)}${j.readySince ? `, since ${at(j.readySince)}` : ""}`),
        c.readyWaiting,
        "Nothing waiting.",
      ),
      section(
        "Overdue",
        s.overdue.map((j) => `${who(j)}, due ${at(j.dueAt)}, ${STATUS_WORDS[j.status] ?? j.status}`),
        c.overdue,
        "Nothing overdue.",
      ),
      section("Open exceptions", exceptionKinds, exceptionKinds.length, "None."),
      section(
        `Next in the queue (all ${s.forecast.jobCount} done about ${at(s.forecast.completesAt)}, ${s.forecast.machines} machine${s.forecast.machines === 1 ? "" : "s"})`,
        s.nextInQueue.map(
          (j) =>
            `#${j.position} ${who(j)}: ${STATUS_WORDS[j.status] ?? j.status}, done about ${at(j.forecastCompletionAt)}${j.estimateAssumed ? " (no estimate: median assumed)" : ""}`,
        ),
        s.nextInQueue.length,
        "The queue is empty.",
      ),
      section(
        "Picked up",
        s.pickedUp.map((j) => `${at(j.at)} ${who(j)}${j.by ? `, by ${j.by}` : ""}${j.station ? ` at ${j.station}` : ""}`),
        c.pickedUp,
        "No pickups.",
      ),
      section("Failed", s.failed.map((j) => `${at(j.at)} ${who(j)}`), c.failed, "No failed prints."),
      section("Reprinted", s.reprinted.map((j) => `${at(j.at)} ${who(j)}`), c.reprinted, "No reprints."),
      section("Finished", s.finished.map((j) => `${at(j.at)} ${who(j)}`), c.finished, "Nothing finished."),
      section("Started", s.started.map((j) => `${at(j.at)} ${who(j)}`), c.started, "Nothing started."),
      section("Received", s.received.map((j) => `${at(j.at)} ${who(j)}`), c.received, "No new jobs."),
      section("Refused scans", refused, refused.length, "None."),
    ],
    footer: `Generated ${formatLocal(new Date(s.generatedAt), tz, false)} by OrderDeck. Ready, overdue, exceptions and queue are as of then; lists show at most ${HANDOFF_PRINT_ROWS} jobs each.`,
    jobNumbers: [...new Set([s.readyWaiting, s.overdue, s.nextInQueue, s.pickedUp, s.failed, s.reprinted, s.finished, s.started, s.received].flatMap((jobs) => jobs.map((j) => j.number)))],
  };
}

// ---- HTML --------------------------------------------------------------------------------------

const PAGE_CSS: Record<Paper, string> = {
  a4: "@page { size: A4; margin: 15mm; } body { font-size: 10.5pt; }",
  letter: "@page { size: letter; margin: 0.6in; } body { font-size: 10.5pt; }",
  // Roll paper has no page length: the printer driver's 80 mm roll setting cuts at the end. 72 mm
  // is what 80 mm printers can reach.
  receipt80: "@page { margin: 0; } body { width: 72mm; padding: 2mm 4mm; font-size: 8pt; } h1 { font-size: 12pt; } .counts td { padding: 0.2mm 0; }",
};

/** Escapes `text` for HTML and keeps each job number on one line (a browser breaks "J-000299" after the hyphen). */
function jobNumbersKept(jobNumbers: readonly string[]): (text: string) => string {
  if (jobNumbers.length === 0) return escapeHtml;
  const pattern = new RegExp(jobNumbers.map((n) => escapeHtml(n).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  return (text) => escapeHtml(text).replace(pattern, (number) => `<span class="job-no">${number}</span>`);
}

export function renderHandoffHtml(view: HandoffView, paper: Paper): string {
  const d = handoffDocument(view);
  const e = escapeHtml;
  const kept = jobNumbersKept(d.jobNumbers);
  const sections = d.sections
    .map((s) => {
      const items = s.items.length > 0 ? `<ul>${s.items.map((i) => `<li>${kept(i)}</li>`).join("")}${s.more > 0 ? `<li class="more">… and ${s.more} more</li>` : ""}</ul>` : `<p class="empty">${e(s.empty)}</p>`;
      return `<section><h2>${e(s.heading)}</h2>${items}</section>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${e(d.title)}: ${e(d.site)}</title>
<style>
  ${PAGE_CSS[paper]}
  * { box-sizing: border-box; }
  body { margin: 0; font-family: "Helvetica Neue", Arial, sans-serif; color: #000; }
  h1 { margin: 0 0 1mm; font-size: 18pt; }
  h2 { font-size: 1.1em; margin: 3mm 0 1mm; border-bottom: 0.3mm solid #000; break-after: avoid; }
  .meta { margin: 0.5mm 0; }
  table.counts { border-collapse: collapse; margin: 2mm 0; width: 100%; }
  table.counts td { padding: 0.6mm 2mm 0.6mm 0; border-bottom: 0.1mm solid #bbb; }
  table.counts td.n { text-align: right; font-weight: bold; }
  .notes { white-space: pre-wrap; border: 0.3mm solid #000; padding: 2mm; margin: 2mm 0; }
  ul { margin: 0; padding-left: 4mm; }
  li { break-inside: avoid; }
  .empty, .more, footer { color: #444; }
  .job-no { white-space: nowrap; }
  footer { margin-top: 4mm; font-size: 0.85em; }
  p.empty { margin: 0.5mm 0; }
  /* On screen (the console's preview) the page margins of print do not apply. */
  @media screen { body { margin: 8mm auto; max-width: ${paper === "receipt80" ? "72mm" : "190mm"}; } }
</style>
</head>
<body>
<h1>${e(d.title)}</h1>
<div class="meta"><strong>${e(d.site)}</strong></div>
<div class="meta">${e(d.period)}</div>
${d.status.map((line) => `<div class="meta">${e(line)}</div>`).join("\n")}
<table class="counts">
${d.counts.map(([label, value]) => `<tr><td>${e(label)}</td><td class="n">${e(value)}</td></tr>`).join("\n")}
</table>
<h2>Notes</h2>
<div class="notes">${d.notes ? kept(d.notes) : "No notes."}</div>
${sections}
<footer>${e(d.footer)}</footer>
</body>
</html>
`;
}

// ---- PDF ---------------------------------------------------------------------------------------

interface PdfLayout {
  width: number;
  height: number;
  margin: number;
  title: number;
  heading: number;
  body: number;
}

const PDF_LAYOUTS: Record<Exclude<Paper, "receipt80">, PdfLayout> = {
  a4: { width: 595.28, height: 841.89, margin: 42, title: 18, heading: 12, body: 9.5 },
  letter: { width: 612, height: 792, margin: 43, title: 18, heading: 12, body: 9.5 },
};
const RECEIPT: Omit<PdfLayout, "height"> = { width: 80 * MM, margin: 4 * MM, title: 12, heading: 9, body: 7.5 };

function drawDocument(doc: PDFKit.PDFDocument, d: PrintDocument, layout: Omit<PdfLayout, "height">): void {
  const inner = layout.width - 2 * layout.margin;
  const left = layout.margin;
  const text = (value: string, size: number, options: PDFKit.Mixins.TextOptions = {}): void => {
    doc.font(FONT_NAME).fontSize(size).text(printableText(value, 2000), left, doc.y, { width: inner, ...options });
  };
  text(d.title, layout.title);
  text(d.site, layout.heading);
  text(d.period, layout.body);
  for (const line of d.status) text(line, layout.body);
  doc.moveDown(0.6);

  for (const [label, value] of d.counts) {
    const y = doc.y;
    doc.font(FONT_NAME).fontSize(layout.body + 1);
    doc.text(printableText(label), left, y, { width: inner * 0.7, lineBreak: false });
    doc.text(value, left + inner * 0.7, y, { width: inner * 0.3, align: "right", lineBreak: false });
    doc.y = y + (layout.body + 1) * 1.35;
  }

  const heading = (title: string): void => {
    doc.moveDown(0.6);
    text(title, layout.heading);
    const y = doc.y + 1;
    doc.moveTo(left, y).lineTo(left + inner, y).lineWidth(0.6).stroke();
    doc.y = y + 3;
  };
  heading("Notes");
  // Notes keep their line breaks: a lead's list of things to watch is written as a list.
  for (const line of (d.notes ?? "No notes.").split(/\r?\n/)) text(line === "" ? " " : line, layout.body);

  for (const s of d.sections) {
    heading(s.heading);
    if (s.items.length === 0) text(s.empty, layout.body);
    for (const item of s.items) text(`- ${item}`, layout.body, { indent: 0 });
    if (s.more > 0) text(`... and ${s.more} more`, layout.body);
  }
  doc.moveDown(1);
  text(d.footer, layout.body - 1);
}

export function renderHandoffPdf(view: HandoffView, paper: Paper): Promise<Buffer> {
  const d = handoffDocument(view);
  const title = `${d.title}: ${d.site}`;
  if (paper === "receipt80") {
    const height = measureHeight(RECEIPT.width, RECEIPT.margin, (doc) => drawDocument(doc, d, RECEIPT));
    return renderPdf({ width: RECEIPT.width, height, margin: RECEIPT.margin, title }, (doc) => drawDocument(doc, d, RECEIPT));
  }
  const layout = PDF_LAYOUTS[paper];
  return renderPdf({ width: layout.width, height: layout.height, margin: layout.margin, title }, (doc) => drawDocument(doc, d, layout));
}
