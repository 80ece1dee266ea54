import { DomainError, type PaymentStatus } from "@orderdeck/contracts";
import { inSite, type TransactionClient } from "@orderdeck/db";
import { databaseRefusal } from "../database-refusals.ts";
import { recordJobEvent } from "../jobs/events.ts";
import { findJob, jobLabel, lockJob, paidCents, siteOf, type JobMoneyChange, type MoneyCaller, type MoneyJob } from "../money/common.ts";
import { formatMoney } from "../money/format.ts";
import { issueReceipt, receiptOfPayment, type ReceiptView } from "../receipts/service.ts";
import { PAYMENT_NOT_POSITIVE } from "../money/schemas.ts";

/** A payment as the API shows it: its row, the time as ISO 8601 (UTC). */
export interface PaymentView extends Omit<PaymentRow, "receivedAt"> {
  receivedAt: string;
}

/** Where a job's money stands after a change. */
export interface JobMoneyState {
  jobId: string;
  paymentStatus: PaymentStatus;
  priceCents: number;
  paidCents: number;
  currency: string;
}

export interface RecordPaymentResult {
  payment: PaymentView;
  receipt: ReceiptView | null;
  job: JobMoneyState;
  /** True when this reference had been recorded before: nothing was changed this time. */
  alreadyRecorded: boolean;
}

interface PaymentRow {
  id: string;
  jobId: string;
  provider: string;
  providerReference: string;
  amountCents: number;
  currency: string;
  receivedAt: Date;
  recordedById: string | null;
}

function toView(row: PaymentRow): PaymentView {
  return {
    id: row.id,
    jobId: row.jobId,
    provider: row.provider,
    providerReference: row.providerReference,
    amountCents: row.amountCents,
    currency: row.currency,
    receivedAt: row.receivedAt.toISOString(),
    recordedById: row.recordedById,
  };
}

function moneyState(job: MoneyJob, paid: number, paymentStatus = job.paymentStatus): JobMoneyState {
  return { jobId: job.id, paymentStatus, priceCents: job.priceCents, paidCents: paid, currency: job.currency };
}

export interface RecordPaymentInput extends JobMoneyChange {
  provider: string;
  providerReference: string;
  amountCents: number;
  currency: string;
  now?: Date | undefined;
}

/**
 * Records a provider's payment confirmation, inside the caller's transaction.
 *
 * Idempotent on the provider reference: the same confirmation again (same job, provider,
 * amount and currency) returns the first payment and its receipt and writes nothing; the
 * reference with anything else is refused (DUPLICATE → CONFLICT). Payments are taken while the
 * job is UNPAID; several may add up (a deposit, then the rest). Each payment gets its receipt
 * (RCT-YYYY-NNNN); the one that brings the total to the price makes the job PAID. One job event
 * ("payment_recorded") describes the whole change, receipt included.
 */
export async function recordPayment(tx: TransactionClient, input: RecordPaymentInput): Promise<RecordPaymentResult> {
  // The job's lock comes first: a repeated confirmation waits here for the first one to commit,
  // and then finds its payment below.
  const job = await lockJob(tx, input.siteId, input.jobId);
  const label = jobLabel(job);

  const existing = await tx.payment.findFirst({ where: { siteId: input.siteId, providerReference: input.providerReference } });
  if (existing) {
    const same =
      existing.jobId === job.id &&
      existing.provider === input.provider &&
      existing.amountCents === input.amountCents &&
      existing.currency === input.currency;
    if (!same) {
      throw new DomainError(
        "DUPLICATE",
        `Payment reference ${input.providerReference} was already recorded (${existing.provider}, ${formatMoney(existing.amountCents, existing.currency)}) for another payment; check the reference.`,
        { paymentId: existing.id },
      );
    }
    const receipt = await receiptOfPayment(tx, input.siteId, existing.id, job.number);
    return { payment: toView(existing), receipt, job: moneyState(job, await paidCents(tx, input.siteId, job.id)), alreadyRecorded: true };
  }

  if (job.status === "CANCELLED") throw new DomainError("CANCELLED", `${label} is cancelled; no payment can be taken for it.`);
  const refusals: Partial<Record<PaymentStatus, string>> = {
    PAID: `${label} is already paid in full; this payment was not recorded.`,
    WAIVED: `${label} was waived: nothing is owed, so this payment was not recorded.`,
    REFUNDED: `${label} was refunded; this payment was not recorded.`,
  };
  const refusal = refusals[job.paymentStatus];
  if (refusal) throw new DomainError("DUPLICATE", refusal, { paymentStatus: job.paymentStatus });
  if (input.currency !== job.currency) {
    throw new DomainError("VALIDATION_FAILED", `${label} is priced in ${job.currency}; a payment in ${input.currency} cannot be recorded against it.`);
  }
  // A payment of 0 would settle a job priced at 0 (or lowered to it) without anyone deciding so:
  // letting a customer off paying is a waiver, which is a lead's.
  if (input.amountCents <= 0) throw new DomainError("VALIDATION_FAILED", PAYMENT_NOT_POSITIVE);
  const paidBefore = await paidCents(tx, input.siteId, job.id);

  const site = await siteOf(tx, input.siteId);
  // Set here, after the job's lock, so that the order of these times is the order of payments.
  const now = input.now ?? new Date();
  let payment: PaymentRow;
  try {
    payment = await tx.payment.create({
      data: {
        siteId: input.siteId,
        jobId: job.id,
        provider: input.provider,
        providerReference: input.providerReference,
        amountCents: input.amountCents,
        currency: input.currency,
        receivedAt: now,
        createdAt: now,
        recordedById: input.actor.kind === "USER" ? input.actor.userId : null,
      },
    });
  } catch (error) {
    // The reference is unique across all sites: a payment of another job recorded at the same
    // moment, or one of another site (invisible here), holds it.
    if (databaseRefusal(error)?.reason === "DUPLICATE") {
      throw new DomainError("DUPLICATE", `Payment reference ${input.providerReference} was already recorded for another payment; check the reference.`);
    }
    throw error;
  }

  const paidAfter = paidBefore + payment.amountCents;
  const paymentStatus: PaymentStatus = paidAfter >= job.priceCents ? "PAID" : "UNPAID";
  if (paymentStatus !== job.paymentStatus) {
    await tx.job.update({ where: { id: job.id, siteId: input.siteId }, data: { paymentStatus } });
  }
  const receipt = await issueReceipt(tx, { siteId: input.siteId, site, job, payment, issuedAt: now });
  await recordJobEvent(tx, {
    siteId: input.siteId,
    jobId: job.id,
    actor: input.actor,
    type: "payment_recorded",
    before: { paymentStatus: job.paymentStatus, paidCents: paidBefore },
    after: {
      paymentStatus,
      paidCents: paidAfter,
      paymentId: payment.id,
      provider: payment.provider,
      providerReference: payment.providerReference,
      amountCents: payment.amountCents,
      currency: payment.currency,
      receiptId: receipt.id,
      receipt: receipt.number,
    },
    requestId: input.requestId,
  });
  return { payment: toView(payment), receipt, job: moneyState(job, paidAfter, paymentStatus), alreadyRecorded: false };
}

