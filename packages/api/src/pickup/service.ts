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
  ScanOutcome,
  amountDueCents,
  formatJobNumber,
  formatPickupCode,
  isValidPickupCode,
  normalizePickupCode,
  pickupRefusal,
  type DomainErrorCode,
  type Fulfilment,
  type JobStatus,
  type PaymentStatus,
  type PickupRefusal,
} from "@orderdeck/contracts";
import { inSite, type Prisma, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import type { Principal } from "../auth/principal.ts";
import { claimMutation as claimLedger, settleMutation as settleLedger, type MutationKey } from "../client-mutations/ledger.ts";
import { databaseRefusal } from "../database-refusals.ts";
import { formatLocal } from "../handoff/zoned-time.ts";
import { actorOf, recordJobEvent } from "../jobs/events.ts";
import { paidCents } from "../money/common.ts";
import { formatMoney } from "../money/format.ts";
import type { ReceiptView } from "../money/receipts.ts";
import { afterHandover } from "./notify.ts";
import { ensurePickupReceipt } from "./receipt.ts";

export interface PickupDependencies {
  prisma: PrismaClient;
  /** The server's clock (tests pin it). */
  now?: () => Date;
}

export type { PickupRefusal } from "@orderdeck/contracts";

export interface PickupView {
  job: {
    id: string;
    number: string;
    title: string;
    status: JobStatus;
    fulfilment: Fulfilment;
    quantity: number;
    material: string | null;
    colour: string | null;
    dueAt: string | null;
  };
  customer: { name: string; email: string | null; phone: string | null } | null;
  payment: {
    status: PaymentStatus;
    priceCents: number;
    paidCents: number;
    /** What must be collected before the handover; 0 when paid or waived. */
    amountDueCents: number;
    currency: string;
    amountDue: string;
  };
  pickedUp: { at: string; by: string | null; station: string | null } | null;
  canHandOver: boolean;
  /** Why not, exactly as pickup.confirm would answer; null when it can be handed over. */
  refusal: PickupRefusal | null;
}

export interface PickupConfirmation extends Omit<PickupView, "canHandOver" | "refusal"> {
  outcome: "HANDED_OVER";
  receipts: ReceiptView[];
  /** How many receipts this handover issued (0: the payments had issued them). */
  receiptsIssued: number;
  /** True when this answer is the stored first answer to a repeated client mutation id. */
  replayed: boolean;
}

const pickupJobSelect = {
  id: true,
  number: true,
  title: true,
  status: true,
  fulfilment: true,
  quantity: true,
  material: true,
  colour: true,
  dueAt: true,
  queuePosition: true,
  priceCents: true,
  currency: true,
  paymentStatus: true,
  pickedUpAt: true,
  pickedUpBy: { select: { name: true } },
  pickedUpStation: { select: { name: true } },
  customer: { select: { name: true, email: true, phone: true } },
  site: { select: { name: true, timezone: true } },
} satisfies Prisma.JobSelect;

type PickupJob = Prisma.JobGetPayload<{ select: typeof pickupJobSelect }>;

function invalidCode(): DomainError {
  return new DomainError("INVALID_CODE", "That is not a valid pickup code (a misread or a typo): scan it again or type it from the label.");
}

function unknownCode(code: string): DomainError {
  return new DomainError("UNKNOWN_CODE", `No job at this shop has pickup code ${formatPickupCode(code)}.`, { code: formatPickupCode(code) });
}

function amountDue(job: PickupJob, paid: number): number {
  return amountDueCents({ paymentStatus: job.paymentStatus, priceCents: job.priceCents, paidCents: paid });
}

/** Why this job cannot be handed over now, or null when it can (the rules: contracts' pickupRefusal). */
export function refusalFor(job: PickupJob, paid: number): PickupRefusal | null {
  return pickupRefusal(
    {
      number: job.number,
      status: job.status,
      fulfilment: job.fulfilment,
      paymentStatus: job.paymentStatus,
      priceCents: job.priceCents,
      currency: job.currency,
      paidCents: paid,
      pickedUpAt: job.pickedUpAt?.toISOString() ?? null,
      pickedUpBy: job.pickedUpBy?.name ?? null,
      pickedUpStation: job.pickedUpStation?.name ?? null,
    },
    (iso) => formatLocal(new Date(iso), job.site.timezone),
  );
}

function viewOf(job: PickupJob, paid: number): PickupView {
  const refusal = refusalFor(job, paid);
  return { ...jobFacts(job, paid), canHandOver: refusal === null, refusal };
}

function jobFacts(job: PickupJob, paid: number): Omit<PickupView, "canHandOver" | "refusal"> {
  const due = amountDue(job, paid);
  return {
    job: {
      id: job.id,
      number: formatJobNumber(job.number),
      title: job.title,
      status: job.status,
      fulfilment: job.fulfilment,
      quantity: job.quantity,
      material: job.material,
      colour: job.colour,
      dueAt: job.dueAt?.toISOString() ?? null,
    },
    customer: job.customer ? { name: job.customer.name, email: job.customer.email, phone: job.customer.phone } : null,
    payment: {
      status: job.paymentStatus,
      priceCents: job.priceCents,
      paidCents: paid,
      amountDueCents: due,
      currency: job.currency,
      amountDue: formatMoney(due, job.currency),
    },
    pickedUp: job.pickedUpAt
      ? { at: job.pickedUpAt.toISOString(), by: job.pickedUpBy?.name ?? null, station: job.pickedUpStation?.name ?? null }
      : null,
  };
}

/** What the counter shows for a scanned code; changes nothing and records nothing. */
export async function lookupPickup(deps: PickupDependencies, principal: Principal, rawCode: string): Promise<PickupView> {
  const code = normalizePickupCode(rawCode);
  if (!isValidPickupCode(code)) throw invalidCode();
  return inSite(deps.prisma, principal.siteId, async (tx) => {
    const job = await tx.job.findFirst({ where: { siteId: principal.siteId, pickupCode: code }, select: pickupJobSelect });
    if (!job) throw unknownCode(code);
    return viewOf(job, await paidCents(tx, principal.siteId, job.id));
  });
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
   * Replayed from a console that already answered "handed over, pending sync": any refusal now is
   * a conflict with what happened at the counter, recorded as such so it reaches the exceptions list.
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
  });
}

