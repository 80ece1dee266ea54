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
  type MutationOutcome,
  type PickupRefusal,
  type ScanOutcome,
} from "@orderdeck/contracts";
import { Prisma, writeInSite, type SiteStatements, type SqlRow, type TransactionClient } from "@orderdeck/db";
import type { Principal } from "../auth/principal.ts";
import { claimStatement, firstEntryOf, firstEntryStatement, isClaimed, settleStatement, type LedgerEntry, type MutationKey } from "../client-mutations/ledger.ts";
import { databaseRefusal } from "../database-refusals.ts";
import { actorOf, jobEventStatement } from "../jobs/events.ts";
import type { ReceiptRow, ReceiptView } from "../receipts/service.ts";
import type { SubscribedEndpoint } from "../webhooks/events.ts";
import { invalidCode, jobFacts, pickupJobOf, pickupJobStatement, refusalFor, unknownCode, type PickupDependencies, type PickupJob, type PickupJobRow, type PickupView } from "./lookup.ts";
import { afterHandoverStatements, handoverEndpointsStatement } from "./notify.ts";
import { numberedReceipts, withReceiptNumbers, withSequenceSlots } from "./receipt-number-slots.ts";
import { issuedReceipts, planPickupReceipts, receiptPlanReads, type PaymentRow, type PickupReceipts } from "./receipt.ts";
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
  await tx.$queryRaw(scanRecordStatement(scan, outcome, jobId, serverTime));
}

