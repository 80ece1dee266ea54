import { z } from "zod";
import { ExceptionKind } from "./enums.ts";

// The exceptions list (exceptions.list): what needs someone's attention on the floor, by kind.

export const ExceptionEntry = z.object({
  kind: ExceptionKind,
  /** The row the exception is about (a job, mail, delivery, dead letter or scan). */
  refId: z.string(),
  job: z.object({ id: z.string(), number: z.number(), displayNumber: z.string(), title: z.string() }).nullable(),
  since: z.string(),
  message: z.string(),
});
export type ExceptionEntry = z.infer<typeof ExceptionEntry>;

export const ExceptionList = z.object({
  items: z.array(ExceptionEntry),
  /** Entries per kind, including those beyond the per-kind limit. */
  counts: z.record(ExceptionKind, z.number()),
  /** Kinds that had more entries than were listed. */
  truncated: z.array(ExceptionKind),
});
export type ExceptionList = z.infer<typeof ExceptionList>;

export const EXCEPTIONS_DEFAULT_PER_KIND = 50;

export const ExceptionsListInput = z.strictObject({
  kinds: z.array(ExceptionKind).min(1).max(ExceptionKind.options.length).optional(),
  perKind: z.int().min(1).max(200).default(EXCEPTIONS_DEFAULT_PER_KIND),
});
export type ExceptionsListInput = z.input<typeof ExceptionsListInput>;
