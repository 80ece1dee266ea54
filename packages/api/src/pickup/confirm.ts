// Pickup at the counter: a scanned or typed code is looked up, and one confirmation hands the job
// over. The rules (SPEC §3 "Pickup"):
//   - a code that fails its check symbol is refused before any lookup;
//   - only READY_FOR_PICKUP jobs to be collected, paid or waived, are handed over, and exactly
//     once however many stations scan at the same moment (the job's row lock decides);
//   - every other case answers its own reason and changes nothing but the scan record;
//   - another site's code answers exactly as an unknown code (same reason, message, details and
//     query path): row-level security hides the row, so there is nothing else to tell apart;
//   - the same client mutation id from the same station gets the first answer again.
import {
  DomainError,
  isValidPickupCode,
  normalizePickupCode,
  type PickupRefusal,
  type ScanOutcome,
} from "@orderdeck/contracts";
import { inSite, type Prisma, type TransactionClient } from "@orderdeck/db";
import type { Principal } from "../auth/principal.ts";
import { claimMutation as claimLedger, settleMutation as settleLedger, type MutationKey } from "../client-mutations/ledger.ts";
import { databaseRefusal } from "../database-refusals.ts";
import { actorOf, recordJobEvent } from "../jobs/events.ts";
import type { ReceiptView } from "../receipts/service.ts";
import { invalidCode, jobFacts, readPickupJob, refusalFor, unknownCode, type PickupDependencies, type PickupJob, type PickupView } from "./lookup.ts";
import { afterHandover } from "./notify.ts";
import { issuePlannedReceipts, planPickupReceipts } from "./receipt.ts";
import { scanOutcomeFor, scanOutcomeOf } from "./scan-outcome.ts";

export interface PickupConfirmation extends Omit<PickupView, "canHandOver" | "refusal"> {
  outcome: "HANDED_OVER";
  receipts: ReceiptView[];
  /** How many receipts this handover issued (0: the payments had issued them). */
  receiptsIssued: number;
  /** True when this answer is the stored first answer to a repeated client mutation id. */
  replayed: boolean;
}

export interface ConfirmPickupInput {
  code: string;
  clientMutationId: string;
  scannedAt: Date;
}

/** The answer as stored with the client mutation, so that a repeat gets it back unchanged. */
type StoredAnswer = { ok: true; confirmation: PickupConfirmation } | { ok: false; refusal: PickupRefusal };

/** A scan decided inside the caller's transaction: the answer, and the job it was about (if known). */
export type ScanDecision = StoredAnswer & { jobId: string | null };

const MUTATION_TYPE = "pickup.confirm";
// The scan record keeps what was scanned, even junk, up to the column's CHECK.
const SCAN_CODE_MAX = 200;

export interface ScanContext {
  siteId: string;
  stationId: string;
  userId: string;
  /** Normalised (normalizePickupCode). */
  code: string;
  clientMutationId: string;
  scannedAt: Date;
  /**
   * Replayed from a console that already answered "handed over, pending sync": a refusal by the
   * job's state now is a conflict with what happened at the counter, recorded as such so it
   * reaches the exceptions list (isOfflineConflict).
   */
  offline?: boolean;
}

/** Every attempt leaves a scan record (refused and failed ones included). */
export async function recordScan(tx: TransactionClient, scan: ScanContext, outcome: ScanOutcome, jobId: string | null, serverTime: Date): Promise<void> {
  await tx.scanRecord.create({
    data: {
      siteId: scan.siteId,
      stationId: scan.stationId,
      userId: scan.userId,
      code: scan.code.slice(0, SCAN_CODE_MAX),
      outcome,
      jobId,
      clientTime: scan.scannedAt,
      serverTime,
      clientMutationId: scan.clientMutationId,
    },
    select: { id: true },
  });
}

function isStoredAnswer(value: unknown): value is StoredAnswer {
  return typeof value === "object" && value !== null && "ok" in value && typeof value.ok === "boolean";
}