function scanRecordStatement(scan: ScanContext, outcome: ScanOutcome, jobId: string | null, serverTime: Date): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO scan_records (id, site_id, station_id, user_id, code, outcome, job_id, client_time, server_time, client_mutation_id)
    VALUES (gen_random_uuid(), ${scan.siteId}::uuid, ${scan.stationId}::uuid, ${scan.userId}::uuid, ${scan.code.slice(0, SCAN_CODE_MAX)},
            ${outcome}::scan_outcome, ${jobId}::uuid, ${scan.scannedAt}::timestamptz, ${serverTime}::timestamptz, ${scan.clientMutationId})`;
}

/** The handover's own write: the job leaves the open set, giving up its queue position (a CHECK insists). */
function handedOverStatement(principal: Principal, scan: ScanContext, jobId: string, at: Date): Prisma.Sql {
  return Prisma.sql`
    UPDATE jobs SET status = 'PICKED_UP'::job_status, queue_position = NULL, picked_up_at = ${at}::timestamptz,
                    picked_up_by_id = ${principal.userId}::uuid, picked_up_station_id = ${scan.stationId}::uuid
     WHERE id = ${jobId}::uuid AND site_id = ${principal.siteId}::uuid`;
}

function isStoredAnswer(value: unknown): value is StoredAnswer {
  return typeof value === "object" && value !== null && "ok" in value && typeof value.ok === "boolean";
}

function ledgerKey(scan: ScanContext): MutationKey {
  return { siteId: scan.siteId, stationId: scan.stationId, userId: scan.userId, mutationId: scan.clientMutationId };
}

function ledgerArgs(scan: ScanContext): { code: string; scannedAt: string } {
  return { code: scan.code.slice(0, SCAN_CODE_MAX), scannedAt: scan.scannedAt.toISOString() };
}

/** The stored first answer to the scan's mutation id, which another scan took first. */
function replayOf(first: LedgerEntry, scan: ScanContext): StoredAnswer {
  const firstArgs = first.args;
  const sameScan =
    first.type === MUTATION_TYPE &&
    typeof firstArgs === "object" &&
    firstArgs !== null &&
    !Array.isArray(firstArgs) &&
    firstArgs.code === ledgerArgs(scan).code;
  if (!sameScan || !isStoredAnswer(first.result)) {
    throw new DomainError(
      "VERSION_CONFLICT",
      "This console already used that client mutation id for something else; send the scan with a new id.",
      { clientMutationId: scan.clientMutationId },
    );
  }
  return first.result;
}

/** The scan's entry in the client-mutation ledger: claimed with the scan's reads, settled with its last writes. */
interface ScanLedger {
  claim: Prisma.Sql;
  settle(decision: ScanDecision): Prisma.Sql;
  /** A read of the decided job, run last before the commit; its rows come back with the decision. */
  readBack?: ((jobId: string) => Prisma.Sql) | undefined;
  turn?: ScanTurn | undefined;
}

/**
 * A replayed scan's place among its push's scans (sync/push.ts), so that the next scan's work
 * overlaps this one's and nothing is applied out of order:
 *   - `reached`, once the scan's reads have answered (its job locked), resolves when the scan
 *     before it has sent its last batch: that one holds every lock it takes, so this one's
 *     handover writes may go (as a batch of their own, ahead of its last);
 *   - `committing`, before the scan's last batch (its receipt numbers and COMMIT go with it),
 *     resolves when the scan before it has committed (`committed`, called as its last batch
 *     answers), so the numbers follow the push's order.
 * Either rejects when the push stopped before the scan: the scan rolls back.
 */
export interface ScanTurn {
  reached(): Promise<void>;
  committing(): Promise<void>;
  committed(): void;
}

/** A scan decided, with the rows of its ledger's read-back (null: none was asked for, or no job was found). */
interface DecidedScan {
  decision: ScanDecision;
  readBack: unknown[] | null;
}

/** The scanning station's name: the principal's own, as the session resolved it, unless another was named (then read). */
function stationNameRead(principal: Principal, stationId: string): Prisma.Sql | null {
  if (principal.stationId === stationId && principal.stationName !== null) return null;
  return Prisma.sql`SELECT name FROM stations WHERE id = ${stationId}::uuid AND site_id = ${principal.siteId}::uuid`;
}

/**
 * Decides the scan and, when it is a handover, makes it, in the caller's transaction, in two
 * batches: the reads (the job locked first, then its payments and receipts, the webhook
 * endpoints), then the writes: the handover's own, the receipts, which take their numbers (the
 * site's counter is held from there to the commit, which on a pipelined transaction goes with
 * them), the mail, webhooks and ledger answer, which carry the numbers through their slots
 * (receipt-number-slots.ts), and the ledger's read-back of the job. In a push the handover's own
 * writes go as a batch of their own, ahead of the scan's turn to commit (ScanTurn). Refusals are
 * returned, not thrown, with their scan record written, so they commit. The mutation id is
 * claimed with the reads and the answer stored with the last writes; null means the id was taken
 * before, and nothing was decided.
 */
async function decideScan(
  tx: SiteStatements,
  deps: PickupDependencies,
  principal: Principal,
  scan: ScanContext,
  requestId: string,
  ledger: ScanLedger,
): Promise<DecidedScan | null> {
  const now = deps.now?.() ?? new Date();
  const { siteId } = principal;
  const valid = isValidPickupCode(scan.code);
  const stationRead = stationNameRead(principal, scan.stationId);
  // The row lock is the whole concurrency story: every other confirm of this code waits at the
  // first read, then reads the committed PICKED_UP and is refused as ALREADY_PICKED_UP. The reads
  // after it run once the lock is granted, so they see the job's payments and receipts as they stay.
  const jobByCode = Prisma.sql`(SELECT id FROM jobs WHERE site_id = ${siteId}::uuid AND pickup_code = ${scan.code})`;
  const reads = valid
    ? [pickupJobStatement(siteId, scan.code, true), ...receiptPlanReads(siteId, jobByCode), handoverEndpointsStatement(siteId), ...(stationRead ? [stationRead] : [])]
    : [];
  const answers = await tx.run<SqlRow>([ledger.claim, ...reads]);
  await deps.scanSpent;
  await ledger.turn?.reached();
  if (!isClaimed(answers.shift() ?? [])) return null;
  // The last batch: the decision's writes, the receipts it issues and what carries their numbers,
  // the ledger's answer and, last, the ledger's read-back.
  const finish = async (decision: ScanDecision, writes: Prisma.Sql[], issuing?: { receipts: PickupReceipts; carriers: Prisma.Sql[] }): Promise<DecidedScan> => {
    const readBack = decision.jobId !== null && ledger.readBack ? ledger.readBack(decision.jobId) : null;
    const issued = issuing?.receipts.statements ?? [];
    const ids = issuing?.receipts.issuedIds ?? [];
    const numbered = [...issued, ...(issuing?.carriers ?? []), ledger.settle(decision)].map((statement) => withReceiptNumbers(statement, ids));
    await ledger.turn?.committing();
    const rows = await tx.finish([...writes, ...numbered, ...(readBack ? [readBack] : [])]);
    ledger.turn?.committed();
    const stored = rows.slice(writes.length, writes.length + issued.length).flat();
    return { decision: stored.length > 0 ? withNumbers(decision, stored) : decision, readBack: readBack ? (rows[rows.length - 1] ?? []) : null };
  };

  const refuse = (error: DomainError, jobId: string | null): Promise<DecidedScan> => {
    const decision: ScanDecision = { ok: false, refusal: { reason: error.reason, message: error.message, details: error.details ?? {} }, jobId };
    return finish(decision, [scanRecordStatement(scan, scanOutcomeFor(error.reason, scan.offline ?? false), jobId, now)]);
  };
  if (!valid) return refuse(invalidCode(), null);
  const [jobRows, paymentRows, receiptRows, endpoints, stationRows] = answers as [PickupJobRow[], PaymentRow[], ReceiptRow[], SubscribedEndpoint[], Array<{ name: string }>?];
  const found = pickupJobOf(jobRows[0]);
  if (!found) return refuse(unknownCode(scan.code), null);
  const { job, paid } = found;
  const refusal = refusalFor(job, paid);
  if (refusal) return refuse(new DomainError(refusal.reason, refusal.message, refusal.details), job.id);

  const stationName = stationRead ? stationRows?.[0]?.name : principal.stationName;
  if (stationName === undefined || stationName === null) throw new Error(`station ${scan.stationId} is not the site's`);
  // The row as the handover writes it, without reading it back: the lock holds everything else still.
  const handedOver: PickupJob = {
    ...job,
    status: "PICKED_UP",
    queuePosition: null,
    pickedUpAt: now,
    pickedUpBy: { name: principal.name },
    pickedUpStation: { name: stationName },
  };
  const receiptInput = {
    siteId,
    site: job.site,
    job: { id: job.id, number: job.number, priceCents: job.priceCents, currency: job.currency, paymentStatus: job.paymentStatus },
    issuedAt: now,
  };
  const plan = planPickupReceipts(job, paymentRows, receiptRows);
  const event = jobEventStatement({
    siteId,
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
      receiptIds: plan.ids,
      receiptsIssued: plan.toIssue.length,
      ...(scan.offline ? { offline: true } : {}),
    },
    requestId,
  });
  const writes = [handedOverStatement(principal, scan, job.id, now), event, scanRecordStatement(scan, "HANDED_OVER", job.id, now)];
  if (ledger.turn) await tx.run(writes);
  const receipts = issuedReceipts(receiptInput, plan);
  const decision: ScanDecision = {
    ok: true,
    confirmation: { ...jobFacts(handedOver, paid), outcome: "HANDED_OVER", receipts: receipts.receipts, receiptsIssued: receipts.issuedIds.length, replayed: false },
    jobId: job.id,
  };
  const handover = { siteId, siteName: job.site.name, job: handedOver, from: job.status, at: now, receipts: receipts.receipts, stationId: scan.stationId };
  return finish(decision, ledger.turn ? [] : writes, { receipts, carriers: afterHandoverStatements(handover, endpoints) });
}

