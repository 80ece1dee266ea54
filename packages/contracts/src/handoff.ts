import { z } from "zod";
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
