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
  formatJobNumber,
  formatPickupCode,
  isValidPickupCode,
  normalizePickupCode,
  type DomainErrorCode,
  type Fulfilment,
  type JobStatus,
  type PaymentStatus,
} from "@orderdeck/contracts";
import { inSite, type Prisma, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import { randomUUID } from "node:crypto";
import type { Principal } from "../auth/principal.ts";
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

export interface PickupRefusal {
  reason: DomainErrorCode;
  message: string;
  details: Record<string, unknown>;
}

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

const STATUS_WORDS: Record<JobStatus, string> = {
  QUEUED: "still queued",
  IN_PROGRESS: "still being made",
  POST_PROCESSING: "still in post-processing",
  READY_FOR_PICKUP: "ready for pickup",
  PICKED_UP: "picked up",
  SHIPPED: "shipped",
  ON_HOLD: "on hold",
  FAILED: "a failed print waiting for its reprint",
  CANCELLED: "cancelled",
};

function invalidCode(): DomainError {
  return new DomainError("INVALID_CODE", "That is not a valid pickup code (a misread or a typo): scan it again or type it from the label.");
}

function unknownCode(code: string): DomainError {
  return new DomainError("UNKNOWN_CODE", `No job at this shop has pickup code ${formatPickupCode(code)}.`, { code: formatPickupCode(code) });
}

function amountDue(job: PickupJob, paid: number): number {
  if (job.paymentStatus === "PAID" || job.paymentStatus === "WAIVED") return 0;
  // A refund gave the money back: the whole price is owed again.
  if (job.paymentStatus === "REFUNDED") return job.priceCents;
  return Math.max(0, job.priceCents - paid);
}

/** Why this job cannot be handed over now, or null when it can. The one place these rules live. */
export function refusalFor(job: PickupJob, paid: number): PickupRefusal | null {
  const label = formatJobNumber(job.number);
  const status = job.status;
  if (status === "CANCELLED") {
    return { reason: "CANCELLED", message: `${label} was cancelled; there is nothing to hand over.`, details: { jobNumber: label, status } };
  }
  if (status === "PICKED_UP") {
    const at = job.pickedUpAt ? formatLocal(job.pickedUpAt, job.site.timezone) : "an unknown time";
    const by = job.pickedUpBy?.name ?? "someone no longer on staff";
    const station = job.pickedUpStation?.name ?? "a station since removed";
    return {
      reason: "ALREADY_PICKED_UP",
      message: `${label} was already picked up on ${at}, handed over by ${by} at ${station}.`,
      details: {
        jobNumber: label,
        status,
        pickedUpAt: job.pickedUpAt?.toISOString() ?? null,
        pickedUpBy: job.pickedUpBy?.name ?? null,
        station: job.pickedUpStation?.name ?? null,
      },
    };
  }
  if (status === "SHIPPED") {
    return { reason: "NOT_READY", message: `${label} was shipped to the customer; it is not collected here.`, details: { jobNumber: label, status } };
  }
  if (status !== "READY_FOR_PICKUP") {
    return { reason: "NOT_READY", message: `${label} is not ready yet: it is ${STATUS_WORDS[status]}.`, details: { jobNumber: label, status } };
  }
  if (job.fulfilment !== "PICKUP") {
    return {
      reason: "NOT_READY",
      message: `${label} is to be shipped, not collected; change its fulfilment before handing it over.`,
      details: { jobNumber: label, status, fulfilment: job.fulfilment },
    };
  }
  if (job.paymentStatus !== "PAID" && job.paymentStatus !== "WAIVED") {
    const due = amountDue(job, paid);
    const what = job.paymentStatus === "REFUNDED" ? `${label} was refunded` : `${label} is not paid`;
    return {
      reason: "UNPAID",
      message: `${what}: collect ${formatMoney(due, job.currency)} first, then scan again.`,
      details: { jobNumber: label, paymentStatus: job.paymentStatus, amountDueCents: due, currency: job.currency, amountDue: formatMoney(due, job.currency) },
    };
  }
  return null;
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

const MUTATION_TYPE = "pickup.confirm";
// The scan record keeps what was scanned, even junk, up to the column's CHECK.
const SCAN_CODE_MAX = 200;

interface ScanContext {
  siteId: string;
  stationId: string;
  userId: string;
  code: string;
  clientMutationId: string;
  scannedAt: Date;
}

async function recordScan(tx: TransactionClient, scan: ScanContext, outcome: ScanOutcome, jobId: string | null, serverTime: Date): Promise<void> {
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

/**
 * Claims (station, mutation id) in the ledger. Null when this request is the first; otherwise the
 * stored first answer. A concurrent first attempt holds the unique key until it commits, so the
 * repeat waits here and then reads that attempt's answer.
 */
async function claimMutation(tx: TransactionClient, scan: ScanContext): Promise<StoredAnswer | null> {
  const args = { code: scan.code.slice(0, SCAN_CODE_MAX), scannedAt: scan.scannedAt.toISOString() };
  const claimed = await tx.$queryRaw<Array<{ id: string }>>`
    INSERT INTO client_mutations (id, site_id, station_id, user_id, mutation_id, type, args)
    VALUES (${randomUUID()}::uuid, ${scan.siteId}::uuid, ${scan.stationId}::uuid, ${scan.userId}::uuid,
            ${scan.clientMutationId}, ${MUTATION_TYPE}, ${JSON.stringify(args)}::jsonb)
    ON CONFLICT (station_id, mutation_id) DO NOTHING
    RETURNING id`;
  if (claimed.length > 0) return null;
  const first = await tx.clientMutation.findFirst({
    where: { siteId: scan.siteId, stationId: scan.stationId, mutationId: scan.clientMutationId },
    select: { type: true, args: true, result: true },
  });
  const firstArgs = first?.args;
  const sameScan =
    first?.type === MUTATION_TYPE &&
    typeof firstArgs === "object" &&
    firstArgs !== null &&
    !Array.isArray(firstArgs) &&
    firstArgs.code === args.code;
  if (!first || !sameScan || !isStoredAnswer(first.result)) {
    throw new DomainError(
      "VERSION_CONFLICT",
      "This station already used that client mutation id for something else; send the scan with a new id.",
      { clientMutationId: scan.clientMutationId },
    );
  }
  return first.result;
}

async function settleMutation(tx: TransactionClient, scan: ScanContext, answer: StoredAnswer, at: Date): Promise<void> {
  await tx.clientMutation.update({
    where: { stationId_mutationId: { stationId: scan.stationId, mutationId: scan.clientMutationId } },
    data: { outcome: answer.ok ? "APPLIED" : "REJECTED", result: answer as unknown as Prisma.InputJsonValue, appliedAt: at },
  });
}

/** Decides the scan and, when it is a handover, makes it; refusals are returned, not thrown, so they commit. */
async function decideAndApply(tx: TransactionClient, deps: PickupDependencies, principal: Principal, scan: ScanContext, requestId: string): Promise<StoredAnswer> {
  const replay = await claimMutation(tx, scan);
  if (replay) return replay.ok ? { ok: true, confirmation: { ...replay.confirmation, replayed: true } } : replay;

  const now = deps.now?.() ?? new Date();
  const refuse = async (error: DomainError, jobId: string | null): Promise<StoredAnswer> => {
    const answer: StoredAnswer = { ok: false, refusal: { reason: error.reason, message: error.message, details: error.details ?? {} } };
    await recordScan(tx, scan, scanOutcomeOf(error.reason), jobId, now);
    await settleMutation(tx, scan, answer, now);
    return answer;
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
  const answer: StoredAnswer = {
    ok: true,
    confirmation: { ...jobFacts(handedOver, paid), outcome: "HANDED_OVER", receipts: receipts.receipts, receiptsIssued: receipts.issued, replayed: false },
  };
  await settleMutation(tx, scan, answer, now);
  return answer;
}

function scanOutcomeOf(reason: DomainErrorCode): ScanOutcome {
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
