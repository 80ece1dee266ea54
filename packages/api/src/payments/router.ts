import { moneyCaller } from "../money/common.ts";
import { ByJob, RecordPaymentInput, SettlementInput } from "../money/schemas.ts";
import { leadProcedure, router, staffProcedure } from "../trpc.ts";
import { listPaymentsForJob, record, refund, waive } from "./service.ts";

// Anyone at the counter records what a customer paid; letting a job go unpaid (waive) or giving
// the money back (refund) is a lead's decision.
export const paymentsRouter = router({
  record: staffProcedure.input(RecordPaymentInput).mutation(({ ctx, input }) => record(moneyCaller(ctx), input)),
  listForJob: staffProcedure.input(ByJob).query(({ ctx, input }) => listPaymentsForJob(moneyCaller(ctx), input.jobId)),
  waive: leadProcedure.input(SettlementInput).mutation(({ ctx, input }) => waive(moneyCaller(ctx), input.jobId, input.reason)),
  refund: leadProcedure.input(SettlementInput).mutation(({ ctx, input }) => refund(moneyCaller(ctx), input.jobId, input.reason)),
});
