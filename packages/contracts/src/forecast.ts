import { z } from "zod";
import { JobStatus } from "./enums.ts";

// The capacity forecast (forecast.capacity): when the queue will be done, machines in parallel.

export const ForecastInput = z.strictObject({
  /** How many machines work the queue in parallel; default: see `machinesRule` in the answer. */
  machines: z.int().min(1).max(100).optional(),
  /** How many jobs to list (the completion time always covers the whole queue). */
  limit: z.int().min(1).max(1000).default(200),
});
export type ForecastInput = z.input<typeof ForecastInput>;

export const ForecastJob = z.object({
  id: z.string(),
  number: z.number(),
  displayNumber: z.string(),
  title: z.string(),
  status: JobStatus,
  queuePosition: z.number(),
  /** 0-based index of the machine slot the job was scheduled on. */
  slot: z.number(),
  /** Minutes of machine time still needed. */
  remainingMinutes: z.number(),
  /** True when the job had no estimate and the queue's median was assumed. */
  estimateAssumed: z.boolean(),
  startsAt: z.string(),
  finishesAt: z.string(),
  dueAt: z.string().nullable(),
  /** Forecast to finish after its due date. */
  late: z.boolean(),
});
export type ForecastJob = z.infer<typeof ForecastJob>;

export const Forecast = z.object({
  generatedAt: z.string(),
  machines: z.number(),
  machinesRule: z.enum(["requested", "machines-in-use", "default"]),
  /** When the last scheduled job finishes (generatedAt when nothing is waiting). */
  completesAt: z.string(),
  jobCount: z.number(),
  assumedMinutesPerJob: z.number(),
  jobs: z.array(ForecastJob),
});
export type Forecast = z.infer<typeof Forecast>;