/** A handover's decision with its receipts' numbers as their INSERTs took them (`stored`). */
function withNumbers(decision: ScanDecision, stored: unknown[]): ScanDecision {
  if (!decision.ok) return decision;
  return { ...decision, confirmation: { ...decision.confirmation, receipts: numberedReceipts(decision.confirmation.receipts, stored) } };
}

/** How a path keeps a scan in the client-mutation ledger: the arguments it claims with, and the answer it stores. */
export interface ScanEntry {
  args: Prisma.InputJsonValue;
  stored(decision: ScanDecision): { outcome: MutationOutcome; result: Prisma.InputJsonValue };
  /** The job as the path answers it, read in the same transaction after the decision's writes. */
  readBack?: (jobId: string) => Prisma.Sql;
  /** The scan's place among its push's scans (sync.push); the online procedure's scan stands alone. */
  turn?: ScanTurn;
}

/** The scan decided (and its answer stored), or the entry that had taken its mutation id first. */
export type ClaimedScan = { decision: ScanDecision; first: null; readBack: unknown[] | null } | { decision: null; first: LedgerEntry; readBack: null };

/**
 * A scan under the client-mutation ledger, in one pipelined transaction (writeInSite): the
 * mutation id is claimed with the scan's reads and the answer stored with its last writes, so the
 * handover and "it was applied, here is what was answered" commit together or not at all. The
 * online procedure and sync.push's replay both come here, each with its own ledger entry.
 */
