import { TaskActionInput, TaskGiveUpInput, TaskListInput, TaskRescheduleInput } from "@orderdeck/contracts";
import { authedProcedure, router } from "../trpc.ts";
import { giveUpTasks, listTasks, overview, rescheduleTasks, retryTasks } from "./operations.ts";

// Leads run the floor's operations: seeing what the background is doing and unblocking it.
const lead = authedProcedure.meta({ role: "LEAD" });

export const operationsRouter = router({
  /** Jobs per task and state, and how many workers are alive. */
  overview: lead.query(({ ctx }) => overview(ctx)),

  list: lead.input(TaskListInput).query(({ ctx, input }) => listTasks(ctx, input)),

  /** Runs the jobs now, with fresh attempts. */
  retry: lead.input(TaskActionInput).mutation(({ ctx, input }) => retryTasks(ctx, input.ids)),

  reschedule: lead.input(TaskRescheduleInput).mutation(({ ctx, input }) => rescheduleTasks(ctx, input.ids, new Date(input.runAt))),

  /** Stops the jobs for good; their mail or delivery is marked given up. */
  giveUp: lead.input(TaskGiveUpInput).mutation(({ ctx, input }) => giveUpTasks(ctx, input.ids, input.reason)),
});
