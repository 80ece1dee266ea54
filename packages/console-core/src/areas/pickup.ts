// The counter's handover: a pickup code looked up in the cache, and confirmed on the server's word
// when it answers in time, on the cache's word (pending sync) when it does not.
import {
  formatJobNumber,
  formatLocal,
  formatPickupCode,
  invalidCodeRefusal,
  isValidPickupCode,
  normalizePickupCode,
  pickupFacts,
  pickupPayment,
  pickupRefusal,
  unknownCodeRefusal,
  type SyncCustomer,
  type SyncJob,
} from "@orderdeck/contracts";
import { ConsoleRefusal, type ConsoleCoreApi, type PickupAnswer, type PickupConfirmAnswer } from "../api.ts";
import { findJobByCode, getCustomer, getJob } from "../store/cache.ts";
import { pendingPickupOf, resultOf, rewriteWaitingArgs } from "../store/outbox.ts";
import type { ConsoleContext } from "./context.ts";

const factsOf = (job: SyncJob) =>
  pickupFacts(job, { paidCents: job.paidCents, pickedUpAt: job.pickedUpAt, pickedUpBy: job.pickedUpByName, pickedUpStation: job.pickedUpStationName });

const scannedAtOf = (args: string): string | undefined => (JSON.parse(args) as { scannedAt?: string }).scannedAt;

export function pickupArea(ctx: ConsoleContext): ConsoleCoreApi["pickup"] {
  const { db } = ctx;
  const atSite = (iso: string): string => formatLocal(new Date(iso), ctx.siteTimeZone());

  const lookup = (raw: string): PickupAnswer => {
    const code = normalizePickupCode(raw);
    if (!isValidPickupCode(code)) {
      const { reason, message } = invalidCodeRefusal();
      throw new ConsoleRefusal("BAD_REQUEST", reason, message);
    }
    const job = findJobByCode(db, code);
    if (!job) {
      const { reason, message } = unknownCodeRefusal(code);
      throw new ConsoleRefusal("NOT_FOUND", reason, message);
    }
    const pending = pendingPickupOf(db, code);
    const refusal = pending ? null : pickupRefusal(factsOf(job), atSite);
    const customer: SyncCustomer | null = job.customerId ? getCustomer(db, job.customerId) : null;
    return {
      job: ctx.localJob(job),
      customer: customer ? { name: customer.name, email: customer.email, phone: customer.phone } : null,
      payment: pickupPayment(job),
      canHandOver: refusal === null && !pending,
      refusal: refusal ? { reason: refusal.reason, message: refusal.message } : null,
      pendingHandover: pending ? { mutationId: pending.mutation_id, scannedAt: String(scannedAtOf(pending.args)) } : null,
      asOf: ctx.lastSyncAt(),
    };
  };

  const confirm = async (raw: string): Promise<PickupConfirmAnswer> => {
    ctx.requireSignedIn();
    const code = normalizePickupCode(raw);
    const refused = ({ reason, message }: { reason: string; message: string }, job: SyncJob | null): PickupConfirmAnswer => ({
      outcome: "refused",
      message,
      mutationId: null,
      refusal: { reason, message },
      job: job ? ctx.localJob(job) : null,
      receipts: [],
    });
    if (!isValidPickupCode(code)) {
      return refused(invalidCodeRefusal(), null);
    }
    // A second scan of a code this station already handed over, before the server answered the
    // first: the outbox answers, and nothing is queued twice.
    const pending = pendingPickupOf(db, code);
    if (pending) {
      const job = pending.job_id ? getJob(db, pending.job_id) : null;
      const at = scannedAtOf(pending.args);
      const when = at ? atSite(at) : "earlier";
      return {
        outcome: "pending_sync",
        message: `${job ? formatJobNumber(job.number) : formatPickupCode(code)} was already handed over at this station on ${when}; it waits to sync.`,
        mutationId: pending.mutation_id,
        refusal: null,
        job: job ? ctx.localJob(job) : null,
        receipts: [],
      };
    }
    const job = findJobByCode(db, code);
    if (!job) return refused(unknownCodeRefusal(code), null);
    const refusal = pickupRefusal(factsOf(job), atSite);
    if (refusal) return refused(refusal, job);

    const live = ctx.online();
    const mutation = ctx.act("pickup.confirm", { code, scannedAt: ctx.now().toISOString(), offline: !live }, job.id);
    const row = await ctx.verdict(mutation);
    const result = row ? resultOf(row) : null;
    if (result?.status === "applied") {
      const handed = getJob(db, job.id);
      return {
        outcome: "handed_over",
        message: `${formatJobNumber(job.number)} handed over.`,
        mutationId: mutation.id,
        refusal: null,
        job: handed ? ctx.localJob(handed) : null,
        receipts: result.receipts,
      };
    }
    if (result) {
      const current = getJob(db, job.id);
      return { ...refused({ reason: result.reason ?? "CONFLICT", message: result.message ?? "The server refused the handover." }, current), mutationId: mutation.id };
    }
    // No verdict: the person hands the job over on the cache's word. Mark the change as made offline
    // while it is unanswered (not sent, or left waiting by the server), so a later refusal is an exception.
    if (live) {
      rewriteWaitingArgs(db, mutation.id, { code, scannedAt: (mutation.args as { scannedAt: string }).scannedAt, offline: true });
    }
    const shown = getJob(db, job.id);
    return {
      outcome: "pending_sync",
      message: `${formatJobNumber(job.number)} handed over; the server has not confirmed it yet (pending sync).`,
      mutationId: mutation.id,
      refusal: null,
      job: shown ? ctx.localJob(shown) : null,
      receipts: [],
    };
  };

  return { lookup, confirm };
}
