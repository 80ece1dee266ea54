import { z } from "zod";
import { authedProcedure, router } from "../trpc.ts";
import { TASK_STATES, giveUpTasks, listTasks, overview, rescheduleTasks, retryTasks } from "./operations.ts";

// graphile-worker's job ids are bigints; 18 digits always fit one.
const JobId = z.string().regex(/^[1-9][0-9]{0,17}$/, "A job id is a positive whole number.");
const JobIds = z.array(JobId).min(1).max(200);
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

// Leads run the floor's operations: seeing what the background is doing and unblocking it.
const lead = authedProcedure.meta({ role: "LEAD" });

export const operationsRouter = router({
  /** Jobs per task and state, and how many workers are alive. */
  overview: lead.query(({ ctx }) => overview(ctx)),

  list: lead
    .input(
      z.strictObject({
        states: z.array(z.enum(TASK_STATES)).max(TASK_STATES.length).optional(),
        task: z.string().max(100).regex(/^[a-z0-9_:.-]+$/i).optional(),
        cursor: JobId.optional(),
        limit: z.int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => listTasks(ctx, input)),

  /** Runs the jobs now, with fresh attempts. */
  retry: lead.input(z.strictObject({ ids: JobIds })).mutation(({ ctx, input }) => retryTasks(ctx, input.ids)),

  reschedule: lead
    .input(z.strictObject({ ids: JobIds, runAt: z.iso.datetime({ offset: true }) }))
    .mutation(({ ctx, input }) => rescheduleTasks(ctx, input.ids, new Date(input.runAt))),

  /** Stops the jobs for good; their mail or delivery is marked given up. */
  giveUp: lead
    .input(z.strictObject({ ids: JobIds, reason: z.string().trim().min(1).max(500).regex(NO_CONTROL_CHARACTERS).optional() }))
    .mutation(({ ctx, input }) => giveUpTasks(ctx, input.ids, input.reason)),
});
