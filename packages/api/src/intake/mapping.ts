/*
 * How a storefront order becomes a job, and what a later version of the order may change.
 *
 * The rule (also in docs/ARCHITECTURE.md):
 *
 *   A job is STARTED once the shop has taken it on: its status is anything but QUEUED, or a
 *   person or console station has done anything to it (any job event not written by the system).
 *
 *   Not started: the job follows the order. Every mapped field takes the order's value, and an
 *   order cancelled at the storefront cancels the job (QUEUED → CANCELLED).
 *
 *   Started and still open:
 *     - title, notes and due date (FOLLOWING_FIELDS) follow the order, unless the shop has changed
 *       that field itself since the intake last wrote it: then the shop's value stays.
 *     - quantity, material, colour, estimate, priority, price, currency, fulfilment and the
 *       customer (FROZEN_FIELDS) do not change. When the order changes one of them to something
 *       the job does not already have, the row is flagged: a CONFLICT dead letter (listed as an
 *       exception) and an `intake_conflict` event on the job, for a person to decide.
 *     - a cancellation at the storefront never cancels the job; it is flagged the same way.
 *   Closed (picked up, shipped, cancelled) or archived: nothing changes; only a cancellation at the
 *   storefront of a job that is not cancelled (a refund to look at), or a reopening of an order
 *   whose job the storefront had cancelled, is flagged.
 *
 *   The order's status never moves a job along the workflow in any other way, and never back.
 *   The customer's contact details (name, phone) belong to the person, not the job: they follow
 *   the newest order carrying that email address.
 *
 * Payment (the order's `payment`, planPayment): a fact, not a field the shop edits, so it follows
 * the order on any open job, started or not.
 *   - pending, or no payment: nothing is recorded; the job is paid at the counter as any other.
 *   - paid: a payment record with the order's provider and reference (unique: the same payment
 *     seen again is the one already recorded, so a repeated sync writes nothing), the order's
 *     price as its amount in the order's currency, received at `paid_at` (else the order's
 *     updated_at), and a `payment_recorded` event; the job becomes PAID (a new job is created PAID).
 *     No receipt yet: the handover issues it, so the intake never holds the site's receipt counter.
 *   - refunded: a job paid through that reference becomes REFUNDED (`payment_refunded` event) and
 *     is collected at the counter again; a job never paid through it is left alone.
 *   - Flagged like a frozen field (CONFLICT letter + `intake_conflict` event), never applied: a
 *     payment for a job the shop already settled (PAID, WAIVED or REFUNDED: one of the payments
 *     may need giving back), a reference already recorded for another job, a payment in another
 *     currency than the job's, and any payment change on a closed or archived job.
 */
import { hash } from "node:crypto";
import { isTerminal, type Fulfilment, type JobStatus, type PaymentStatus, type Priority } from "@orderdeck/contracts";
import type { SourceOrder } from "./storefront-feed.ts";

export const FOLLOWING_FIELDS = ["title", "notes", "dueAt"] as const;
export const FROZEN_FIELDS = [
  "quantity",
  "material",
  "colour",
  "estimatedMinutes",
  "priority",
  "priceCents",
  "currency",
  "fulfilment",
  "customerEmail",
] as const;
export const MAPPED_FIELDS = [...FOLLOWING_FIELDS, ...FROZEN_FIELDS] as const;
export type MappedField = (typeof MAPPED_FIELDS)[number];

/** The job's side of an order: the fields the intake maps, in the job's terms. */
export interface JobFields {
  title: string;
  notes: string | null;
  /** ISO instant (milliseconds, UTC), or null. */
  dueAt: string | null;
  quantity: number;
  material: string | null;
  colour: string | null;
  estimatedMinutes: number | null;
  priority: Priority;
  priceCents: number;
  currency: string;
  fulfilment: Fulfilment;
  /** Lowercased; the job's customer is the site's customer with this address. */
  customerEmail: string | null;
}

/** A payment the storefront took (a pending one is none). */
export interface OrderPayment {
  status: "PAID" | "REFUNDED";
  provider: string;
  reference: string;
  /** ISO instant: when it was paid (the order's paid_at, else its updated_at). */
  receivedAt: string;
  /** The order's price, in its currency: what the storefront charged. */
  amountCents: number;
  currency: string;
}

export interface MappedOrder {
  externalId: string;
  updatedAt: Date;
  fields: JobFields;
  customer: { name: string; email: string; phone: string | null };
  cancelled: boolean;
  payment: OrderPayment | null;
}

/** What the intake remembers of the version it took (intake_records.snapshot); `payment` only when there was one. */
export interface OrderSnapshot {
  fields: JobFields;
  cancelled: boolean;
  payment?: OrderPayment;
}

