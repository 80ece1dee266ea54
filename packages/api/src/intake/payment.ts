// The writes of mapping.ts's payment rule, shared by the per-row path (take-one.ts) and the set-based
// one (take-batch.ts), so that both leave the same payment rows and the same event bodies. Money's
// own payment recording (payments/service.ts) issues a receipt with every payment; the intake does
// not: the handover issues it (pickup/receipt.ts), so a chunk of the feed never holds the site's
// receipt counter while the counter hands jobs over.
import { formatJobNumber, type JobStatus, type PaymentStatus } from "@orderdeck/contracts";
import type { Prisma, TransactionClient } from "@orderdeck/db";
import { randomUUID } from "node:crypto";
import { recordJobEvent } from "../jobs/events.ts";
import { planPayment, type Disagreement, type OrderPayment } from "./mapping.ts";

export interface PaymentScope {
  siteId: string;
  runId: string | null;
  requestId: string | null;
}

/** A payment of the feed to store on a job. */
export interface FeedPayment {
  id: string;
  jobId: string;
  payment: OrderPayment;
}

/** The job of the site whose payment has this reference, if any. */
export async function jobPaidWith(tx: TransactionClient, siteId: string, reference: string): Promise<{ jobId: string; number: number } | null> {
  const rows = await tx.$queryRaw<Array<{ job_id: string; number: number }>>`
    SELECT p.job_id::text AS job_id, j.number FROM payments p JOIN jobs j ON j.id = p.job_id AND j.site_id = p.site_id
     WHERE p.site_id = ${siteId}::uuid AND p.provider_reference = ${reference}`;
  const row = rows[0];
  return row ? { jobId: row.job_id, number: row.number } : null;
}

export async function paidCentsOf(tx: TransactionClient, siteId: string, jobId: string): Promise<number> {
  const rows = await tx.$queryRaw<Array<{ paid: number }>>`
    SELECT COALESCE(sum(amount_cents), 0)::int AS paid FROM payments WHERE site_id = ${siteId}::uuid AND job_id = ${jobId}::uuid`;
  return rows[0]?.paid ?? 0;
}

/** The `payment_recorded` event of a feed payment (money's body, with no receipt yet and the run). */
export function paymentRecordedEvent(
  scope: PaymentScope,
  row: FeedPayment,
  before: { paymentStatus: PaymentStatus; paidCents: number },
  paymentStatus: PaymentStatus,
): { before: Prisma.InputJsonObject; after: Prisma.InputJsonObject } {
  return {
    before,
    after: {
      paymentStatus,
      paidCents: before.paidCents + row.payment.amountCents,
      paymentId: row.id,
      provider: row.payment.provider,
      providerReference: row.payment.reference,
      amountCents: row.payment.amountCents,
      currency: row.payment.currency,
      receiptId: null,
      receipt: null,
      intakeRunId: scope.runId,
    },
  };
}

/** The `payment_refunded` event of a refund at the storefront (money's settle body, with the reference). */
export function paymentRefundedEvent(scope: PaymentScope, payment: OrderPayment, before: PaymentStatus): { before: Prisma.InputJsonObject; after: Prisma.InputJsonObject } {
  return {
    before: { paymentStatus: before },
    after: { paymentStatus: "REFUNDED", reason: "refunded at the storefront", providerReference: payment.reference, intakeRunId: scope.runId },
  };
}

/** Stores one feed payment and its event (per-row path); the job's payment status is the caller's. */
export async function recordFeedPayment(
  tx: TransactionClient,
  scope: PaymentScope,
  row: FeedPayment,
  before: { paymentStatus: PaymentStatus; paidCents: number },
  paymentStatus: PaymentStatus,
): Promise<void> {
  await tx.payment.create({
    data: {
      id: row.id,
      siteId: scope.siteId,
      jobId: row.jobId,
      provider: row.payment.provider,
      providerReference: row.payment.reference,
      amountCents: row.payment.amountCents,
      currency: row.payment.currency,
      receivedAt: new Date(row.payment.receivedAt),
    },
    select: { id: true },
  });
  await recordJobEvent(tx, {
    siteId: scope.siteId,
    jobId: row.jobId,
    actor: { kind: "SYSTEM" },
    type: "payment_recorded",
    ...paymentRecordedEvent(scope, row, before, paymentStatus),
    requestId: scope.requestId ?? undefined,
  });
}

