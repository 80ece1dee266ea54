// The part of the shift handoff summary that the jobs' own rows tell: what was received and handed
// over in the period, and what stands ready now. The server feeds it rows from Postgres, a console
// rows from its SQLite cache, so the two can never count or list these differently.
import type { JobStatus, PaymentStatus } from "./enums.ts";
import { formatMoney } from "./money.ts";
import { formatJobNumber } from "./numbers.ts";
import { amountDueCents } from "./pickup-rules.ts";

/** Jobs listed per category of a handoff summary; its counts are complete regardless. */
export const HANDOFF_LIST_LIMIT = 50;

/**
 * Rows of one list a printed handoff shows (the PDF, and the console's screen and print alike); the
 * rest is "… and N more", so one busy evening fits on a page or two. Headings keep the true counts.
 */
export const HANDOFF_PRINT_ROWS = 25;

/** One job as the handoff summary reads it. Instants are ISO 8601 strings. */
export interface HandoffJobRow {
  id: string;
  number: number;
  title: string;
  customer: string | null;
  status: JobStatus;
  queuePosition: number | null;
  paymentStatus: PaymentStatus;
  priceCents: number;
  /** What the job's payments add up to (only an unpaid job's is read). */
  paidCents: number;
  currency: string;
  createdAt: string;
  /** When it was handed over; null when it was not (or the feeder does not count it as handed over). */
  pickedUpAt: string | null;
  pickedUpBy: string | null;
  pickedUpStation: string | null;
}

export interface HandoffJobRef {
  jobId: string;
  number: string;
  title: string;
  customer: string | null;
}

export interface HandoffRowsSummary {
  counts: { received: number; pickedUp: number; readyWaiting: number; readyUnpaid: number };
  received: Array<HandoffJobRef & { at: string }>;
  pickedUp: Array<HandoffJobRef & { at: string; by: string | null; station: string | null }>;
  readyWaiting: Array<HandoffJobRef & { paymentStatus: PaymentStatus; unpaid: boolean; amountDue: string }>;
}

/**
 * Counts over the half-open period [from, to), so adjacent periods never count a job twice. Each
 * list is in time order (ready: queue order, jobs without a place last); jobs that tie keep the
 * order they were fed in, which each feeder chooses to match its own lists.
 */
export function summariseHandoffRows(
  rows: readonly HandoffJobRow[],
  period: { from: string; to: string },
  listLimit: number = HANDOFF_LIST_LIMIT,
): HandoffRowsSummary {
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  const inPeriod = (iso: string | null): boolean => iso !== null && Date.parse(iso) >= from && Date.parse(iso) < to;
  const byTime = (at: (row: HandoffJobRow) => string) => (a: HandoffJobRow, b: HandoffJobRow) => Date.parse(at(a)) - Date.parse(at(b));

  const received = rows.filter((row) => inPeriod(row.createdAt)).sort(byTime((row) => row.createdAt));
  const pickedUp = rows.filter((row) => inPeriod(row.pickedUpAt)).sort(byTime((row) => row.pickedUpAt ?? ""));
  const ready = rows
    .filter((row) => row.status === "READY_FOR_PICKUP")
    .sort((a, b) => (a.queuePosition ?? Number.MAX_SAFE_INTEGER) - (b.queuePosition ?? Number.MAX_SAFE_INTEGER));
  const unsettled = (row: HandoffJobRow): boolean => row.paymentStatus === "UNPAID" || row.paymentStatus === "REFUNDED";

  return {
    counts: {
      received: received.length,
      pickedUp: pickedUp.length,
      readyWaiting: ready.length,
      readyUnpaid: ready.filter(unsettled).length,
    },
    received: received.slice(0, listLimit).map((row) => ({ ...refOf(row), at: row.createdAt })),
    pickedUp: pickedUp.slice(0, listLimit).map((row) => ({ ...refOf(row), at: row.pickedUpAt ?? row.createdAt, by: row.pickedUpBy, station: row.pickedUpStation })),
    readyWaiting: ready.slice(0, listLimit).map((row) => ({
      ...refOf(row),
      paymentStatus: row.paymentStatus,
      unpaid: unsettled(row),
      amountDue: formatMoney(amountDueCents(row), row.currency),
    })),
  };
}

function refOf(row: HandoffJobRow): HandoffJobRef {
  return { jobId: row.id, number: formatJobNumber(row.number), title: row.title, customer: row.customer };
}
