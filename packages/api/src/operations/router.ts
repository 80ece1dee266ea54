import {
  OperationsOverview,
  TaskActionInput,
  TaskActionResult,
  TaskGiveUpInput,
  TaskListInput,
  TaskPage,
  TaskRescheduleInput,
} from "@orderdeck/contracts";
import { leadProcedure, router } from "../trpc.ts";
import { giveUpTasks, listTasks, overview, rescheduleTasks, retryTasks } from "./service.ts";

// Leads run the floor's operations: seeing what the background is doing and unblocking it.
export const operationsRouter = router({
  /** Jobs per task and state, and how many workers are alive. */
  overview: leadProcedure.output(OperationsOverview).query(({ ctx }) => overview(ctx)),

  list: leadProcedure.input(TaskListInput).output(TaskPage).query(({ ctx, input }) => listTasks(ctx, input)),

  /** Runs the jobs now, with fresh attempts. */
  retry: leadProcedure.input(TaskActionInput).output(TaskActionResult).mutation(({ ctx, input }) => retryTasks(ctx, input.ids)),

  reschedule: leadProcedure.input(TaskRescheduleInput).output(TaskActionResult).mutation(({ ctx, input }) => rescheduleTasks(ctx, input.ids, new Date(input.runAt))),

  /** Stops the jobs for good; their mail or delivery is marked given up. */
  giveUp: leadProcedure.input(TaskGiveUpInput).output(TaskActionResult).mutation(({ ctx, input }) => giveUpTasks(ctx, input.ids, input.reason)),
});
