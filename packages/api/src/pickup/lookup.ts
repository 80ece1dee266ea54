import {
  DomainError,
  formatJobNumber,
  invalidCodeRefusal,
  isValidPickupCode,
  normalizePickupCode,
  pickupFacts,
  pickupPayment,
  pickupRefusal,
  unknownCodeRefusal,
  type Fulfilment,
  type JobStatus,
  type PaymentStatus,
  type PickupPayment,
  type PickupRefusal,
} from "@orderdeck/contracts";
import { Prisma, readInSite, type PrismaClient } from "@orderdeck/db";
import type { Principal } from "../auth/principal.ts";
import { formatLocal } from "../documents/zoned-time.ts";

// The job behind a pickup code as the counter screen shows it, and why it cannot be handed over
// now: what a lookup answers, and what confirm.ts decides the handover on.

export interface PickupDependencies {
  prisma: PrismaClient;
  /**
   * The scan's budget, being spent beside its first batch (router.ts `scanning`): nothing of the
   * scan commits before it allowed the scan, and its refusal is the scan's answer.
   */
  scanSpent?: Promise<void>;
  /** The server's clock (tests pin it). */
  now?: () => Date;
}

/** The job's fields that read the same in its row, in a scan and in the counter's view. */
interface PickupItem {
  title: string;
  status: JobStatus;
  fulfilment: Fulfilment;
  quantity: number;
  material: string | null;
  colour: string | null;
}

function itemOf(job: PickupItem): PickupItem {
  return { title: job.title, status: job.status, fulfilment: job.fulfilment, quantity: job.quantity, material: job.material, colour: job.colour };
}

export interface PickupView {
  job: { id: string; number: string } & PickupItem & { dueAt: string | null };
  customer: { name: string; email: string | null; phone: string | null } | null;
  payment: PickupPayment;
  pickedUp: { at: string; by: string | null; station: string | null } | null;
  canHandOver: boolean;
  /** Why not, exactly as pickup.confirm would answer; null when it can be handed over. */
  refusal: PickupRefusal | null;
}

/** What a scan decides on: the job with its customer, site, who picked it up and what is paid. */
export interface PickupJob extends PickupItem {
  id: string;
  number: number;
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

export interface PickupJobRow extends PickupItem {
  id: string;
  number: number;
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
  /** A sum: bigint through Prisma, a string through node-postgres. */
  paid_cents: bigint | number | string;
}

/**
 * The job behind a code with everything a scan decides on, in one statement (one round trip on
 * the hot path of the counter). With `lock`, the job's row is locked FOR UPDATE: the handover's
 * whole concurrency story, see decideScanInTx. The payments are summed after the lock is granted,
 * so a payment recorded meanwhile (money locks the job too) is counted.
 */
export function pickupJobStatement(siteId: string, code: string, lock: boolean): Prisma.Sql {
  return Prisma.sql`
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
}

export function pickupJobOf(row: PickupJobRow | undefined): { job: PickupJob; paid: number } | null {
  if (!row) return null;
  return {
    job: {
      id: row.id,
      number: row.number,
      ...itemOf(row),
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

export function invalidCode(): DomainError {
  const { reason, message } = invalidCodeRefusal();
  return new DomainError(reason, message);
}

export function unknownCode(code: string): DomainError {
  const { reason, message, details } = unknownCodeRefusal(code);
  return new DomainError(reason, message, details);
}

/** Why this job cannot be handed over now, or null when it can (the rules: contracts' pickupRefusal). */
export function refusalFor(job: PickupJob, paid: number): PickupRefusal | null {
  const handover = {
    paidCents: paid,
    pickedUpAt: job.pickedUpAt?.toISOString() ?? null,
    pickedUpBy: job.pickedUpBy?.name ?? null,
    pickedUpStation: job.pickedUpStation?.name ?? null,
  };
  return pickupRefusal(pickupFacts(job, handover), (iso) => formatLocal(new Date(iso), job.site.timezone));
}

function viewOf(job: PickupJob, paid: number): PickupView {
  const refusal = refusalFor(job, paid);
  return { ...jobFacts(job, paid), canHandOver: refusal === null, refusal };
}

export function jobFacts(job: PickupJob, paid: number): Omit<PickupView, "canHandOver" | "refusal"> {
  return {
    job: { id: job.id, number: formatJobNumber(job.number), ...itemOf(job), dueAt: job.dueAt?.toISOString() ?? null },
    customer: job.customer ? { name: job.customer.name, email: job.customer.email, phone: job.customer.phone } : null,
    payment: pickupPayment({ paymentStatus: job.paymentStatus, priceCents: job.priceCents, paidCents: paid, currency: job.currency }),
    pickedUp: job.pickedUpAt
      ? { at: job.pickedUpAt.toISOString(), by: job.pickedUpBy?.name ?? null, station: job.pickedUpStation?.name ?? null }
      : null,
  };
}

/** What the counter shows for a scanned code; changes nothing and records nothing. */
export async function lookupPickup(deps: PickupDependencies, principal: Principal, rawCode: string): Promise<PickupView> {
  const code = normalizePickupCode(rawCode);
  if (!isValidPickupCode(code)) throw invalidCode();
  // A read alone: one round trip, no interactive transaction.
  const [rows] = await readInSite<PickupJobRow>(deps.prisma, principal.siteId, [pickupJobStatement(principal.siteId, code, false)]);
  const found = pickupJobOf(rows?.[0]);
  if (!found) throw unknownCode(code);
  return viewOf(found.job, found.paid);
}
