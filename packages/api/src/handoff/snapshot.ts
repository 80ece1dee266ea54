// The handoff summary, as answered by handoff.summary and stored as a handoff's snapshot. Stored
// snapshots are read back through this schema, so a row written by an older server that lacks a
// field fails loudly instead of printing "undefined" on someone's shift report.
import { JobStatus, PaymentStatus, ScanOutcome } from "@orderdeck/contracts";
import { z } from "zod";

const JobRef = z.object({
  jobId: z.string(),
  number: z.string(),
  title: z.string(),
  customer: z.string().nullable(),
});

const Moment = JobRef.extend({ at: z.string() });

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
  received: z.array(Moment),
  started: z.array(Moment),
  finished: z.array(Moment),
  pickedUp: z.array(Moment.extend({ by: z.string().nullable(), station: z.string().nullable() })),
  failed: z.array(Moment),
  reprinted: z.array(Moment),
  readyWaiting: z.array(
    JobRef.extend({
      readySince: z.string().nullable(),
      paymentStatus: PaymentStatus,
      unpaid: z.boolean(),
      amountDue: z.string(),
    }),
  ),
  overdue: z.array(JobRef.extend({ dueAt: z.string(), status: JobStatus })),
  exceptions: z.object({
    total: z.number(),
    byKind: z.record(z.string(), z.number()),
  }),
  /** The capacity forecast's answer for the whole queue (jobs service's model: machines in parallel). */
  forecast: z.object({ machines: z.number(), completesAt: z.string(), jobCount: z.number() }),
  /** The first jobs the forecast schedules (running ones first, then the queue in order). */
  nextInQueue: z.array(
    JobRef.extend({
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