const PRIORITY: Record<SourceOrder["priority"], Priority> = { low: "LOW", normal: "NORMAL", high: "HIGH", rush: "RUSH" };

const isoOrNull = (value: string | null | undefined): string | null => (value ? new Date(value).toISOString() : null);

export function mapOrder(order: SourceOrder): MappedOrder {
  const email = order.customer.email.toLowerCase();
  return {
    externalId: order.id,
    updatedAt: new Date(order.updated_at),
    fields: {
      title: order.title,
      notes: order.notes ?? null,
      dueAt: isoOrNull(order.due_at),
      quantity: order.quantity,
      material: order.material ?? null,
      colour: order.colour ?? null,
      estimatedMinutes: order.estimated_minutes ?? null,
      priority: PRIORITY[order.priority],
      priceCents: order.price_cents,
      currency: order.currency,
      fulfilment: order.fulfilment === "ship" ? "SHIP" : "PICKUP",
      customerEmail: email,
    },
    customer: { name: order.customer.name, email, phone: order.customer.phone ?? null },
    cancelled: order.status === "cancelled",
    payment: paymentOf(order),
  };
}

function paymentOf(order: SourceOrder): OrderPayment | null {
  const { payment } = order;
  if (!payment || payment.status === "pending" || !payment.reference) return null;
  return {
    status: payment.status === "paid" ? "PAID" : "REFUNDED",
    provider: payment.provider,
    reference: payment.reference,
    receivedAt: new Date(payment.paid_at ?? order.updated_at).toISOString(),
    amountCents: order.price_cents,
    currency: order.currency,
  };
}

export function snapshotOf(order: MappedOrder): OrderSnapshot {
  return { fields: order.fields, cancelled: order.cancelled, ...(order.payment ? { payment: order.payment } : {}) };
}

/**
 * The mapping's revision, hashed with every raw row (take-parse.ts rawRowHash): a change to what
 * mapOrder or orderHash make of a row must raise it, so rows recorded under the old mapping are
 * checked and mapped again. A test pins orderHash of a fixed row with this revision.
 */
export const MAPPING_REVISION = 1;

/** Identifies the content the intake uses of an order: an equal hash means nothing to do. */
export function orderHash(order: MappedOrder): string {
  // An order without a payment hashes as it did before payments were read, so no job is planned again for it.
  const content = {
    fields: MAPPED_FIELDS.map((f) => order.fields[f]),
    customer: order.customer,
    cancelled: order.cancelled,
    ...(order.payment ? { payment: order.payment } : {}),
  };
  // The one-shot hash: a full reconciliation hashes every order of the feed, and a Hash object per row cost as much as the hashing.
  return hash("sha256", JSON.stringify(content), "hex");
}

export interface JobState {
  status: JobStatus;
  archived: boolean;
  /** A person or station has done something to the job (a job event not by the system). */
  touchedByShop: boolean;
  fields: JobFields;
}

export function isStarted(job: Pick<JobState, "status" | "touchedByShop">): boolean {
  return job.status !== "QUEUED" || job.touchedByShop;
}

export interface Disagreement {
  /** A mapped field, "status" for a cancellation at the storefront, or "payment" (planPayment). */
  field: MappedField | "status" | "payment";
  job: unknown;
  source: unknown;
}

export interface ChangePlan {
  /** Fields to write, with the order's values. */
  changes: Partial<JobFields>;
  /** Cancel the job (it is QUEUED and not started). */
  cancel: boolean;
  /** Disagreements this version of the order brings: flag them. */
  conflicts: Disagreement[];
  /** Every disagreement between the order and the job as it stands (new or not). */
  standing: Disagreement[];
}

