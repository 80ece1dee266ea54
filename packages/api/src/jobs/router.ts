import {
  JobBulkInput,
  JobBulkResult,
  JobCreateInput,
  JobDetail,
  JobListInput,
  JobListPage,
  JobReorderInput,
  JobReorderResult,
  JobTransitionInput,
  JobUpdateInput,
  JobVersionedRef,
  JobWithTimeline,
  Uuid,
} from "@orderdeck/contracts";
import { z } from "zod";
import type { AuthedContext } from "../context.ts";
import { sendInvoice } from "../invoices/send.ts";
import { leadProcedure, router, staffProcedure } from "../trpc.ts";
import { bulkJobs } from "./bulk.ts";
import type { JobServiceCall } from "./call.ts";
import { archiveJob, reorderJob, restoreJob, transitionJob } from "./lifecycle.ts";
import { listJobs } from "./list.ts";
import { createJob, getJob, updateJob } from "./service.ts";

export function jobCall(ctx: AuthedContext): JobServiceCall {
  return { prisma: ctx.prisma, principal: ctx.principal, requestId: ctx.requestId };
}

// STAFF runs the floor (read, create, edit, move along the machine, archive closed work);
// LEAD also decides the order of the queue and edits many jobs at once.
export const jobsRouter = router({
  list: staffProcedure
    .input(JobListInput)
    .output(JobListPage)
    .query(({ ctx, input }) => listJobs(ctx.prisma, ctx.principal.siteId, input)),

  get: staffProcedure
    .input(z.strictObject({ id: Uuid }))
    .output(JobWithTimeline)
    .query(({ ctx, input }) => getJob(jobCall(ctx), input.id)),

  create: staffProcedure
    .input(JobCreateInput)
    .output(JobDetail)
    .mutation(({ ctx, input }) => createJob(jobCall(ctx), input)),

  update: staffProcedure
    .input(JobUpdateInput)
    .output(JobDetail)
    .mutation(({ ctx, input }) => updateJob(jobCall(ctx), input)),

  transition: staffProcedure
    .input(JobTransitionInput)
    .mutation(({ ctx, input }) => transitionJob(jobCall(ctx), input)),

  archive: staffProcedure
    .input(JobVersionedRef)
    .mutation(({ ctx, input }) => archiveJob(jobCall(ctx), input)),

  restore: staffProcedure
    .input(JobVersionedRef)
    .mutation(({ ctx, input }) => restoreJob(jobCall(ctx), input)),

  reorder: leadProcedure
    .input(JobReorderInput)
    .output(JobReorderResult)
    .mutation(({ ctx, input }) => reorderJob(jobCall(ctx), input)),

  bulk: leadProcedure
    .input(JobBulkInput)
    .output(JobBulkResult)
    .mutation(({ ctx, input }) =>
      bulkJobs(jobCall(ctx), input, {
        sendInvoice,
        onUnexpected: (error, jobId) =>
          ctx.logger.error("bulk job action failed unexpectedly", {
            jobId,
            action: input.action.type,
            error: error instanceof Error ? error.message : String(error),
            stack: error instanceof Error ? error.stack : undefined,
          }),
      }),
    ),
});
