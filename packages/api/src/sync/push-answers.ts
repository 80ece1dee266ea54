// What the client-mutation ledger keeps for a sync.push mutation, and how a stored entry (this
// path's, or the online pickup.confirm's for the same id) is answered again.
import { SyncMutationStatus, type MutationOutcome, type SyncMutationType } from "@orderdeck/contracts";
import { z } from "zod";
import type { LedgerEntry } from "../client-mutations/ledger.ts";
import type { ScanDecision } from "../pickup/confirm.ts";
import { isOfflineConflict } from "../pickup/scan-outcome.ts";

/** What the ledger keeps for a sync mutation; the rows it names are read afresh for every answer. */
export const StoredAnswer = z.object({
  v: z.literal(1),
  status: SyncMutationStatus,
  reason: z.string().nullable(),
  message: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  receipts: z.array(z.string()),
  jobId: z.string().nullable(),
  handoffId: z.string().nullable(),
});
export type StoredAnswer = z.infer<typeof StoredAnswer>;

// What the online pickup.confirm stores for the same ledger: read as such if the ids ever meet.
const OnlinePickupAnswer = z.union([
  z.object({ ok: z.literal(true), confirmation: z.object({ job: z.object({ id: z.string() }), receipts: z.array(z.object({ number: z.string() })) }) }),
  z.object({ ok: z.literal(false), refusal: z.object({ reason: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) }) }),
]);

export const OUTCOME: Record<SyncMutationStatus, MutationOutcome> = { applied: "APPLIED", rejected: "REJECTED", conflict: "CONFLICT" };

export function answer(status: SyncMutationStatus, fields: Partial<StoredAnswer> = {}): StoredAnswer {
  return { v: 1, status, reason: null, message: null, details: null, receipts: [], jobId: null, handoffId: null, ...fields };
}

/** A scan's decision as sync.push answers it. */
export function scanAnswer(decision: ScanDecision, offline: boolean): StoredAnswer {
  if (decision.ok) return answer("applied", { jobId: decision.jobId, receipts: decision.confirmation.receipts.map((r) => r.number) });
  const { reason, message, details } = decision.refusal;
  // The person was told "handed over": the job changed under the console, and someone must look.
  return answer(isOfflineConflict(reason, offline) ? "conflict" : "rejected", { reason, message, details, jobId: decision.jobId });
}

/** The stored first answer to this mutation id, as a sync answer. */
export function replayOf(entry: LedgerEntry, type: SyncMutationType): StoredAnswer {
  if (entry.type === type) {
    const stored = StoredAnswer.safeParse(entry.result);
    if (stored.success) return stored.data;
    const online = OnlinePickupAnswer.safeParse(entry.result);
    if (type === "pickup.confirm" && online.success) {
      return online.data.ok
        ? answer("applied", { jobId: online.data.confirmation.job.id, receipts: online.data.confirmation.receipts.map((r) => r.number) })
        : answer("rejected", {
            reason: online.data.refusal.reason,
            message: online.data.refusal.message,
            details: online.data.refusal.details,
          });
    }
  }
  return answer("rejected", {
    reason: "VERSION_CONFLICT",
    message: "This console already used that mutation id for a different change; the console must send the change with a new id.",
  });
}
