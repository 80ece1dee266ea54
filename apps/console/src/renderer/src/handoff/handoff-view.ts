// What the handoff screen shows, from either source: the server's summary, or the console's cache
// (offline, where some counts are unknown). Times are on the site's clock.
import { formatSiteTime, type HandoffSummary } from "@orderdeck/contracts";
import type { CachedHandoffSummary, HandoffSummaryAnswer } from "../../../shared/local-api.ts";

/** A list of the summary: the rows it holds (at most the summary's own limit) and how many there are in all. */
export interface HandoffList<T> {
  rows: T[];
  total: number;
}

/** One shape for both sources: the server's summary, or the cache's (some counts unknown offline). */
export interface SummaryView {
  source: "server" | "cache";
  asOf: string | null;
  periodText: string;
  basis: string;
  counts: { label: string; value: number | null }[];
  pickedUp: HandoffList<{ key: string; number: string; title: string; at: string; by: string | null; pending: boolean }>;
  readyWaiting: HandoffList<{ key: string; number: string; title: string; customer: string | null; unpaid: boolean; amountDue: string }>;
  overdue: HandoffList<{ key: string; number: string; title: string; dueAt: string }>;
  nextInQueue: HandoffList<{ key: string; number: string; title: string; position: number }>;
}

const BASIS: Record<string, string> = { since_last_handoff: "since the last handoff", current_shift: "this shift", chosen: "chosen period" };

/** The counts both summaries have (the cache's are null where it cannot know them: it keeps no timelines). */
function periodCounts(c: Record<"received" | "started" | "finished" | "pickedUp" | "failed" | "reprinted" | "readyWaiting" | "readyUnpaid" | "overdue", number | null>) {
  return [
    { label: "Received", value: c.received },
    { label: "Started", value: c.started },
    { label: "Finished", value: c.finished },
    { label: "Picked up", value: c.pickedUp },
    { label: "Failed", value: c.failed },
    { label: "Reprinted", value: c.reprinted },
    { label: "Ready, waiting", value: c.readyWaiting },
    { label: "Ready, unpaid", value: c.readyUnpaid },
    { label: "Overdue", value: c.overdue },
  ];
}

export function viewOf(answer: HandoffSummaryAnswer, timeZone: string): SummaryView {
  return answer.source === "server" ? fromServer(answer.summary, timeZone) : fromCache(answer, timeZone);
}

/** The period on the site's clock; the zone is said once, beside it. */
function periodText(period: { from: string; to: string }, timeZone: string): string {
  return `${formatSiteTime(period.from, timeZone)} – ${formatSiteTime(period.to, timeZone)}`;
}

function list<T>(rows: T[], total: number | null): HandoffList<T> {
  return { rows, total: Math.max(total ?? rows.length, rows.length) };
}

function fromServer(s: HandoffSummary, timeZone: string): SummaryView {
  const c = s.counts;
  return {
    source: "server",
    asOf: s.generatedAt,
    periodText: periodText(s.period, timeZone),
    basis: BASIS[s.period.basis] ?? s.period.basis,
    counts: [...periodCounts(c), { label: "Open exceptions", value: c.openExceptions }, { label: "Scans refused", value: c.scansRefused }],
    pickedUp: list(s.pickedUp.map((j) => ({ key: j.jobId, number: j.number, title: j.title, at: j.at, by: j.by, pending: false })), c.pickedUp),
    readyWaiting: list(s.readyWaiting.map((j) => ({ key: j.jobId, number: j.number, title: j.title, customer: j.customer, unpaid: j.unpaid, amountDue: j.amountDue })), c.readyWaiting),
    overdue: list(s.overdue.map((j) => ({ key: j.jobId, number: j.number, title: j.title, dueAt: j.dueAt })), c.overdue),
    nextInQueue: list(s.nextInQueue.map((j) => ({ key: j.jobId, number: j.number, title: j.title, position: j.position })), null),
  };
}

function fromCache(s: CachedHandoffSummary, timeZone: string): SummaryView {
  const c = s.counts;
  return {
    source: "cache",
    asOf: s.asOf,
    periodText: periodText(s.period, timeZone),
    basis: BASIS[s.period.basis] ?? s.period.basis,
    counts: [...periodCounts(c), { label: "Failed now", value: c.failedNow }],
    pickedUp: list(s.pickedUp.map((j) => ({ key: j.jobId, number: j.number, title: j.title, at: j.at, by: j.by, pending: j.pendingSync })), c.pickedUp),
    readyWaiting: list(s.readyWaiting.map((j) => ({ key: j.jobId, number: j.number, title: j.title, customer: j.customer, unpaid: j.unpaid, amountDue: j.amountDue })), c.readyWaiting),
    overdue: list(s.overdue.map((j) => ({ key: j.jobId, number: j.number, title: j.title, dueAt: j.dueAt })), c.overdue),
    nextInQueue: list(s.nextInQueue.map((j) => ({ key: j.jobId, number: j.number, title: j.title, position: j.position })), null),
  };
}
