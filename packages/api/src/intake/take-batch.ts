import { generatePickupCode, type PaymentStatus } from "@orderdeck/contracts";
import { randomUUID } from "node:crypto";
import type { TransactionClient } from "@orderdeck/db";
import { appendPositions } from "../jobs/queue.ts";
import { snapshotOf, type JobFields } from "./mapping.ts";
import { insertFeedPayments } from "./payment.ts";
import type { TakeContext } from "./take-context.ts";
import type { ParsedRow } from "./take-parse.ts";
import type { CustomerRow } from "./customer-match.ts";
import type { ChunkState } from "./take-state.ts";

/*
 * Taking many orders at once: the common cases (a new order, one whose content the intake already
 * has) written for many rows of a chunk in one statement each, in the shapes the per-row path
 * (take-one.ts) writes them one by one (same columns, same event bodies). The database's own
 * bookkeeping stays with its triggers: job numbers (next_counter, taken row by row in the order
 * the rows are inserted), version, change_seq / change_xid stamps and the site's change pokes.
 */

/**
 * What a row the set-based path takes does: `insert` a new job, or nothing but closing the row's
 * open INVALID letter (`close`: the same content again, or an order cancelled before the shop saw it).
 */
export type BatchKind = "insert" | "close";

export interface BatchRow {
  row: ParsedRow & { ok: true };
  kind: BatchKind;
}

/**
 * The common cases, decided from the state alone: a new order, or one whose content the intake
 * already has. Everything else (a changed order, another source's job, a retry) is the per-row path's.
 */
export function batchKindOf(ctx: TakeContext, state: ChunkState, row: ParsedRow & { ok: true }): BatchKind | "older" | null {
  if (ctx.retry) return null;
  const known = state.jobs.get(row.order.externalId);
  if (!known) return row.order.cancelled ? "close" : "insert";
  if (known.recordSourceId !== ctx.sourceId || !known.hasSnapshot) return null;
  if (known.sourceUpdatedAt && row.order.updatedAt.getTime() < known.sourceUpdatedAt.getTime()) return "older";
  return row.hash === known.payloadHash ? "close" : null;
}

/** The new jobs of a batch: their customers, then jobs, intake records, `created` events and storefront payments, a statement each. */
export async function insertBatch(tx: TransactionClient, ctx: TakeContext, state: ChunkState, rows: BatchRow[]): Promise<void> {
  await state.loadCustomers(rows.map((r) => r.row.order.customer.email));
  const created = new Map<string, NewCustomer>();
  const changed = new Map<string, Omit<NewCustomer, "email">>();
  // The customers as the per-row path would leave them, row after row.
  for (const { row } of rows) {
    const { email, name, phone } = row.order.customer;
    const known = state.customers.get(email);
    if (!known) {
      const customer = { id: randomUUID(), email, name, phone };
      state.customers.set(email, customer);
      created.set(email, customer);
    } else if (known.name !== name || known.phone !== phone) {
      const next = { ...known, name, phone };
      state.customers.set(email, next);
      if (created.has(email)) created.set(email, next);
      else changed.set(email, { id: next.id, name, phone });
    }
  }
  const missing = rows.length - state.positions.length;
  if (missing > 0) state.positions.push(...(await appendPositions(tx, ctx.siteId, missing)));
  const jobs: NewFeedJob[] = rows.map(({ row }) => {
    const { order } = row;
    return {
      id: randomUUID(),
      externalId: order.externalId,
      customerId: (state.customers.get(order.customer.email) as CustomerRow).id,
      queuePosition: state.positions.shift() ?? null,
      pickupCode: generatePickupCode(),
      fields: order.fields,
      paymentStatus: order.payment?.status === "PAID" ? "PAID" : "UNPAID",
      recordId: randomUUID(),
      payloadHash: row.hash,
      rawHash: row.rawHash,
      sourceUpdatedAt: order.updatedAt,
      snapshot: JSON.stringify(snapshotOf(order)),
    };
  });
  await insertCustomers(tx, ctx, [...created.values()]);
  await updateCustomers(tx, ctx, [...changed.values()]);
  const numbers = await insertFeedJobs(tx, ctx, jobs);
  await insertFeedPayments(
    tx,
    ctx,
    rows.flatMap(({ row }, i) => (row.order.payment?.status === "PAID" ? [{ id: randomUUID(), jobId: (jobs[i] as NewFeedJob).id, payment: row.order.payment }] : [])),
  );
  jobs.forEach((job, i) => {
    const number = numbers.get(job.externalId);
    if (number === undefined) throw new Error(`the insert of ${job.externalId} returned no job number`);
    state.locked.add(job.id);
    state.jobs.set(job.externalId, {
      id: job.id,
      number,
      recordId: job.recordId,
      recordSourceId: ctx.sourceId,
      payloadHash: job.payloadHash,
      sourceUpdatedAt: job.sourceUpdatedAt,
      hasSnapshot: true,
      detail: {
        status: "QUEUED",
        archived: false,
        paymentStatus: job.paymentStatus,
        fields: job.fields,
        customerId: job.customerId,
        snapshot: snapshotOf((rows[i] as BatchRow).row.order),
      },
    });
  });
}

