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
  amountDueCents,
  formatJobNumber,
  invalidCodeRefusal,
  isValidPickupCode,
  normalizePickupCode,
  pickupRefusal,
  unknownCodeRefusal,
  type Fulfilment,
  type JobStatus,
  type PaymentStatus,
  type PickupRefusal,
  type ScanOutcome,
} from "@orderdeck/contracts";
import { Prisma, inSite, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import type { Principal } from "../auth/principal.ts";
import { claimMutation as claimLedger, settleMutation as settleLedger, type MutationKey } from "../client-mutations/ledger.ts";
import { databaseRefusal } from "../database-refusals.ts";
import { formatLocal } from "../handoff/zoned-time.ts";
import { actorOf, recordJobEvent } from "../jobs/events.ts";
import { formatMoney } from "../money/format.ts";
import type { ReceiptView } from "../receipts/service.ts";
import { afterHandover } from "./notify.ts";
import { issuePlannedReceipts, planPickupReceipts } from "./receipt.ts";
import { scanOutcomeFor, scanOutcomeOf } from "./scan-outcome.ts";

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

/** What a scan decides on: the job with its customer, site, who picked it up and what is paid. */
interface PickupJob {
  id: string;
  number: number;
  title: string;
  status: JobStatus;
  fulfilment: Fulfilment;
  quantity: number;
  material: string | null;
  colour: string | null;
  dueAt: Date | null;
  queuePosition: number | null;
  priceCents: number;
  currency: string;
  paymentStatus: PaymentStatus;
  pickedUpAt: Date | null;
  pickedUpBy: { name: string } | null;
  pickedUpStation: { name: string } | null;
  customer: { name: string; email: string | null; phone: string | null } | null;
  site: { name: string; timezone: string };
}

interface PickupJobRow {
  id: string;
  number: number;
  title: string;
  status: JobStatus;
  fulfilment: Fulfilment;
  quantity: number;
  material: string | null;
  colour: string | null;
  due_at: Date | null;
  queue_position: number | null;
  price_cents: number;
  currency: string;
  payment_status: PaymentStatus;
  picked_up_at: Date | null;
  picked_up_by_name: string | null;
  picked_up_station_name: string | null;
  customer_id: string | null;
  customer_name: string | null;
  customer_email: string | null;
  customer_phone: string | null;
  site_name: string;
  site_timezone: string;
  paid_cents: bigint | number;
}

/**
 * The job behind a code with everything a scan decides on, in one statement (one round trip on
 * the hot path of the counter). With `lock`, the job's row is locked FOR UPDATE: the handover's
 * whole concurrency story, see decideScanInTx. The payments are summed after the lock is granted,
 * so a payment recorded meanwhile (money locks the job too) is counted.
 */
async function readPickupJob(tx: TransactionClient, siteId: string, code: string, lock: boolean): Promise<{ job: PickupJob; paid: number } | null> {
  const rows = await tx.$queryRaw<PickupJobRow[]>`
    SELECT j.id::text AS id, j.number, j.title, j.status::text AS status, j.fulfilment::text AS fulfilment, j.quantity,
           j.material, j.colour, j.due_at, j.queue_position, j.price_cents, j.currency,
           j.payment_status::text AS payment_status, j.picked_up_at,
           pu.name AS picked_up_by_name, ps.name AS picked_up_station_name,
           c.id::text AS customer_id, c.name AS customer_name, c.email AS customer_email, c.phone AS customer_phone,
           s.name AS site_name, s.timezone AS site_timezone,
           (SELECT COALESCE(sum(p.amount_cents), 0) FROM payments p WHERE p.site_id = j.site_id AND p.job_id = j.id) AS paid_cents
      FROM jobs j
      JOIN sites s ON s.id = j.site_id
      LEFT JOIN customers c ON c.id = j.customer_id
      LEFT JOIN users pu ON pu.id = j.picked_up_by_id
      LEFT JOIN stations ps ON ps.id = j.picked_up_station_id
     WHERE j.site_id = ${siteId}::uuid AND j.pickup_code = ${code}
     ${lock ? Prisma.sql`FOR UPDATE OF j` : Prisma.empty}`;
  const row = rows[0];
  if (!row) return null;
  return {
    job: {
      id: row.id,
      number: row.number,
      title: row.title,
      status: row.status,
      fulfilment: row.fulfilment,
      quantity: row.quantity,
      material: row.material,
      colour: row.colour,
      dueAt: row.due_at,
      queuePosition: row.queue_position,
      priceCents: row.price_cents,
      currency: row.currency,
      paymentStatus: row.payment_status,
      pickedUpAt: row.picked_up_at,
      pickedUpBy: row.picked_up_by_name === null ? null : { name: row.picked_up_by_name },
      pickedUpStation: row.picked_up_station_name === null ? null : { name: row.picked_up_station_name },
      customer: row.customer_id === null ? null : { name: row.customer_name ?? "", email: row.customer_email, phone: row.customer_phone },
      site: { name: row.site_name, timezone: row.site_timezone },
    },
    paid: Number(row.paid_cents),
  };
}

function invalidCode(): DomainError {
  const { reason, message } = invalidCodeRefusal();
  return new DomainError(reason, message);
}

function unknownCode(code: string): DomainError {
  const { reason, message, details } = unknownCodeRefusal(code);
  return new DomainError(reason, message, details);
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
    const found = await readPickupJob(tx, principal.siteId, code, false);
    if (!found) throw unknownCode(code);
    return viewOf(found.job, found.paid);
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
