import { StatusLinkInput, StatusLinkView } from "@orderdeck/contracts";
import { z } from "zod";
import { spendScanBudget } from "../rate-limits/limits.ts";
import { leadProcedure, router, staffProcedure, stationProcedure } from "../trpc.ts";
import { confirmPickup } from "./confirm.ts";
import { lookupPickup } from "./lookup.ts";
import { reissueStatusLink, revokeStatusLink, statusLinkOf } from "./status-link.ts";

// Codes are 10 symbols; scanners and people add dashes and spaces. Anything longer is not a code
// but is still a scan to record, up to a bound that keeps junk out of the audit table.
const ScannedCode = z.string().max(64);

/**
 * Scans are rate-limited per account and per address, so pickup codes cannot be enumerated. The
 * budget's statement (its own pool, its own commit) goes out beside the scan's first batch rather
 * than before it: the answer waits for both, the budget's refusal is the answer and, when it
 * refuses, nothing of the scan commits (`scanSpent`, confirm.ts).
 */
function scanning(procedure: typeof staffProcedure | typeof stationProcedure) {
  return procedure.use(async ({ ctx, next }) => {
    const scanSpent = spendScanBudget(ctx, ctx.principal.userId, ctx.ip);
    // Awaited once the procedure has answered; until then its refusal must not count as unhandled.
    scanSpent.catch(() => undefined);
    const result = await next({ ctx: { scanSpent } });
    await scanSpent;
    return result;
  });
}

export const pickupRouter = router({
  /** The job behind a scanned code: customer, status, payment and whether it can be handed over now. */
  lookup: scanning(staffProcedure)
    .input(z.strictObject({ code: ScannedCode }))
    .query(({ ctx, input }) => lookupPickup({ prisma: ctx.prisma }, ctx.principal, input.code)),

  /** Hands the job over (READY_FOR_PICKUP and paid or waived → PICKED_UP), or answers why not. */
  confirm: scanning(stationProcedure)
    .input(
      z.strictObject({
        code: ScannedCode,
        clientMutationId: z.uuid(),
        scannedAt: z.iso.datetime({ offset: true }),
      }),
    )
    .mutation(({ ctx, input }) =>
      confirmPickup(
        { prisma: ctx.prisma, scanSpent: ctx.scanSpent },
        ctx.principal,
        { code: input.code, clientMutationId: input.clientMutationId, scannedAt: new Date(input.scannedAt) },
        ctx.requestId,
      ),
    ),

  /** The customer's status page link of a job: its state, and its address while it works. */
  statusLink: leadProcedure.input(StatusLinkInput).output(StatusLinkView).query(({ ctx, input }) => statusLinkOf(ctx, input.jobId)),

  /** Ends the link: the page answers like a missing page from now on. */
  revokeStatusLink: leadProcedure.input(StatusLinkInput).output(StatusLinkView).mutation(({ ctx, input }) => revokeStatusLink(ctx, input.jobId)),

  /** A new link (the old one stops working); a ready job's customer is mailed it. */
  reissueStatusLink: leadProcedure.input(StatusLinkInput).output(StatusLinkView).mutation(({ ctx, input }) => reissueStatusLink(ctx, input.jobId)),
});