function isStoredAnswer(value: unknown): value is StoredAnswer {
  return typeof value === "object" && value !== null && "ok" in value && typeof value.ok === "boolean";
}

function ledgerKey(scan: ScanContext): MutationKey {
  return { siteId: scan.siteId, stationId: scan.stationId, userId: scan.userId, mutationId: scan.clientMutationId };
}

/** Claims the scan's mutation id in the ledger: null when first, else the stored first answer. */
async function claimMutation(tx: TransactionClient, scan: ScanContext): Promise<StoredAnswer | null> {
  const args = { code: scan.code.slice(0, SCAN_CODE_MAX), scannedAt: scan.scannedAt.toISOString() };
  const first = await claimLedger(tx, ledgerKey(scan), MUTATION_TYPE, args);
  if (!first) return null;
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
      "This station already used that client mutation id for something else; send the scan with a new id.",
      { clientMutationId: scan.clientMutationId },
    );
  }
  return first.result;
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
    await recordScan(tx, scan, scan.offline ? "CONFLICT" : scanOutcomeOf(error.reason), jobId, now);
    return { ok: false, refusal: { reason: error.reason, message: error.message, details: error.details ?? {} }, jobId };
  };

  if (!isValidPickupCode(scan.code)) return refuse(invalidCode(), null);

  // The row lock is the whole concurrency story: every other confirm of this code waits here,
  // then reads the committed PICKED_UP and is refused as ALREADY_PICKED_UP.
  const locked = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM jobs WHERE site_id = ${principal.siteId}::uuid AND pickup_code = ${scan.code} FOR UPDATE`;
  const jobId = locked[0]?.id;
  const job = jobId ? await tx.job.findFirst({ where: { id: jobId, siteId: principal.siteId }, select: pickupJobSelect }) : null;
  if (!job) return refuse(unknownCode(scan.code), null);

  const paid = await paidCents(tx, principal.siteId, job.id);
  const refusal = refusalFor(job, paid);
  if (refusal) return refuse(new DomainError(refusal.reason, refusal.message, refusal.details), job.id);

  const handedOver = await tx.job.update({
    where: { id: job.id, siteId: principal.siteId },
    data: {
      status: "PICKED_UP",
      // Leaving the open set gives up the queue position (a CHECK insists).
      queuePosition: null,
      pickedUpAt: now,
      pickedUpById: principal.userId,
      pickedUpStationId: scan.stationId,
    },
    select: pickupJobSelect,
  });
  const receipts = await ensurePickupReceipt(tx, {
    siteId: principal.siteId,
    site: job.site,
    job: { id: job.id, number: job.number, priceCents: job.priceCents, currency: job.currency, paymentStatus: job.paymentStatus },
    issuedAt: now,
  });
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
      receiptIds: receipts.receipts.map((r) => r.id),
      receiptsIssued: receipts.issued,
      ...(scan.offline ? { offline: true } : {}),
    },
    requestId,
  });
  await afterHandover(tx, {
    siteId: principal.siteId,
    siteName: job.site.name,
    job: handedOver,
    from: job.status,
    at: now,
    receipts: receipts.receipts,
    stationId: scan.stationId,
  });
  await recordScan(tx, scan, "HANDED_OVER", job.id, now);
  return {
    ok: true,
    confirmation: { ...jobFacts(handedOver, paid), outcome: "HANDED_OVER", receipts: receipts.receipts, receiptsIssued: receipts.issued, replayed: false },
    jobId: job.id,
  };
}

/** The online scan: claim the mutation id, decide, store the answer, all in one transaction. */
async function decideAndApply(tx: TransactionClient, deps: PickupDependencies, principal: Principal, scan: ScanContext, requestId: string): Promise<StoredAnswer> {
  const replay = await claimMutation(tx, scan);
  if (replay) return replay.ok ? { ok: true, confirmation: { ...replay.confirmation, replayed: true } } : replay;
  const { jobId: _jobId, ...answer } = await decideScanInTx(tx, deps, principal, scan, requestId);
  const stored = answer as StoredAnswer;
  await settleLedger(tx, ledgerKey(scan), stored.ok ? "APPLIED" : "REJECTED", stored as unknown as Prisma.InputJsonValue, deps.now?.() ?? new Date());
  return stored;
}

export function scanOutcomeOf(reason: DomainErrorCode): ScanOutcome {
  const parsed = ScanOutcome.safeParse(reason);
  return parsed.success ? parsed.data : "CONFLICT";
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