export function decideClaimedScan(deps: PickupDependencies, principal: Principal, scan: ScanContext, requestId: string, entry: ScanEntry): Promise<ClaimedScan> {
  return writeInSite(deps.prisma, principal.siteId, async (tx): Promise<ClaimedScan> => {
    const key = ledgerKey(scan);
    const claim = claimStatement(key, MUTATION_TYPE, entry.args);
    const settle = (decision: ScanDecision) => {
      const { outcome, result } = entry.stored(decision);
      // Only a handover that issues receipts has numbers to fill in.
      const issues = decision.ok && decision.confirmation.receiptsIssued > 0;
      return settleStatement(claim.id, outcome, issues ? withSequenceSlots(result) : result, deps.now?.() ?? new Date());
    };
    const decided = await decideScan(tx, deps, principal, scan, requestId, { claim: claim.statement, settle, readBack: entry.readBack, turn: entry.turn });
    if (decided) return { decision: decided.decision, first: null, readBack: decided.readBack };
    await entry.turn?.committing();
    const [first] = await tx.finish<LedgerEntry>([firstEntryStatement(key)]);
    entry.turn?.committed();
    return { decision: null, first: firstEntryOf(first ?? []), readBack: null };
  });
}

/** The online procedure's ledger entry: the scanned code and time, and the answer as pickup.confirm gives it. */
function onlineEntry(scan: ScanContext): ScanEntry {
  return {
    args: ledgerArgs(scan),
    stored: ({ jobId: _jobId, ...answer }) => ({ outcome: answer.ok ? "APPLIED" : "REJECTED", result: answer as unknown as Prisma.InputJsonValue }),
  };
}

/** The online scan: claim the mutation id, decide, store the answer, all in one transaction. */
async function decideAndApply(deps: PickupDependencies, principal: Principal, scan: ScanContext, requestId: string): Promise<StoredAnswer> {
  const claimed = await decideClaimedScan(deps, principal, scan, requestId, onlineEntry(scan));
  if (claimed.decision) {
    const { jobId: _jobId, ...answer } = claimed.decision;
    return answer;
  }
  const replay = replayOf(claimed.first, scan);
  return replay.ok ? { ok: true, confirmation: { ...replay.confirmation, replayed: true } } : replay;
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
    answer = await decideAndApply(deps, principal, scan, requestId);
  } catch (error) {
    // Refused by its budget, the scan was not made: its refusal is the answer, and nothing is recorded.
    await deps.scanSpent;
    const refusal = error instanceof DomainError ? error : databaseRefusal(error);
    await writeInSite(deps.prisma, principal.siteId, (tx) =>
      tx.finish([scanRecordStatement(scan, scanOutcomeOf(refusal?.reason ?? "VERSION_CONFLICT"), null, deps.now?.() ?? new Date())]),
    ).catch(() => {
      // The database that just failed may still be failing; the caller needs the first error.
    });
    throw error;
  }
  if (!answer.ok) throw new DomainError(answer.refusal.reason, answer.refusal.message, answer.refusal.details);
  return answer.confirmation;
}
