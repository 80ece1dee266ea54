// How sync.push applies each change that is not a scan, inside the transaction push.ts opened for
// it (claimed in the ledger there): through the same service functions as the online procedures.
import { DomainError, hasRole, type SyncMutationArgs, type SyncMutationEnvelope, type SyncMutationType } from "@orderdeck/contracts";
import type { TransactionClient } from "@orderdeck/db";
import type { Principal } from "../auth/principal.ts";
import { acknowledgeHandoffInTx, createHandoffInTx } from "../handoff/service.ts";
import type { FloorState } from "../handoff/summary.ts";
import type { JobServiceCall } from "../jobs/call.ts";
import { actorOf } from "../jobs/events.ts";
import { transitionInTx } from "../jobs/lifecycle.ts";
import { updateInTx } from "../jobs/service.ts";
import { recordPayment, waivePayment } from "../payments/service.ts";
import { answer, type StoredAnswer } from "./push-answers.ts";

export interface ApplyContext {
  principal: Principal;
  requestId: string;
  jobCall: JobServiceCall;
  mutation: SyncMutationEnvelope;
  now: Date;
  /** Read before the mutation's transaction (handoff.create only). */
  floor: FloorState | null;
}

/** Every type but the scan, which decideClaimedScan applies in a pipelined transaction of its own (pushScan). */
export type AppliedInTx = Exclude<SyncMutationType, "pickup.confirm">;

type Applier<K extends AppliedInTx> = (tx: TransactionClient, ctx: ApplyContext, args: SyncMutationArgs[K]) => Promise<StoredAnswer>;

/** The sender's role is too low for the change: a matter of who sends it, not of the change (deferred). */
export class RoleRefusal extends DomainError {}

function requireLead(principal: Principal, what: string): void {
  if (!hasRole(principal.role, "LEAD")) {
    throw new RoleRefusal("FORBIDDEN", `${what} needs the LEAD role; you are signed in as ${principal.role}.`);
  }
}

const APPLY: { [K in AppliedInTx]: Applier<K> } = {
  "job.note": async (tx, ctx, args) => {
    await updateInTx(ctx.jobCall, tx, { id: args.id, version: args.version, notes: args.notes });
    return answer("applied", { jobId: args.id });
  },

  "job.transition": async (tx, ctx, args) => {
    await transitionInTx(ctx.jobCall, tx, args);
    return answer("applied", { jobId: args.id });
  },

  "handoff.create": async (tx, ctx, args) => {
    requireLead(ctx.principal, "Writing a handoff");
    if (!ctx.floor) throw new Error("handoff.create needs the floor state read before its transaction");
    const view = await createHandoffInTx(tx, ctx.principal, args, ctx.now, ctx.floor);
    return answer("applied", { handoffId: view.id });
  },

  "handoff.acknowledge": async (tx, ctx, args) => {
    requireLead(ctx.principal, "Acknowledging a handoff");
    const view = await acknowledgeHandoffInTx(tx, ctx.principal, args.id, ctx.now);
    return answer("applied", { handoffId: view.id });
  },

  "payment.record": async (tx, ctx, args) => {
    const { principal } = ctx;
    const recorded = await recordPayment(tx, {
      siteId: principal.siteId,
      jobId: args.jobId,
      provider: args.method,
      // Unique per console change: the same change again finds this payment, never makes a second.
      providerReference: `counter-${ctx.mutation.id}`,
      amountCents: args.amountCents,
      currency: args.currency,
      actor: actorOf(principal),
      requestId: ctx.requestId,
      now: ctx.now,
    });
    return answer("applied", { jobId: args.jobId, receipts: recorded.receipt ? [recorded.receipt.number] : [] });
  },

  "payment.waive": async (tx, ctx, args) => {
    const { principal } = ctx;
    requireLead(principal, "Waiving a payment");
    await waivePayment(tx, { siteId: principal.siteId, jobId: args.jobId, reason: args.reason, actor: actorOf(principal), requestId: ctx.requestId });
    return answer("applied", { jobId: args.jobId });
  },
};

export function applyOne<K extends AppliedInTx>(tx: TransactionClient, ctx: ApplyContext, type: K, args: SyncMutationArgs[K]): Promise<StoredAnswer> {
  return (APPLY[type] as Applier<K>)(tx, ctx, args);
}
