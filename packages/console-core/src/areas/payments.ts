// Payment at the counter: taken or waived as a queued change, like every other action.
import { formatJobNumber, type SyncJob } from "@orderdeck/contracts";
import { ConsoleRefusal, type ConsoleCoreApi } from "../api.ts";
import type { ConsoleContext } from "./context.ts";

export function paymentsArea(ctx: ConsoleContext): ConsoleCoreApi["payments"] {
  /** A job that still owes money, as this console last saw it (payments pending here included). */
  const owing = (jobId: string): SyncJob => {
    ctx.requireSignedIn();
    const job = ctx.requireJob(jobId);
    if (job.paymentStatus !== "UNPAID") {
      throw new ConsoleRefusal("PRECONDITION_FAILED", "DUPLICATE", `${formatJobNumber(job.number)} owes nothing (${job.paymentStatus.toLowerCase()}); no payment was taken.`);
    }
    return job;
  };

  return {
    async take(jobId, method, amountCents) {
      const job = owing(jobId);
      const mutation = ctx.act("payment.record", { jobId, method, amountCents, currency: job.currency, takenAt: ctx.now().toISOString() }, jobId);
      return ctx.actionAnswer(mutation, await ctx.verdict(mutation), jobId);
    },
    async waive(jobId, reason) {
      ctx.requireSignedIn();
      ctx.requireLead("Waiving a payment");
      owing(jobId);
      const mutation = ctx.act("payment.waive", { jobId, reason }, jobId);
      return ctx.actionAnswer(mutation, await ctx.verdict(mutation), jobId);
    },
  };
}
