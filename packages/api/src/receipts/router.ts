import { moneyCaller } from "../money/common.ts";
import { ById, ByJob } from "../money/schemas.ts";
import { router, staffProcedure } from "../trpc.ts";
import { getReceipt, listReceiptsForJob, receiptPdf } from "./service.ts";

export const receiptsRouter = router({
  get: staffProcedure.input(ById).query(({ ctx, input }) => getReceipt(moneyCaller(ctx), input.id)),
  listForJob: staffProcedure.input(ByJob).query(({ ctx, input }) => listReceiptsForJob(moneyCaller(ctx), input.jobId)),
  pdf: staffProcedure.input(ById).query(({ ctx, input }) => receiptPdf(moneyCaller(ctx), input.id)),
});
