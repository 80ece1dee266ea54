import type { Fulfilment, JobStatus, PaymentStatus } from "./enums.ts";
import type { DomainErrorCode } from "./errors.ts";
import { formatMoney } from "./money.ts";
import { formatJobNumber } from "./numbers.ts";
import { formatPickupCode } from "./pickup-code.ts";

// Whether a job can be handed over at the counter, and if not, the answer the person gets. The
// server decides with it under the job's row lock; the console decides with it against its cache
// while offline. One text for both, so a scan reads the same whichever side answered it.

/** What the decision needs to know about a job (dates as ISO strings). */
export interface PickupFacts {
  number: number;
  status: JobStatus;
  fulfilment: Fulfilment;
  paymentStatus: PaymentStatus;
  priceCents: number;
  currency: string;
  /** Sum of the job's recorded payments. */
  paidCents: number;
  pickedUpAt: string | null;
  pickedUpBy: string | null;
  pickedUpStation: string | null;
}

export interface PickupRefusal {
  reason: DomainErrorCode;
  message: string;
  details: Record<string, unknown>;
}

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

/** A code whose check symbol fails: refused before any lookup. */
export function invalidCodeRefusal(): PickupRefusal {
  return { reason: "INVALID_CODE", message: "That is not a valid pickup code (a misread or a typo): scan it again or type it from the label.", details: {} };
}

/** A well-formed code that no job has (at the server: this site's jobs; offline: the console's copy of them). */
export function unknownCodeRefusal(code: string): PickupRefusal {
  const formatted = formatPickupCode(code);
  return { reason: "UNKNOWN_CODE", message: `No job at this shop has pickup code ${formatted}.`, details: { code: formatted } };
}

/** What must be collected before the handover; 0 when paid or waived. */
export function amountDueCents(job: Pick<PickupFacts, "paymentStatus" | "priceCents" | "paidCents">): number {
  if (job.paymentStatus === "PAID" || job.paymentStatus === "WAIVED") return 0;
  // A refund gave the money back: the whole price is owed again.
  if (job.paymentStatus === "REFUNDED") return job.priceCents;
  return Math.max(0, job.priceCents - job.paidCents);
}

/** The facts of a job as both sides hold it; what was paid and who handed it over they hold differently. */
export function pickupFacts(
  job: Pick<PickupFacts, "number" | "status" | "fulfilment" | "paymentStatus" | "priceCents" | "currency">,
  handover: Pick<PickupFacts, "paidCents" | "pickedUpAt" | "pickedUpBy" | "pickedUpStation">,
): PickupFacts {
  return {
    number: job.number,
    status: job.status,
    fulfilment: job.fulfilment,
    paymentStatus: job.paymentStatus,
    priceCents: job.priceCents,
    currency: job.currency,
    paidCents: handover.paidCents,
    pickedUpAt: handover.pickedUpAt,
    pickedUpBy: handover.pickedUpBy,
    pickedUpStation: handover.pickedUpStation,
  };
}

/** The money part of what the counter shows for a scanned code, online or offline alike. */
export interface PickupPayment {
  status: PaymentStatus;
  priceCents: number;
  paidCents: number;
  /** What must be collected before the handover; 0 when paid or waived. */
  amountDueCents: number;
  currency: string;
  amountDue: string;
}

export function pickupPayment(job: Pick<PickupFacts, "paymentStatus" | "priceCents" | "paidCents" | "currency">): PickupPayment {
  const due = amountDueCents(job);
  return {
    status: job.paymentStatus,
    priceCents: job.priceCents,
    paidCents: job.paidCents,
    amountDueCents: due,
    currency: job.currency,
    amountDue: formatMoney(due, job.currency),
  };
}

/**
 * Why this job cannot be handed over now, or null when it can. `moment` writes a pickup time as
 * people at the site read it (the server and the console each know the site's timezone).
 */
export function pickupRefusal(job: PickupFacts, moment: (iso: string) => string): PickupRefusal | null {
  const label = formatJobNumber(job.number);
  const status = job.status;
  if (status === "CANCELLED") {
    return { reason: "CANCELLED", message: `${label} was cancelled; there is nothing to hand over.`, details: { jobNumber: label, status } };
  }
  if (status === "PICKED_UP") {
    const at = job.pickedUpAt ? moment(job.pickedUpAt) : "an unknown time";
    const by = job.pickedUpBy ?? "someone no longer on staff";
    const station = job.pickedUpStation ?? "a station since removed";
    return {
      reason: "ALREADY_PICKED_UP",
      message: `${label} was already picked up on ${at}, handed over by ${by} at ${station}.`,
      details: { jobNumber: label, status, pickedUpAt: job.pickedUpAt, pickedUpBy: job.pickedUpBy, station: job.pickedUpStation },
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
  return unpaidRefusal(job, "then scan again");
}

/** What the paid-or-waived rule needs to know about a job. */
export type PaymentFacts = Pick<PickupFacts, "number" | "paymentStatus" | "priceCents" | "currency" | "paidCents">;

/** A job leaves the shop paid or waived: the refusal otherwise, `next` saying what follows the collecting. */
function unpaidRefusal(job: PaymentFacts, next: string): PickupRefusal | null {
  if (job.paymentStatus === "PAID" || job.paymentStatus === "WAIVED") return null;
  const label = formatJobNumber(job.number);
  const due = amountDueCents(job);
  const what = job.paymentStatus === "REFUNDED" ? `${label} was refunded` : `${label} is not paid`;
  return {
    reason: "UNPAID",
    message: `${what}: collect ${formatMoney(due, job.currency)} first, ${next}.`,
    details: { jobNumber: label, paymentStatus: job.paymentStatus, amountDueCents: due, currency: job.currency, amountDue: formatMoney(due, job.currency) },
  };
}

/**
 * Why a job cannot be marked SHIPPED now for its money, or null. Shipping hands the job over as
 * much as the counter does, so it follows the same rule, in the same words: paid or waived first.
 */
export function shipmentRefusal(job: PaymentFacts): PickupRefusal | null {
  return unpaidRefusal(job, "then ship it");
}