/** What a new version of an order does to its job; `previous` is what the intake last took. */
export function planChange(job: JobState, previous: OrderSnapshot, next: MappedOrder): ChangePlan {
  const plan: ChangePlan = { changes: {}, cancel: false, conflicts: [], standing: [] };
  const set = plan.changes as Record<MappedField, unknown>;

  if (job.archived || isTerminal(job.status)) {
    if (next.cancelled && job.status !== "CANCELLED") {
      const d: Disagreement = { field: "status", job: job.status, source: "cancelled" };
      plan.standing.push(d);
      if (!previous.cancelled) plan.conflicts.push(d);
    } else if (!next.cancelled && previous.cancelled && job.status === "CANCELLED") {
      // Reopened at the storefront: a cancelled job stays cancelled (the status is terminal).
      const d: Disagreement = { field: "status", job: job.status, source: "open" };
      plan.standing.push(d);
      plan.conflicts.push(d);
    }
    return plan;
  }

  if (!isStarted(job)) {
    for (const field of MAPPED_FIELDS) {
      if (next.fields[field] !== job.fields[field]) set[field] = next.fields[field];
    }
    plan.cancel = next.cancelled;
    return plan;
  }

  for (const field of FOLLOWING_FIELDS) {
    const wanted = next.fields[field];
    if (wanted === previous.fields[field] || wanted === job.fields[field]) continue;
    // The shop changed the field after the intake last wrote it: theirs stays.
    if (job.fields[field] !== previous.fields[field]) continue;
    set[field] = wanted;
  }
  for (const field of FROZEN_FIELDS) {
    const wanted = next.fields[field];
    if (wanted === job.fields[field]) continue;
    const d: Disagreement = { field, job: job.fields[field], source: wanted };
    plan.standing.push(d);
    if (wanted !== previous.fields[field]) plan.conflicts.push(d);
  }
  if (next.cancelled) {
    const d: Disagreement = { field: "status", job: job.status, source: "cancelled" };
    plan.standing.push(d);
    if (!previous.cancelled) plan.conflicts.push(d);
  }
  return plan;
}

/** The job's side of the payment rule. */
export interface PaymentState {
  status: JobStatus;
  archived: boolean;
  paymentStatus: PaymentStatus;
  /** The job's currency: a payment in another one is flagged. */
  currency: string;
  /** The order's payment reference is recorded for this job. */
  recordedHere: boolean;
  /** …or for another job of the site: that job's label. */
  recordedFor: string | null;
}

export interface PaymentPlan {
  /** Record the order's payment on the job. */
  record: boolean;
  /** The job's payment was refunded at the storefront: REFUNDED. */
  refund: boolean;
  conflict: Disagreement | null;
  standing: Disagreement | null;
}

const samePayment = (a: OrderPayment | null | undefined, b: OrderPayment): boolean => a?.status === b.status && a.reference === b.reference;

/** What the order's payment does to its job (see the header); `previous` is the payment the intake last took. */
export function planPayment(job: PaymentState, previous: OrderPayment | null | undefined, next: OrderPayment | null): PaymentPlan {
  const nothing: PaymentPlan = { record: false, refund: false, conflict: null, standing: null };
  if (!next) return nothing;
  const flag = (why: string): PaymentPlan => {
    const d: Disagreement = { field: "payment", job: why, source: `${next.status.toLowerCase()} (${next.provider} ${next.reference})` };
    return { ...nothing, standing: d, conflict: samePayment(previous, next) ? null : d };
  };
  const closed = job.archived || isTerminal(job.status);
  if (next.status === "PAID") {
    if (job.recordedHere) return nothing;
    if (job.recordedFor) return flag(`that reference is already recorded for ${job.recordedFor}`);
    if (closed) return flag(`the job is ${job.archived ? "archived" : job.status}`);
    if (job.paymentStatus !== "UNPAID") return flag(`the job is already ${job.paymentStatus} at the shop; one of the payments may need refunding`);
    if (next.currency !== job.currency) return flag(`the job is priced in ${job.currency}, the payment is in ${next.currency}`);
    return { ...nothing, record: true };
  }
  if (!job.recordedHere || job.paymentStatus === "REFUNDED") return nothing;
  if (closed) return flag(`the job is ${job.archived ? "archived" : job.status}`);
  return { ...nothing, refund: true };
}

const LABELS: Record<Disagreement["field"], string> = {
  title: "title",
  notes: "notes",
  dueAt: "due date",
  quantity: "quantity",
  material: "material",
  colour: "colour",
  estimatedMinutes: "estimate",
  priority: "priority",
  priceCents: "price",
  currency: "currency",
  fulfilment: "fulfilment",
  customerEmail: "customer",
  status: "status",
  payment: "payment",
};

const shown = (value: unknown): string => (value === null || value === undefined ? "nothing" : String(value));

/** The reason a person reads in the exceptions list. */
export function describeConflicts(jobLabel: string, job: JobState, conflicts: Disagreement[]): string {
  const parts = conflicts.map((c) =>
    c.field === "status"
      ? c.source === "open"
        ? "the order was reopened at the storefront"
        : "the order was cancelled at the storefront"
      : c.field === "payment"
        ? `the storefront reports the order ${shown(c.source)}, but ${shown(c.job)}`
        : `${LABELS[c.field]} changed to ${shown(c.source)} (the job has ${shown(c.job)})`,
  );
  const state = job.archived || isTerminal(job.status) ? `is already ${job.status}` : isStarted(job) ? "was already started by the shop" : "is not started";
  return `${jobLabel} ${state}, so the intake left it as it is: ${parts.join("; ")}. Decide what to do with the job, then resolve this.`;
}
