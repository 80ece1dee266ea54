import { moneyCaller } from "../money/common.ts";
import { ById, ByJob } from "../money/schemas.ts";
import { router, staffProcedure } from "../trpc.ts";
import { createInvoice, getInvoice, invoicePdf, listInvoicesForJob } from "./service.ts";

export const invoicesRouter = router({
  create: staffProcedure.input(ByJob).mutation(({ ctx, input }) => createInvoice(moneyCaller(ctx), input.jobId)),
  get: staffProcedure.input(ById).query(({ ctx, input }) => getInvoice(moneyCaller(ctx), input.id)),
  listForJob: staffProcedure.input(ByJob).query(({ ctx, input }) => listInvoicesForJob(moneyCaller(ctx), input.jobId)),
  pdf: staffProcedure.input(ById).query(({ ctx, input }) => invoicePdf(moneyCaller(ctx), input.id)),
});