function ledgerKey(scan: ScanContext): MutationKey {
  return { siteId: scan.siteId, stationId: scan.stationId, userId: scan.userId, mutationId: scan.clientMutationId };
}

/** Claims the scan's mutation id in the ledger: its claim when first, else the stored first answer. */
async function claimMutation(tx: TransactionClient, scan: ScanContext): Promise<{ claimId: string; replay: null } | { claimId: null; replay: StoredAnswer }> {
  const args = { code: scan.code.slice(0, SCAN_CODE_MAX), scannedAt: scan.scannedAt.toISOString() };
  const { claimId, first } = await claimLedger(tx, ledgerKey(scan), MUTATION_TYPE, args);
  if (claimId !== null) return { claimId, replay: null };
  const firstArgs = first.args;
  const sameScan =
    first.type === MUTATION_TYPE &&
    typeof firstArgs === "object" &&
    firstArgs !== null &&
    !Array.isArray(firstArgs) &&
    firstArgs.code === args.code;
  if (!sameScan || !isStoredAnswer(first.result)) {
    throw new DomainError(
      "VERSION_CONFLICT",
      "This console already used that client mutation id for something else; send the scan with a new id.",
      { clientMutationId: scan.clientMutationId },
    );
  }
  return { claimId: null, replay: first.result };
}

/**
 * Decides the scan and, when it is a handover, makes it, in the caller's transaction. Refusals are
 * returned, not thrown, with their scan record written, so they commit. The caller owns the
 * ledger: it claims the mutation id before and stores the answer after, in the same transaction.
 */
export async function decideScanInTx(
  tx: TransactionClient,
  deps: PickupDependencies,
  principal: Principal,
  scan: ScanContext,
  requestId: string,
): Promise<ScanDecision> {
  const now = deps.now?.() ?? new Date();
  const refuse = async (error: DomainError, jobId: string | null): Promise<ScanDecision> => {
    await recordScan(tx, scan, scanOutcomeFor(error.reason, scan.offline ?? false), jobId, now);
    return { ok: false, refusal: { reason: error.reason, message: error.message, details: error.details ?? {} }, jobId };
  };

  if (!isValidPickupCode(scan.code)) return refuse(invalidCode(), null);

  // The row lock is the whole concurrency story: every other confirm of this code waits here,
  // then reads the committed PICKED_UP and is refused as ALREADY_PICKED_UP.
  const found = await readPickupJob(tx, principal.siteId, scan.code, true);
  if (!found) return refuse(unknownCode(scan.code), null);
  const { job, paid } = found;

  const refusal = refusalFor(job, paid);
  if (refusal) return refuse(new DomainError(refusal.reason, refusal.message, refusal.details), job.id);

  await tx.job.update({
    where: { id: job.id, siteId: principal.siteId },
    data: {
      status: "PICKED_UP",
      // Leaving the open set gives up the queue position (a CHECK insists).
      queuePosition: null,
      pickedUpAt: now,
      pickedUpById: principal.userId,
      pickedUpStationId: scan.stationId,
    },
    select: { id: true },
  });
  // The row as just written, without reading it back: the lock holds everything else still.
  const handedOver: PickupJob = {
    ...job,
    status: "PICKED_UP",
    queuePosition: null,
    pickedUpAt: now,
    pickedUpBy: { name: principal.name },
    pickedUpStation: { name: await stationName(tx, principal, scan.stationId) },
  };
  const receiptInput = {
    siteId: principal.siteId,
    site: job.site,
    job: { id: job.id, number: job.number, priceCents: job.priceCents, currency: job.currency, paymentStatus: job.paymentStatus },
    issuedAt: now,
  };
  const plannedReceipts = await planPickupReceipts(tx, receiptInput);
  await recordJobEvent(tx, {
    siteId: principal.siteId,
    jobId: job.id,
    actor: actorOf(principal),
    type: "picked_up",
    before: { status: job.status, queuePosition: job.queuePosition },
    after: {
      status: "PICKED_UP",
      pickedUpAt: now.toISOString(),
      pickedUpById: principal.userId,
      pickedUpStationId: scan.stationId,
      scannedAt: scan.scannedAt.toISOString(),
      clientMutationId: scan.clientMutationId,
      receiptIds: plannedReceipts.ids,
      receiptsIssued: plannedReceipts.toIssue.length,
      ...(scan.offline ? { offline: true } : {}),
    },
    requestId,
  });
  await recordScan(tx, scan, "HANDED_OVER", job.id, now);
  // From here to the commit the site's receipt counter may be held: only what needs the number.
  const receipts = await issuePlannedReceipts(tx, receiptInput, plannedReceipts);
  await afterHandover(tx, {
    siteId: principal.siteId,
    siteName: job.site.name,
    job: handedOver,
    from: job.status,
    at: now,
    receipts: receipts.receipts,
    stationId: scan.stationId,
  });
  return {
    ok: true,
    confirmation: { ...jobFacts(handedOver, paid), outcome: "HANDED_OVER", receipts: receipts.receipts, receiptsIssued: receipts.issued, replayed: false },
    jobId: job.id,
  };
}

