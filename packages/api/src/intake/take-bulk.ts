import type { PaymentStatus } from "@orderdeck/contracts";
import type { TransactionClient } from "@orderdeck/db";
import type { JobFields } from "./mapping.ts";

/*
 * The set-based writes of take.ts: one statement for many rows of a chunk, in the shapes the
 * per-row path writes them one by one (same columns, same event bodies). The database's own
 * bookkeeping stays with its triggers: job numbers (next_counter, taken row by row in the order
 * the rows are inserted), version, change_seq / change_xid stamps and the site's change pokes.
 */

export interface TakeScope {
  siteId: string;
  sourceId: string;
  runId: string | null;
  requestId: string | null;
  now: Date;
}

/** Closes the open INVALID letters of these rows (RETRIED): they are taken in now. */
export async function closeInvalidLetters(tx: TransactionClient, scope: TakeScope, externalIds: string[]): Promise<void> {
  if (externalIds.length === 0) return;
  await tx.$executeRaw`
    UPDATE intake_dead_letters SET status = 'RETRIED', resolved_at = ${scope.now}, updated_at = ${new Date()}
     WHERE site_id = ${scope.siteId}::uuid AND source_id = ${scope.sourceId}::uuid AND status = 'OPEN' AND kind = 'INVALID'
       AND external_id = ANY(${externalIds}::text[])`;
}

export interface NewCustomer {
  id: string;
  name: string;
  email: string;
  phone: string | null;
}

export async function insertCustomers(tx: TransactionClient, scope: TakeScope, customers: NewCustomer[]): Promise<void> {
  if (customers.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO customers (id, site_id, name, email, phone)
    SELECT c.id, ${scope.siteId}::uuid, c.name, c.email, c.phone
      FROM unnest(${customers.map((c) => c.id)}::uuid[], ${customers.map((c) => c.name)}::text[],
                  ${customers.map((c) => c.email)}::text[], ${customers.map((c) => c.phone)}::text[]) AS c(id, name, email, phone)`;
}

/** New contact details for existing customers (they follow the newest order with the address). */
export async function updateCustomers(tx: TransactionClient, scope: TakeScope, customers: Array<Omit<NewCustomer, "email">>): Promise<void> {
  if (customers.length === 0) return;
  await tx.$executeRaw`
    UPDATE customers c SET name = u.name, phone = u.phone, updated_at = ${new Date()}
      FROM unnest(${customers.map((c) => c.id)}::uuid[], ${customers.map((c) => c.name)}::text[], ${customers.map((c) => c.phone)}::text[])
        AS u(id, name, phone)
     WHERE c.id = u.id AND c.site_id = ${scope.siteId}::uuid`;
}

export interface NewFeedJob {
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
  sourceUpdatedAt: Date;
  /** intake_records.snapshot, as JSON text. */
  snapshot: string;
}

/**
 * Inserts the jobs (in this order, so their numbers follow it), their intake records and their
 * `created` events; returns each job's number by external id.
 */
export async function insertFeedJobs(tx: TransactionClient, scope: TakeScope, jobs: NewFeedJob[]): Promise<Map<string, number>> {
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
    INSERT INTO intake_records (id, site_id, source_id, external_id, job_id, payload_hash, source_updated_at, snapshot)
    SELECT r.id, ${scope.siteId}::uuid, ${scope.sourceId}::uuid, r.external_id, r.job_id, r.payload_hash, r.source_updated_at, r.snapshot::jsonb
      FROM unnest(${col((j) => j.recordId)}::uuid[], ${col((j) => j.externalId)}::text[], ${col((j) => j.id)}::uuid[],
                  ${col((j) => j.payloadHash)}::text[], ${col((j) => j.sourceUpdatedAt.toISOString())}::timestamptz[], ${col((j) => j.snapshot)}::text[])
           AS r(id, external_id, job_id, payload_hash, source_updated_at, snapshot)`;

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