/** The new jobs' feed payments and their events, a statement each (set-based path; the jobs were created PAID). */
export async function insertFeedPayments(tx: TransactionClient, scope: PaymentScope, rows: FeedPayment[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(pick: (row: FeedPayment) => T): T[] => rows.map(pick);
  await tx.$executeRaw`
    INSERT INTO payments (id, site_id, job_id, provider, provider_reference, amount_cents, currency, received_at)
    SELECT p.id, ${scope.siteId}::uuid, p.job_id, p.provider, p.reference, p.amount_cents, p.currency, p.received_at
      FROM unnest(${col((r) => r.id)}::uuid[], ${col((r) => r.jobId)}::uuid[], ${col((r) => r.payment.provider)}::text[],
                  ${col((r) => r.payment.reference)}::text[], ${col((r) => r.payment.amountCents)}::int[], ${col((r) => r.payment.currency)}::text[],
                  ${col((r) => r.payment.receivedAt)}::timestamptz[])
           AS p(id, job_id, provider, reference, amount_cents, currency, received_at)`;
  const events = rows.map((row) => JSON.stringify(paymentRecordedEvent(scope, row, { paymentStatus: "UNPAID", paidCents: 0 }, "PAID")));
  await tx.$executeRaw`
    INSERT INTO job_events (id, site_id, job_id, actor_kind, type, before, after, request_id, at)
    SELECT gen_random_uuid(), ${scope.siteId}::uuid, e.job_id, 'SYSTEM', 'payment_recorded', (e.body::jsonb)->'before', (e.body::jsonb)->'after',
           ${scope.requestId}::text, clock_timestamp()
      FROM unnest(${col((r) => r.jobId)}::uuid[], ${events}::text[]) WITH ORDINALITY AS e(job_id, body, ord)
     ORDER BY e.ord`;
}

export interface OrderPaymentChange {
  /** The job's payment status after the change. */
  paymentStatus: PaymentStatus;
  /** Writes the payment row or the refund's event, once the job's row is updated; null when nothing changes. */
  write: (() => Promise<void>) | null;
  conflict: Disagreement | null;
  standing: Disagreement | null;
}

/** The job as the payment rule needs it, read under its row lock. */
export interface LockedJobMoney {
  id: string;
  status: JobStatus;
  archived: boolean;
  paymentStatus: PaymentStatus;
  priceCents: number;
  currency: string;
}

/**
 * What a changed order's payment does to its locked job (mapping.ts's planPayment, with what it
 * needs read); `previous` is the payment the intake last took of the order.
 */
export async function planOrderPayment(
  tx: TransactionClient,
  scope: PaymentScope,
  job: LockedJobMoney,
  previous: OrderPayment | null | undefined,
  next: OrderPayment | null,
): Promise<OrderPaymentChange> {
  const recorded = next ? await jobPaidWith(tx, scope.siteId, next.reference) : null;
  const plan = planPayment(
    {
      status: job.status,
      archived: job.archived,
      paymentStatus: job.paymentStatus,
      currency: job.currency,
      recordedHere: recorded?.jobId === job.id,
      recordedFor: recorded && recorded.jobId !== job.id ? formatJobNumber(recorded.number) : null,
    },
    previous,
    next,
  );
  const unchanged: OrderPaymentChange = { paymentStatus: job.paymentStatus, write: null, conflict: plan.conflict, standing: plan.standing };
  if (!next || (!plan.record && !plan.refund)) return unchanged;
  const common = { siteId: scope.siteId, jobId: job.id, actor: { kind: "SYSTEM" } as const, requestId: scope.requestId ?? undefined };
  if (plan.refund) {
    return { ...unchanged, paymentStatus: "REFUNDED", write: () => recordJobEvent(tx, { ...common, type: "payment_refunded", ...paymentRefundedEvent(scope, next, job.paymentStatus) }) };
  }
  // What the storefront charged, against the job's price (a started job may keep a price of its own).
  const paidCents = await paidCentsOf(tx, scope.siteId, job.id);
  const paymentStatus: PaymentStatus = paidCents + next.amountCents >= job.priceCents ? "PAID" : "UNPAID";
  const row = { id: randomUUID(), jobId: job.id, payment: next };
  return { ...unchanged, paymentStatus, write: () => recordFeedPayment(tx, scope, row, { paymentStatus: job.paymentStatus, paidCents }, paymentStatus) };
}
