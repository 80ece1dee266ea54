import type { JobStatus, PaymentStatus } from "@orderdeck/contracts";
import type { TransactionClient } from "@orderdeck/db";
import { customersByEmail, type CustomerRow } from "./customer-match.ts";
import type { JobFields, MappedOrder, OrderSnapshot } from "./mapping.ts";
import type { TakeContext } from "./take-context.ts";

// The chunk's view of its jobs and customers: read in a few statements up front, kept current
// by every row taken, and put back when a row or a batch is rolled back to its savepoint.

/** What every row of a chunk needs to know of its job: whether and what the intake took of it. */
export interface KnownJob {
  id: string;
  number: number;
  recordId: string | null;
  recordSourceId: string | null;
  payloadHash: string | null;
  sourceUpdatedAt: Date | null;
  /** The intake keeps a snapshot of the version it took (a job it took in itself). */
  hasSnapshot: boolean;
  /** The job as it stands: read with its row lock, null until this transaction holds that lock. */
  detail: JobDetail | null;
}

export interface JobDetail {
  status: JobStatus;
  archived: boolean;
  paymentStatus: PaymentStatus;
  fields: JobFields;
  customerId: string | null;
  snapshot: OrderSnapshot | null;
}

/** The columns of the intake record behind a job, as both reads select them. */
interface RecordColumns {
  record_id: string | null;
  record_source_id: string | null;
  payload_hash: string | null;
  source_updated_at: Date | null;
}

function recordOf(row: RecordColumns): Pick<KnownJob, "recordId" | "recordSourceId" | "payloadHash" | "sourceUpdatedAt"> {
  return { recordId: row.record_id, recordSourceId: row.record_source_id, payloadHash: row.payload_hash, sourceUpdatedAt: row.source_updated_at };
}

interface IndexRow extends RecordColumns {
  external_id: string;
  id: string | null;
  number: number | null;
  has_snapshot: boolean | null;
  open_letter: boolean;
}

interface KnownJobRow extends RecordColumns {
  id: string;
  external_id: string;
  number: number;
  status: JobStatus;
  archived_at: Date | null;
  payment_status: PaymentStatus;
  customer_id: string | null;
  customer_email: string | null;
  title: string;
  notes: string | null;
  due_at: Date | null;
  quantity: number;
  material: string | null;
  colour: string | null;
  estimated_minutes: number | null;
  priority: JobFields["priority"];
  price_cents: number;
  currency: string;
  fulfilment: JobFields["fulfilment"];
  snapshot: OrderSnapshot | null;
}

function knownJobOf(row: KnownJobRow): KnownJob {
  return {
    id: row.id,
    number: row.number,
    ...recordOf(row),
    hasSnapshot: row.snapshot !== null,
    detail: { status: row.status, archived: row.archived_at !== null, paymentStatus: row.payment_status, customerId: row.customer_id, snapshot: row.snapshot, fields: {
      title: row.title,
      notes: row.notes,
      dueAt: row.due_at ? row.due_at.toISOString() : null,
      quantity: row.quantity,
      material: row.material,
      colour: row.colour,
      estimatedMinutes: row.estimated_minutes,
      priority: row.priority,
      priceCents: row.price_cents,
      currency: row.currency,
      fulfilment: row.fulfilment,
      customerEmail: row.customer_email,
    } },
  };
}

export class ChunkState {
  readonly jobs = new Map<string, KnownJob>();
  readonly touched = new Set<string>();
  /** Jobs this transaction holds the row lock of (or created): the only ones a row may change. */
  readonly locked = new Set<string>();
  readonly customers = new Map<string, CustomerRow>();
  private readonly emailsRead = new Set<string>();
  /** External ids that may have an open INVALID letter: read once, plus every id a letter was written for since. */
  readonly lettersMaybeOpen = new Set<string>();
  positions: number[] = [];

  constructor(
    private readonly tx: TransactionClient,
    private readonly ctx: TakeContext,
  ) {}

  /**
   * Reads which of these external ids are already jobs of the site (FEED), what the intake took
   * of them, and which have an open INVALID letter of the source: one statement, no locks.
   */
  async loadIndex(externalIds: string[]): Promise<void> {
    if (externalIds.length === 0) return;
    const { tx, ctx } = this;
    // The jobs are read by one index scan over all the chunk's ids, not probed id by id: each
    // probe had to skip through the index's sources, as `source = 'FEED'` (enum equality, not
    // leakproof) is only a filter under row-level security.
    const rows = await tx.$queryRaw<IndexRow[]>`
      WITH known AS MATERIALIZED (
             SELECT j.id, j.number, j.external_id, r.id AS record_id, r.source_id AS record_source_id,
                    r.payload_hash, r.source_updated_at, r.snapshot IS NOT NULL AS has_snapshot
               FROM jobs j
               LEFT JOIN intake_records r ON r.job_id = j.id AND r.site_id = j.site_id
              WHERE j.site_id = ${ctx.siteId}::uuid AND j.source = 'FEED' AND j.external_id = ANY(${externalIds}::text[]))
      SELECT i.external_id, k.id::text AS id, k.number, k.record_id::text AS record_id, k.record_source_id::text AS record_source_id,
             k.payload_hash, k.source_updated_at, k.has_snapshot,
             EXISTS (SELECT 1 FROM intake_dead_letters l
                      WHERE l.site_id = ${ctx.siteId}::uuid AND l.source_id = ${ctx.sourceId}::uuid AND l.external_id = i.external_id
                        AND l.status = 'OPEN' AND l.kind = 'INVALID') AS open_letter
        FROM unnest(${externalIds}::text[]) AS i(external_id)
        LEFT JOIN known k ON k.external_id = i.external_id`;
    for (const row of rows) {
      if (row.open_letter) this.lettersMaybeOpen.add(row.external_id);
      if (row.id === null || row.number === null) continue;
      this.jobs.set(row.external_id, {
        id: row.id,
        number: row.number,
        ...recordOf(row),
        hasSnapshot: row.has_snapshot === true,
        detail: null,
      });
    }
  }

