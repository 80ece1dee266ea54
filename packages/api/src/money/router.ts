import type { AuthedContext } from "../context.ts";
import { actorOf } from "../jobs/events.ts";
import { leadProcedure, router, staffProcedure } from "../trpc.ts";
import type { MoneyCaller } from "./common.ts";
import { createInvoice, getInvoice, invoicePdf, listInvoicesForJob } from "./invoices.ts";
import { listPaymentsForJob, record, refund, waive } from "./payments.ts";
import { getReceipt, listReceiptsForJob, receiptPdf } from "./receipts.ts";
import { ById, ByJob, RecordPaymentInput, SettlementInput } from "./schemas.ts";

function caller(ctx: AuthedContext): MoneyCaller {
  return { prisma: ctx.prisma, siteId: ctx.principal.siteId, actor: actorOf(ctx.principal), requestId: ctx.requestId };
}

export const invoicesRouter = router({
  create: staffProcedure.input(ByJob).mutation(({ ctx, input }) => createInvoice(caller(ctx), input.jobId)),
  get: staffProcedure.input(ById).query(({ ctx, input }) => getInvoice(caller(ctx), input.id)),
  listForJob: staffProcedure.input(ByJob).query(({ ctx, input }) => listInvoicesForJob(caller(ctx), input.jobId)),
  pdf: staffProcedure.input(ById).query(({ ctx, input }) => invoicePdf(caller(ctx), input.id)),
});

export const paymentsRouter = router({
  record: staffProcedure.input(RecordPaymentInput).mutation(({ ctx, input }) => record(caller(ctx), input)),
  listForJob: staffProcedure.input(ByJob).query(({ ctx, input }) => listPaymentsForJob(caller(ctx), input.jobId)),
  waive: leadProcedure.input(SettlementInput).mutation(({ ctx, input }) => waive(caller(ctx), input.jobId, input.reason)),
  refund: leadProcedure.input(SettlementInput).mutation(({ ctx, input }) => refund(caller(ctx), input.jobId, input.reason)),
});

export const receiptsRouter = router({
  get: staffProcedure.input(ById).query(({ ctx, input }) => getReceipt(caller(ctx), input.id)),
  listForJob: staffProcedure.input(ByJob).query(({ ctx, input }) => listReceiptsForJob(caller(ctx), input.jobId)),
  pdf: staffProcedure.input(ById).query(({ ctx, input }) => receiptPdf(caller(ctx), input.id)),
});

/** Mounted at the top of the app router: `invoices.*`, `payments.*`, `receipts.*`. */
export const moneyRouters = { invoices: invoicesRouter, payments: paymentsRouter, receipts: receiptsRouter };