export interface SettlementInput extends JobMoneyChange {
  reason: string;
}

export interface SettlementResult {
  job: JobMoneyState;
  /** False when the job was already in that state: nothing was written. */
  changed: boolean;
}

/**
 * A lead lets the customer off paying (a remake, a goodwill gesture): the job counts as settled
 * for pickup. Waiving a waived job changes nothing; a paid job must be refunded instead.
 */
export async function waivePayment(tx: TransactionClient, input: SettlementInput): Promise<SettlementResult> {
  const job = await lockJob(tx, input.siteId, input.jobId);
  const paid = await paidCents(tx, input.siteId, job.id);
  if (job.paymentStatus === "WAIVED") return { job: moneyState(job, paid), changed: false };
  if (job.paymentStatus === "PAID") {
    throw new DomainError("DUPLICATE", `${jobLabel(job)} is already paid; refund it instead of waiving.`, { paymentStatus: job.paymentStatus });
  }
  return settle(tx, input, job, paid, "WAIVED", "payment_waived");
}

/**
 * Marks a paid job's money as given back. The refund itself happens at the provider; this
 * records that it did, and why.
 */
export async function refundPayment(tx: TransactionClient, input: SettlementInput): Promise<SettlementResult> {
  const job = await lockJob(tx, input.siteId, input.jobId);
  const paid = await paidCents(tx, input.siteId, job.id);
  if (job.paymentStatus === "REFUNDED") return { job: moneyState(job, paid), changed: false };
  if (job.paymentStatus !== "PAID") {
    throw new DomainError("UNPAID", `${jobLabel(job)} is not paid (${job.paymentStatus.toLowerCase()}); there is nothing to refund.`, {
      paymentStatus: job.paymentStatus,
    });
  }
  return settle(tx, input, job, paid, "REFUNDED", "payment_refunded");
}

async function settle(
  tx: TransactionClient,
  input: SettlementInput,
  job: MoneyJob,
  paid: number,
  paymentStatus: PaymentStatus,
  type: string,
): Promise<SettlementResult> {
  await tx.job.update({ where: { id: job.id, siteId: input.siteId }, data: { paymentStatus } });
  await recordJobEvent(tx, {
    siteId: input.siteId,
    jobId: job.id,
    actor: input.actor,
    type,
    before: { paymentStatus: job.paymentStatus },
    after: { paymentStatus, reason: input.reason },
    requestId: input.requestId,
  });
  return { job: moneyState(job, paid, paymentStatus), changed: true };
}

export function listPaymentsForJob(caller: MoneyCaller, jobId: string): Promise<PaymentView[]> {
  return inSite(caller.prisma, caller.siteId, async (tx) => {
    const job = await findJob(tx, caller.siteId, jobId);
    const rows = await tx.payment.findMany({ where: { siteId: caller.siteId, jobId: job.id }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
    return rows.map(toView);
  });
}

export function record(caller: MoneyCaller, input: Omit<RecordPaymentInput, "siteId" | "actor" | "requestId" | "now">): Promise<RecordPaymentResult> {
  return inSite(caller.prisma, caller.siteId, (tx) => recordPayment(tx, { ...input, siteId: caller.siteId, actor: caller.actor, requestId: caller.requestId }));
}

export function waive(caller: MoneyCaller, jobId: string, reason: string): Promise<SettlementResult> {
  return inSite(caller.prisma, caller.siteId, (tx) => waivePayment(tx, { siteId: caller.siteId, jobId, reason, actor: caller.actor, requestId: caller.requestId }));
}

export function refund(caller: MoneyCaller, jobId: string, reason: string): Promise<SettlementResult> {
  return inSite(caller.prisma, caller.siteId, (tx) => refundPayment(tx, { siteId: caller.siteId, jobId, reason, actor: caller.actor, requestId: caller.requestId }));
}