/** The scanning station's name: the principal's own, as the session resolved it, unless another was named. */
async function stationName(tx: TransactionClient, principal: Principal, stationId: string): Promise<string> {
  if (principal.stationId === stationId && principal.stationName !== null) return principal.stationName;
  const station = await tx.station.findFirstOrThrow({ where: { id: stationId, siteId: principal.siteId }, select: { name: true } });
  return station.name;
}

/** The online scan: claim the mutation id, decide, store the answer, all in one transaction. */
async function decideAndApply(tx: TransactionClient, deps: PickupDependencies, principal: Principal, scan: ScanContext, requestId: string): Promise<StoredAnswer> {
  const { claimId, replay } = await claimMutation(tx, scan);
  if (replay) return replay.ok ? { ok: true, confirmation: { ...replay.confirmation, replayed: true } } : replay;
  const { jobId: _jobId, ...answer } = await decideScanInTx(tx, deps, principal, scan, requestId);
  const stored = answer as StoredAnswer;
  await settleLedger(tx, claimId, stored.ok ? "APPLIED" : "REJECTED", stored as unknown as Prisma.InputJsonValue, deps.now?.() ?? new Date());
  return stored;
}

/**
 * Hands a job over, or answers why not. Refusals are decided before anything changes and commit
 * only their scan record and the mutation's stored answer; when the handover itself fails (the
 * database refused, a lost race) its transaction rolls back whole, and the scan is then recorded
 * on its own, with nothing stored for the mutation id so that a retry decides afresh.
 */
export async function confirmPickup(
  deps: PickupDependencies,
  principal: Principal,
  input: ConfirmPickupInput,
  requestId: string,
): Promise<PickupConfirmation> {
  if (!principal.stationId) throw new DomainError("FORBIDDEN", "A handover can only be confirmed at an enrolled console station.");
  const scan: ScanContext = {
    siteId: principal.siteId,
    stationId: principal.stationId,
    userId: principal.userId,
    code: normalizePickupCode(input.code),
    clientMutationId: input.clientMutationId,
    scannedAt: input.scannedAt,
  };
  let answer: StoredAnswer;
  try {
    answer = await inSite(deps.prisma, principal.siteId, (tx) => decideAndApply(tx, deps, principal, scan, requestId));
  } catch (error) {
    const refusal = error instanceof DomainError ? error : databaseRefusal(error);
    await inSite(deps.prisma, principal.siteId, (tx) =>
      recordScan(tx, scan, scanOutcomeOf(refusal?.reason ?? "VERSION_CONFLICT"), null, deps.now?.() ?? new Date()),
    ).catch(() => {
      // The database that just failed may still be failing; the caller needs the first error.
    });
    throw error;
  }
  if (!answer.ok) throw new DomainError(answer.refusal.reason, answer.refusal.message, answer.refusal.details);
  return answer.confirmation;
}
