import { z } from "zod";

export const ReadinessCheck = z.object({
  name: z.string(),
  ok: z.boolean(),
  detail: z.string().optional(),
});
export type ReadinessCheck = z.infer<typeof ReadinessCheck>;

/** The body of `GET /readyz`, also what the console shows in its status bar. */
export const Readiness = z.object({
  ready: z.boolean(),
  version: z.string(),
  checks: z.array(ReadinessCheck),
});
export type Readiness = z.infer<typeof Readiness>;
