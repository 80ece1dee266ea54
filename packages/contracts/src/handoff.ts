import { z } from "zod";
import { JobStatus, PaymentStatus, ScanOutcome } from "./enums.ts";
import { multiline } from "./jobs.ts";

/** Longest period a handoff summary covers: a month of rows is still one page of SQL, more is a report. */
export const HANDOFF_MAX_PERIOD_DAYS = 31;

/** A period boundary: a date (2026-03-29), a wall time at the site (2026-03-29T06:00) or an instant with its offset. */
export const HANDOFF_BOUNDARY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export const HandoffBoundary = z
  .string()
  .max(40)
  .regex(HANDOFF_BOUNDARY_PATTERN, "a date (2026-03-29), a wall time (2026-03-29T06:00) or an instant with offset");

export const HandoffPeriodInput = z.strictObject({ from: HandoffBoundary.optional(), to: HandoffBoundary.optional() });
export type HandoffPeriodInput = z.input<typeof HandoffPeriodInput>;

/** The outgoing lead freezes the summary with their notes (handoff.create, and its offline replay). */
export const HandoffCreateInput = z.strictObject({
  from: HandoffBoundary.optional(),
  to: HandoffBoundary.optional(),
  notes: multiline(8000).default(""),
});
export type HandoffCreateInput = z.input<typeof HandoffCreateInput>;

export const HandoffAcknowledgeInput = z.strictObject({ id: z.uuid() });
export type HandoffAcknowledgeInput = z.input<typeof HandoffAcknowledgeInput>;

// ---- The handoff summary ---------------------------------------------------------------------------
// As answered by handoff.summary and stored as a handoff's snapshot (read back through this schema,
// so a row written by an older server that lacks a field fails loudly instead of printing
// "undefined" on someone's shift report). The console validates the server's answer against it.

const HandoffJobRef = z.object({
  jobId: z.string(),
  number: z.string(),
  title: z.string(),
  customer: z.string().nullable(),
});

const HandoffMoment = HandoffJobRef.extend({ at: z.string() });

export const HandoffSummary = z.object({
  version: z.literal(1),
  site: z.object({ name: z.string(), timezone: z.string() }),
  period: z.object({
    from: z.string(),
    to: z.string(),
    /** The same instants on the site's wall clock, as printed. */
    fromLocal: z.string(),
    toLocal: z.string(),
    /** Real elapsed hours: 23 or 25 over a daylight-saving night. */
    hours: z.number(),
    basis: z.enum(["since_last_handoff", "current_shift", "chosen"]),
  }),
  /** When it was computed; the "now" lists (ready, overdue, exceptions, queue) are as of this moment. */
  generatedAt: z.string(),
  generatedAtLocal: z.string(),
  counts: z.object({
    received: z.number(),
    started: z.number(),
    finished: z.number(),
    pickedUp: z.number(),
    failed: z.number(),
    reprinted: z.number(),
    readyWaiting: z.number(),
    readyUnpaid: z.number(),
    overdue: z.number(),
    openExceptions: z.number(),
    scansRefused: z.number(),
  }),
  /** Each list holds at most `listLimit` jobs; the counts are always complete. */
  listLimit: z.number(),
  received: z.array(HandoffMoment),
  started: z.array(HandoffMoment),
  finished: z.array(HandoffMoment),
  pickedUp: z.array(HandoffMoment.extend({ by: z.string().nullable(), station: z.string().nullable() })),
  failed: z.array(HandoffMoment),
  reprinted: z.array(HandoffMoment),
  readyWaiting: z.array(
    HandoffJobRef.extend({
      readySince: z.string().nullable(),
      paymentStatus: PaymentStatus,
      unpaid: z.boolean(),
      amountDue: z.string(),
    }),
  ),
  overdue: z.array(HandoffJobRef.extend({ dueAt: z.string(), status: JobStatus })),
  exceptions: z.object({
    total: z.number(),
    byKind: z.record(z.string(), z.number()),
  }),
  /** The capacity forecast's answer for the whole queue (jobs service's model: machines in parallel). */
  forecast: z.object({ machines: z.number(), completesAt: z.string(), jobCount: z.number() }),
  /** The first jobs the forecast schedules (running ones first, then the queue in order). */
  nextInQueue: z.array(
    HandoffJobRef.extend({
      position: z.number(),
      status: JobStatus,
      remainingMinutes: z.number(),
      /** The job had no estimate; the forecast assumed the queue's median. */
      estimateAssumed: z.boolean(),
      forecastCompletionAt: z.string(),
    }),
  ),
  scans: z.object({
    total: z.number(),
    handedOver: z.number(),
    refused: z.number(),
    refusedByOutcome: z.partialRecord(ScanOutcome, z.number()),
  }),
});
export type HandoffSummary = z.infer<typeof HandoffSummary>;
