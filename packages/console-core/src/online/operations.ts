import { OperationsOverview, TaskActionInput, TaskActionResult, TaskGiveUpInput, TaskListInput, TaskPage, TaskRescheduleInput } from "@orderdeck/contracts";
import { z } from "zod";
import { t } from "../local-trpc.ts";
import { serverMutation, serverQuery, type CoreOf } from "./passthrough.ts";

// The site's background tasks and what a lead does about them (LEAD and up; the server checks).
export function operationsRouter(core: CoreOf) {
  return t.router({
    overview: serverQuery(core, "operations.overview", z.undefined(), OperationsOverview, "The operations overview"),
    list: serverQuery(core, "operations.list", TaskListInput, TaskPage, "The task list"),
    retry: serverMutation(core, "operations.retry", TaskActionInput, TaskActionResult, "Retrying tasks"),
    reschedule: serverMutation(core, "operations.reschedule", TaskRescheduleInput, TaskActionResult, "Rescheduling tasks"),
    giveUp: serverMutation(core, "operations.giveUp", TaskGiveUpInput, TaskActionResult, "Giving up tasks"),
  });
}