// The set-based statements, one for many rows each.

interface NewCustomer {
  id: string;
  name: string;
  email: string;
  phone: string | null;
}

async function insertCustomers(tx: TransactionClient, scope: TakeContext, customers: NewCustomer[]): Promise<void> {
  if (customers.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO customers (id, site_id, name, email, phone)
    SELECT c.id, ${scope.siteId}::uuid, c.name, c.email, c.phone
      FROM unnest(${customers.map((c) => c.id)}::uuid[], ${customers.map((c) => c.name)}::text[],
                  ${customers.map((c) => c.email)}::text[], ${customers.map((c) => c.phone)}::text[]) AS c(id, name, email, phone)`;
}

/** New contact details for existing customers (they follow the newest order with the address). */
async function updateCustomers(tx: TransactionClient, scope: TakeContext, customers: Array<Omit<NewCustomer, "email">>): Promise<void> {
  if (customers.length === 0) return;
  await tx.$executeRaw`
    UPDATE customers c SET name = u.name, phone = u.phone, updated_at = ${new Date()}
      FROM unnest(${customers.map((c) => c.id)}::uuid[], ${customers.map((c) => c.name)}::text[], ${customers.map((c) => c.phone)}::text[])
        AS u(id, name, phone)
     WHERE c.id = u.id AND c.site_id = ${scope.siteId}::uuid`;
}

interface NewFeedJob {
  id: string;
  externalId: string;
  customerId: string;
  queuePosition: number | null;
  pickupCode: string;
  fields: JobFields;
  /** PAID when the storefront took the payment (its row is inserted by intake/payment.ts). */
  paymentStatus: PaymentStatus;
  recordId: string;
  payloadHash: string;
  /** The row's hash as sent (take-parse.ts rawRowHash). */
  rawHash: string;
  sourceUpdatedAt: Date;
  /** intake_records.snapshot, as JSON text. */
  snapshot: string;
}

/**
 * Inserts the jobs (in this order, so their numbers follow it), their intake records and their
 * `created` events; returns each job's number by external id.
 */
async function insertFeedJobs(tx: TransactionClient, scope: TakeContext, jobs: NewFeedJob[]): Promise<Map<string, number>> {
  if (jobs.length === 0) return new Map();
  const col = <T>(pick: (job: NewFeedJob) => T): T[] => jobs.map(pick);
  const f = <K extends keyof JobFields>(key: K): Array<JobFields[K]> => jobs.map((j) => j.fields[key]);
  // One counter update for the whole block (see migration job_number_blocks); the trigger hands
  // its numbers out in the order the rows are inserted.
  const reserved = await tx.$queryRaw<Array<{ first: number }>>`SELECT reserve_job_numbers(${scope.siteId}::uuid, ${jobs.length}::int) AS first`;
  const first = reserved[0]?.first;
  if (first === undefined) throw new Error("no job numbers were reserved");
  // created_at follows the feed within the statement too (clock_timestamp moves row by row).
  const numbers = await tx.$queryRaw<Array<{ external_id: string; number: number }>>`
    INSERT INTO jobs (id, site_id, source, external_id, customer_id, title, material, colour, quantity, estimated_minutes, due_at,
                      priority, status, queue_position, price_cents, currency, payment_status, fulfilment, notes, pickup_code, created_at, updated_at)
    SELECT r.id, ${scope.siteId}::uuid, 'FEED', r.external_id, r.customer_id, r.title, r.material, r.colour, r.quantity, r.estimated_minutes,
           r.due_at, r.priority::priority, 'QUEUED', r.queue_position, r.price_cents, r.currency, r.payment_status::payment_status,
           r.fulfilment::fulfilment, r.notes, r.pickup_code, clock_timestamp(), clock_timestamp()
      FROM unnest(${col((j) => j.id)}::uuid[], ${col((j) => j.externalId)}::text[], ${col((j) => j.customerId)}::uuid[],
                  ${f("title")}::text[], ${f("material")}::text[], ${f("colour")}::text[], ${f("quantity")}::int[],
                  ${f("estimatedMinutes")}::int[], ${f("dueAt")}::timestamptz[], ${f("priority")}::text[], ${col((j) => j.queuePosition)}::int[],
                  ${f("priceCents")}::int[], ${f("currency")}::text[], ${col((j) => j.paymentStatus)}::text[], ${f("fulfilment")}::text[],
                  ${f("notes")}::text[], ${col((j) => j.pickupCode)}::text[])
           WITH ORDINALITY AS r(id, external_id, customer_id, title, material, colour, quantity, estimated_minutes, due_at, priority,
                                queue_position, price_cents, currency, payment_status, fulfilment, notes, pickup_code, ord)
     ORDER BY r.ord
    RETURNING external_id, number`;

  await tx.$executeRaw`
    INSERT INTO intake_records (id, site_id, source_id, external_id, job_id, payload_hash, raw_hash, source_updated_at, snapshot)
    SELECT r.id, ${scope.siteId}::uuid, ${scope.sourceId}::uuid, r.external_id, r.job_id, r.payload_hash, r.raw_hash, r.source_updated_at, r.snapshot::jsonb
      FROM unnest(${col((j) => j.recordId)}::uuid[], ${col((j) => j.externalId)}::text[], ${col((j) => j.id)}::uuid[],
                  ${col((j) => j.payloadHash)}::text[], ${col((j) => j.rawHash)}::text[], ${col((j) => j.sourceUpdatedAt.toISOString())}::timestamptz[],
                  ${col((j) => j.snapshot)}::text[])
           AS r(id, external_id, job_id, payload_hash, raw_hash, source_updated_at, snapshot)`;

  // The body recordJobEvent gets from the per-row path's createJob.
  const events = jobs.map((j) =>
    JSON.stringify({
      status: "QUEUED",
      source: "FEED",
      externalId: j.externalId,
      title: j.fields.title,
      queuePosition: j.queuePosition,
      customerId: j.customerId,
      intakeSourceId: scope.sourceId,
      intakeRunId: scope.runId,
    }),
  );
  await tx.$executeRaw`
    INSERT INTO job_events (id, site_id, job_id, actor_kind, type, after, request_id, at)
    SELECT gen_random_uuid(), ${scope.siteId}::uuid, e.job_id, 'SYSTEM', 'created', e.after::jsonb, ${scope.requestId}::text, clock_timestamp()
      FROM unnest(${col((j) => j.id)}::uuid[], ${events}::text[]) WITH ORDINALITY AS e(job_id, after, ord)
     ORDER BY e.ord`;

  const byExternalId = new Map(numbers.map((r) => [r.external_id, r.number]));
  // Gapless and in feed order, or the chunk does not commit.
  jobs.forEach((job, i) => {
    if (byExternalId.get(job.externalId) !== first + i) {
      throw new Error(`job numbers out of order: ${job.externalId} got ${byExternalId.get(job.externalId)}, expected ${first + i}`);
    }
  });
  return byExternalId;
}