  /** Reads (and locks) the site's FEED jobs with these external ids, as they stand, and whether the shop has touched them. */
  async lockJobs(externalIds: string[]): Promise<void> {
    if (externalIds.length === 0) return;
    const { tx, ctx } = this;
    const rows = await tx.$queryRaw<KnownJobRow[]>`
      SELECT j.id::text AS id, j.external_id, j.number, j.status::text AS status, j.archived_at, j.payment_status::text AS payment_status,
             j.customer_id::text AS customer_id, c.email_key AS customer_email,
             j.title, j.notes, j.due_at, j.quantity, j.material, j.colour, j.estimated_minutes,
             j.priority::text AS priority, j.price_cents, j.currency, j.fulfilment::text AS fulfilment,
             r.id::text AS record_id, r.source_id::text AS record_source_id, r.payload_hash, r.source_updated_at, r.snapshot
        FROM jobs j
        LEFT JOIN customers c ON c.id = j.customer_id AND c.site_id = j.site_id
        LEFT JOIN intake_records r ON r.job_id = j.id AND r.site_id = j.site_id
       WHERE j.site_id = ${ctx.siteId}::uuid AND j.source = 'FEED' AND j.external_id = ANY(${externalIds}::text[])
       ORDER BY j.id
         FOR UPDATE OF j`;
    // A job gone since the index was read (deleted meanwhile) is no longer there to change.
    for (const id of externalIds) this.jobs.delete(id);
    for (const row of rows) this.jobs.set(row.external_id, knownJobOf(row));
    const ids = rows.map((r) => r.id);
    for (const id of ids) this.locked.add(id);
    if (ids.length === 0) return;
    const touched = await tx.$queryRaw<Array<{ job_id: string }>>`
      SELECT DISTINCT job_id::text AS job_id FROM job_events
       WHERE site_id = ${ctx.siteId}::uuid AND job_id = ANY(${ids}::uuid[]) AND actor_kind <> 'SYSTEM'`;
    for (const row of touched) this.touched.add(row.job_id);
  }

  /** Reads the site's customers with these addresses, unless read already. */
  async loadCustomers(emails: string[]): Promise<void> {
    const missing = [...new Set(emails)].filter((e) => !this.emailsRead.has(e));
    if (missing.length === 0) return;
    const rows = await customersByEmail(this.tx, this.ctx.siteId, missing);
    for (const email of missing) this.emailsRead.add(email);
    // Oldest last, so the oldest customer with an address wins when several share it.
    for (const row of rows) this.customers.set(row.email, row);
  }

  /** The site's customer with this address (created if none), with the order's contact details. */
  async customerFor(customer: MappedOrder["customer"]): Promise<string> {
    await this.loadCustomers([customer.email]);
    const known = this.customers.get(customer.email);
    if (!known) {
      const created = await this.tx.customer.create({
        data: { siteId: this.ctx.siteId, name: customer.name, email: customer.email, phone: customer.phone },
        select: { id: true },
      });
      this.customers.set(customer.email, { id: created.id, ...customer });
      return created.id;
    }
    if (known.name !== customer.name || known.phone !== customer.phone) {
      await this.tx.customer.update({ where: { id: known.id }, data: { name: customer.name, phone: customer.phone } });
      this.customers.set(customer.email, { ...known, name: customer.name, phone: customer.phone });
    }
    return known.id;
  }

  /** What a row may change in this state, to put back if the row is rolled back to its savepoint. */
  save(order: MappedOrder): () => void {
    const job = this.jobs.get(order.externalId);
    const customer = this.customers.get(order.customer.email);
    const positions = [...this.positions];
    const locked = new Set(this.locked);
    return () => {
      if (job) this.jobs.set(order.externalId, job);
      else this.jobs.delete(order.externalId);
      if (customer) this.customers.set(order.customer.email, customer);
      else this.customers.delete(order.customer.email);
      this.positions = positions;
      replaceSet(this.locked, locked);
    };
  }

  /** All of the state, to put back if a set-based write is rolled back to its savepoint. */
  saveAll(): () => void {
    const jobs = new Map(this.jobs);
    const customers = new Map(this.customers);
    const positions = [...this.positions];
    const locked = new Set(this.locked);
    return () => {
      this.jobs.clear();
      for (const [k, v] of jobs) this.jobs.set(k, v);
      this.customers.clear();
      for (const [k, v] of customers) this.customers.set(k, v);
      this.positions = positions;
      replaceSet(this.locked, locked);
    };
  }
}

function replaceSet<T>(target: Set<T>, source: Set<T>): void {
  target.clear();
  for (const v of source) target.add(v);
}
