import { formatJobNumber, generatePickupCode, type DeadLetterKind, type JobStatus, type PaymentStatus } from "@orderdeck/contracts";
import { randomUUID } from "node:crypto";
import type { Prisma, TransactionClient } from "@orderdeck/db";
import { databaseRefusal } from "../database-refusals.ts";
import { recordJobEvent } from "../jobs/events.ts";
import { appendPositions } from "../jobs/queue.ts";
import {
  MAPPED_FIELDS,
  describeConflicts,
  mapOrder,
  orderHash,
  planChange,
  snapshotOf,
  type JobFields,
  type JobState,
  type MappedOrder,
  type OrderSnapshot,
} from "./mapping.ts";
import { insertFeedPayments, jobPaidWith, planOrderPayment, recordFeedPayment } from "./payment.ts";
import { SourceOrder } from "./storefront-feed.ts";
import { closeInvalidLetters, insertCustomers, insertFeedJobs, updateCustomers, type NewCustomer, type NewFeedJob } from "./take-bulk.ts";

/*
 * Takes source rows into jobs, inside a transaction the caller holds for the site (one chunk of
 * a run, or the one row of a retry). Each row is:
 *   - malformed → a dead letter (kind INVALID) with the reason, path by path;
 *   - new → a QUEUED job at the end of the queue, with a pickup code, its customer (matched by
 *     email within the site, else created), a `created` event by the system and an intake record;
 *     paid at the storefront: created PAID, with its payment record (mapping.ts "Payment");
 *   - known and unchanged (same payload hash) → nothing at all;
 *   - known and changed → what mapping.ts's planChange allows, with `updated` / `status_changed`
 *     events, and a CONFLICT dead letter plus an `intake_conflict` event for what it does not.
 * A row the database refuses despite passing validation is rolled back to its own savepoint and
 * dead-lettered, so one such row cannot stop the feed.
 */

export interface TakeContext {
  siteId: string;
  sourceId: string;
  runId: string | null;
  requestId: string | null;
  now: Date;
  /**
   * A retry a person asked for: an unchanged row is planned again, and its CONFLICT letters are
   * closed when nothing stands between the order and the job any more.
   */
  retry: boolean;
}

export interface TakeCounts {
  seen: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  flagged: number;
}

export const emptyCounts = (): TakeCounts => ({ seen: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0, flagged: 0 });

export function addCounts(a: TakeCounts, b: TakeCounts): TakeCounts {
  return {
    seen: a.seen + b.seen,
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    rejected: a.rejected + b.rejected,
    flagged: a.flagged + b.flagged,
  };
}

const SYSTEM = { kind: "SYSTEM" } as const;
const REASON_MAX = 2000;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// ---- Reading a row ---------------------------------------------------------------------------------

export type ParsedRow =
  | { ok: true; raw: unknown; order: MappedOrder; hash: string }
  | { ok: false; raw: unknown; externalId: string | null; reason: string };

/** The row's id, if it has one that could be stored, for a row that is otherwise unreadable. */
function externalIdOf(raw: unknown): string | null {
  if (typeof raw !== "object" || raw === null) return null;
  const id = (raw as Record<string, unknown>).id;
  if (typeof id !== "string") return null;
  const trimmed = id.trim();
  // eslint-disable-next-line no-control-regex
  return trimmed.length > 0 && trimmed.length <= 200 && !/[\u0000-\u001f\u007f]/.test(trimmed) ? trimmed : null;
}

// Feed-supplied object keys end up in reasons: keep them printable.
// eslint-disable-next-line no-control-regex
const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f]/g, "?");

export function parseRow(raw: unknown): ParsedRow {
  const result = SourceOrder.safeParse(raw);
  if (result.success) {
    const order = mapOrder(result.data);
    return { ok: true, raw, order, hash: orderHash(order) };
  }
  const issues = result.error.issues;
  const listed = issues.slice(0, 8).map((i) => `${i.path.map(String).join(".") || "row"}: ${i.message}`);
  if (issues.length > listed.length) listed.push(`and ${issues.length - listed.length} more`);
  return { ok: false, raw, externalId: externalIdOf(raw), reason: clip(printable(listed.join("; ")), REASON_MAX) };
}

/** A copy of the row that jsonb can hold (no NUL characters) and that stays a reasonable size. */
function storable(raw: unknown): Prisma.InputJsonValue {
  const text = JSON.stringify(raw ?? null) ?? "null";
  if (text.length > 100_000) return { truncated: true, preview: text.slice(0, 10_000).replaceAll("\\u0000", "\\ufffd") };
  const value = JSON.parse(text.replaceAll("\\u0000", "\\ufffd")) as unknown;
  return value === null || typeof value !== "object" ? { value: value as Prisma.InputJsonValue } : (value as Prisma.InputJsonValue);
}

// ---- Dead letters ------------------------------------------------------------------------------------

interface LetterInput {
  kind: DeadLetterKind;
  externalId: string | null;
  payload: unknown;
  reason: string;
}

/** Opens a dead letter for the row, or refreshes the open one it already has (one per row and kind). */
export async function writeDeadLetter(tx: TransactionClient, ctx: TakeContext, letter: LetterInput): Promise<string> {
  const payload = storable(letter.payload);
  const reason = clip(printable(letter.reason), REASON_MAX) || "unreadable row";
  let existingId: string | undefined;
  if (letter.externalId !== null) {
    const found = await tx.intakeDeadLetter.findFirst({
      where: { siteId: ctx.siteId, sourceId: ctx.sourceId, externalId: letter.externalId, kind: letter.kind, status: "OPEN" },
      select: { id: true },
    });
    existingId = found?.id;
  } else {
    const found = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id::text AS id FROM intake_dead_letters
       WHERE site_id = ${ctx.siteId}::uuid AND source_id = ${ctx.sourceId}::uuid AND status = 'OPEN'
         AND external_id IS NULL AND kind = ${letter.kind}::dead_letter_kind AND payload = ${JSON.stringify(payload)}::jsonb
       LIMIT 1`;
    existingId = found[0]?.id;
  }
  if (existingId) {
    await tx.intakeDeadLetter.update({
      where: { id: existingId },
      data: { payload, reason, ...(ctx.runId ? { runId: ctx.runId } : {}) },
    });
    return existingId;
  }
  const created = await tx.intakeDeadLetter.create({
    data: {
      siteId: ctx.siteId,
      sourceId: ctx.sourceId,
      runId: ctx.runId,
      kind: letter.kind,
      externalId: letter.externalId,
      payload,
      reason,
    },
    select: { id: true },
  });
  return created.id;
}

/** Closes the row's open letters of these kinds: a later attempt took it in. */
export async function closeDeadLetters(tx: TransactionClient, ctx: TakeContext, externalId: string, kinds: DeadLetterKind[]): Promise<number> {
  const closed = await tx.intakeDeadLetter.updateMany({
    where: { siteId: ctx.siteId, sourceId: ctx.sourceId, externalId, kind: { in: kinds }, status: "OPEN" },
    data: { status: "RETRIED", resolvedAt: ctx.now },
  });
  return closed.count;
}

// ---- The chunk's view of its jobs ----------------------------------------------------------------------

/** What every row of a chunk needs to know of its job: whether and what the intake took of it. */
interface KnownJob {
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

interface JobDetail {
  status: JobStatus;
  archived: boolean;
  paymentStatus: PaymentStatus;
  fields: JobFields;
  customerId: string | null;
  snapshot: OrderSnapshot | null;
}

interface IndexRow {
  external_id: string;
  id: string | null;
  number: number | null;
  record_id: string | null;
  record_source_id: string | null;
  payload_hash: string | null;
  source_updated_at: Date | null;
  has_snapshot: boolean | null;
  open_letter: boolean;
}

interface KnownJobRow {
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
  record_id: string | null;
  record_source_id: string | null;
  payload_hash: string | null;
  source_updated_at: Date | null;
  snapshot: OrderSnapshot | null;
}

function knownJobOf(row: KnownJobRow): KnownJob {
  return {
    id: row.id,
    number: row.number,
    recordId: row.record_id,
    recordSourceId: row.record_source_id,
    payloadHash: row.payload_hash,
    sourceUpdatedAt: row.source_updated_at,
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

interface CustomerRow {
  id: string;
  email: string;
  name: string;
  phone: string | null;
}

class ChunkState {
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
    const rows = await tx.$queryRaw<IndexRow[]>`
      SELECT i.external_id, j.id::text AS id, j.number, r.id::text AS record_id, r.source_id::text AS record_source_id,
             r.payload_hash, r.source_updated_at, r.snapshot IS NOT NULL AS has_snapshot,
             EXISTS (SELECT 1 FROM intake_dead_letters l
                      WHERE l.site_id = ${ctx.siteId}::uuid AND l.source_id = ${ctx.sourceId}::uuid AND l.external_id = i.external_id
                        AND l.status = 'OPEN' AND l.kind = 'INVALID') AS open_letter
        FROM unnest(${externalIds}::text[]) AS i(external_id)
        LEFT JOIN jobs j ON j.site_id = ${ctx.siteId}::uuid AND j.source = 'FEED' AND j.external_id = i.external_id
        LEFT JOIN intake_records r ON r.job_id = j.id AND r.site_id = j.site_id`;
    for (const row of rows) {
      if (row.open_letter) this.lettersMaybeOpen.add(row.external_id);
      if (row.id === null || row.number === null) continue;
      this.jobs.set(row.external_id, {
        id: row.id,
        number: row.number,
        recordId: row.record_id,
        recordSourceId: row.record_source_id,
        payloadHash: row.payload_hash,
        sourceUpdatedAt: row.source_updated_at,
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
             j.customer_id::text AS customer_id, lower(c.email) AS customer_email,
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
    const rows = await this.tx.$queryRaw<CustomerRow[]>`
      SELECT id::text AS id, lower(email) AS email, name, phone FROM customers
       WHERE site_id = ${this.ctx.siteId}::uuid AND lower(email) = ANY(${missing}::text[])
       ORDER BY created_at DESC, id DESC`;
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


// ---- Taking one order ----------------------------------------------------------------------------------

type Outcome = { count: "inserted" | "updated" | "unchanged" | "rejected"; flagged: boolean };

const FIELD_COLUMNS: Record<Exclude<keyof JobFields, "customerEmail">, true> = {
  title: true,
  notes: true,
  dueAt: true,
  quantity: true,
  material: true,
  colour: true,
  estimatedMinutes: true,
  priority: true,
  priceCents: true,
  currency: true,
  fulfilment: true,
};

async function createJob(tx: TransactionClient, ctx: TakeContext, state: ChunkState, row: ParsedRow & { ok: true }): Promise<Outcome> {
  const { order, hash } = row;
  if (order.cancelled) {
    // Nothing to make: an order cancelled before the shop ever saw it.
    await closeDeadLetters(tx, ctx, order.externalId, ["INVALID"]);
    return { count: "unchanged", flagged: false };
  }
  const paid = order.payment?.status === "PAID" ? order.payment : null;
  const paidBefore = paid ? await jobPaidWith(tx, ctx.siteId, paid.reference) : null;
  if (paid && paidBefore) {
    const reason = `Order ${order.externalId} was paid with ${paid.provider} ${paid.reference}, which is already recorded for ${formatJobNumber(paidBefore.number)}; two orders cannot share a payment.`;
    await writeDeadLetter(tx, ctx, { kind: "INVALID", externalId: order.externalId, payload: row.raw, reason });
    return { count: "rejected", flagged: false };
  }
  const customerId = await state.customerFor(order.customer);
  const queuePosition = state.positions.shift() ?? (await appendPositions(tx, ctx.siteId, 1))[0];
  const f = order.fields;
  const paymentStatus: PaymentStatus = paid ? "PAID" : "UNPAID";
  const job = await tx.job.create({
    data: {
      siteId: ctx.siteId,
      source: "FEED",
      externalId: order.externalId,
      customerId,
      title: f.title,
      material: f.material,
      colour: f.colour,
      quantity: f.quantity,
      estimatedMinutes: f.estimatedMinutes,
      dueAt: f.dueAt ? new Date(f.dueAt) : null,
      priority: f.priority,
      status: "QUEUED",
      queuePosition,
      priceCents: f.priceCents,
      currency: f.currency,
      paymentStatus,
      fulfilment: f.fulfilment,
      notes: f.notes,
      pickupCode: generatePickupCode(),
    },
    select: { id: true, number: true },
  });
  const snapshot = snapshotOf(order);
  const record = await tx.intakeRecord.create({
    data: {
      siteId: ctx.siteId,
      sourceId: ctx.sourceId,
      externalId: order.externalId,
      jobId: job.id,
      payloadHash: hash,
      sourceUpdatedAt: order.updatedAt,
      snapshot: snapshot as unknown as Prisma.InputJsonObject,
    },
    select: { id: true },
  });
  await recordJobEvent(tx, {
    siteId: ctx.siteId,
    jobId: job.id,
    actor: SYSTEM,
    type: "created",
    after: {
      status: "QUEUED",
      source: "FEED",
      externalId: order.externalId,
      title: f.title,
      queuePosition: queuePosition ?? null,
      customerId,
      intakeSourceId: ctx.sourceId,
      intakeRunId: ctx.runId,
    },
    requestId: ctx.requestId ?? undefined,
  });
  if (paid) {
    await recordFeedPayment(tx, ctx, { id: randomUUID(), jobId: job.id, payment: paid }, { paymentStatus: "UNPAID", paidCents: 0 }, paymentStatus);
  }
  await closeDeadLetters(tx, ctx, order.externalId, ["INVALID"]);
  state.locked.add(job.id);
  state.jobs.set(order.externalId, {
    id: job.id,
    number: job.number,
    recordId: record.id,
    recordSourceId: ctx.sourceId,
    payloadHash: hash,
    sourceUpdatedAt: order.updatedAt,
    hasSnapshot: true,
    detail: { status: "QUEUED", archived: false, paymentStatus, fields: f, customerId, snapshot },
  });
  return { count: "inserted", flagged: false };
}

function jsonValue(value: unknown): Prisma.InputJsonValue | null {
  if (value === undefined || value === null) return null;
  return typeof value === "number" || typeof value === "boolean" ? value : String(value);
}

async function updateJob(
  tx: TransactionClient,
  ctx: TakeContext,
  state: ChunkState,
  known: KnownJob & { detail: JobDetail },
  row: ParsedRow & { ok: true },
): Promise<Outcome> {
  const { order, hash } = row;
  const { detail } = known;
  const snapshot = detail.snapshot as OrderSnapshot;
  const jobState: JobState = { status: detail.status, archived: detail.archived, touchedByShop: state.touched.has(known.id), fields: detail.fields };
  const plan = planChange(jobState, snapshot, order);
  const label = formatJobNumber(known.number);

  // The person's contact details follow their newest order, whatever happens to this job.
  const customerId = await state.customerFor(order.customer);

  const data: Prisma.JobUncheckedUpdateInput = {};
  const before: Record<string, Prisma.InputJsonValue | null> = {};
  const after: Record<string, Prisma.InputJsonValue | null> = {};
  for (const field of MAPPED_FIELDS) {
    if (!(field in plan.changes)) continue;
    const value = plan.changes[field];
    if (field === "customerEmail") {
      data.customerId = customerId;
      before.customerId = detail.customerId;
      after.customerId = customerId;
      continue;
    }
    if (FIELD_COLUMNS[field]) {
      (data as Record<string, unknown>)[field] = field === "dueAt" ? (value ? new Date(value as string) : null) : value;
      before[field] = jsonValue(detail.fields[field]);
      after[field] = jsonValue(value);
    }
  }
  const changedFields = Object.keys(after).length > 0;
  const payment = await planOrderPayment(tx, ctx, { id: known.id, ...detail, priceCents: detail.fields.priceCents, currency: detail.fields.currency }, detail.snapshot?.payment, order.payment);
  if (payment.conflict) plan.conflicts.push(payment.conflict);
  if (payment.standing) plan.standing.push(payment.standing);
  if (payment.paymentStatus !== detail.paymentStatus) data.paymentStatus = payment.paymentStatus;
  if (plan.cancel) {
    data.status = "CANCELLED";
    data.queuePosition = null;
  }
  const written = changedFields || plan.cancel || payment.write !== null;
  if (written) {
    await tx.job.update({ where: { id: known.id, siteId: ctx.siteId }, data });
    const common = { siteId: ctx.siteId, jobId: known.id, actor: SYSTEM, requestId: ctx.requestId ?? undefined };
    if (changedFields) {
      await recordJobEvent(tx, { ...common, type: "updated", before, after: { ...after, intakeRunId: ctx.runId } });
    }
    await payment.write?.();
    if (plan.cancel) {
      await recordJobEvent(tx, {
        ...common,
        type: "status_changed",
        before: { status: detail.status },
        after: { status: "CANCELLED", queuePosition: null, note: "cancelled at the storefront", intakeRunId: ctx.runId },
      });
    }
  }

  if (plan.conflicts.length > 0) {
    const letterId = await writeDeadLetter(tx, ctx, {
      kind: "CONFLICT",
      externalId: order.externalId,
      payload: row.raw,
      reason: describeConflicts(label, jobState, plan.conflicts),
    });
    await recordJobEvent(tx, {
      siteId: ctx.siteId,
      jobId: known.id,
      actor: SYSTEM,
      type: "intake_conflict",
      after: {
        conflicts: plan.conflicts.map((c) => ({ field: c.field, job: jsonValue(c.job), source: jsonValue(c.source) })),
        deadLetterId: letterId,
        intakeRunId: ctx.runId,
      },
      requestId: ctx.requestId ?? undefined,
    });
  } else if (ctx.retry && plan.standing.length === 0) {
    await closeDeadLetters(tx, ctx, order.externalId, ["CONFLICT"]);
  }

  const nextSnapshot = snapshotOf(order);
  await tx.intakeRecord.update({
    where: { id: known.recordId as string },
    data: { payloadHash: hash, sourceUpdatedAt: order.updatedAt, snapshot: nextSnapshot as unknown as Prisma.InputJsonObject },
  });
  await closeDeadLetters(tx, ctx, order.externalId, ["INVALID"]);

  state.jobs.set(order.externalId, {
    ...known,
    payloadHash: hash,
    sourceUpdatedAt: order.updatedAt,
    hasSnapshot: true,
    detail: {
      ...detail,
      status: plan.cancel ? "CANCELLED" : detail.status,
      paymentStatus: payment.paymentStatus,
      fields: { ...detail.fields, ...plan.changes },
      customerId: "customerEmail" in plan.changes ? customerId : detail.customerId,
      snapshot: nextSnapshot,
    },
  });
  return { count: written ? "updated" : "unchanged", flagged: plan.conflicts.length > 0 };
}

/** The row asks for a plan against its job (not the same content again, not an older version, not another source's job). */
function asksForPlan(ctx: TakeContext, known: KnownJob, row: ParsedRow & { ok: true }): boolean {
  if (known.recordSourceId !== ctx.sourceId || !known.hasSnapshot) return false;
  if (known.sourceUpdatedAt && row.order.updatedAt.getTime() < known.sourceUpdatedAt.getTime()) return false;
  return ctx.retry || row.hash !== known.payloadHash;
}

async function takeOrder(tx: TransactionClient, ctx: TakeContext, state: ChunkState, row: ParsedRow & { ok: true }): Promise<Outcome> {
  const { order, hash } = row;
  let known = state.jobs.get(order.externalId);
  if (!known) return createJob(tx, ctx, state, row);

  if (asksForPlan(ctx, known, row) && !state.locked.has(known.id)) {
    // takeRows locks every job a row of the chunk plans against up front; this only covers what it could not foresee.
    await state.lockJobs([order.externalId]);
    known = state.jobs.get(order.externalId);
    if (!known) return createJob(tx, ctx, state, row);
  }
  if (known.recordSourceId !== ctx.sourceId || !known.hasSnapshot) {
    const reason = known.recordId
      ? `Order ${order.externalId} is already ${formatJobNumber(known.number)}, taken in from another feed source of this site; two sources cannot share an order id.`
      : `${formatJobNumber(known.number)} already has the storefront order id ${order.externalId} but was not taken in by this source; change one of them.`;
    await writeDeadLetter(tx, ctx, { kind: "INVALID", externalId: order.externalId, payload: row.raw, reason });
    return { count: "rejected", flagged: false };
  }
  // An older version than the one taken (a repeated page, a stale retry) never overwrites it.
  if (known.sourceUpdatedAt && order.updatedAt.getTime() < known.sourceUpdatedAt.getTime()) {
    return { count: "unchanged", flagged: false };
  }
  if (hash === known.payloadHash && !ctx.retry) {
    await closeDeadLetters(tx, ctx, order.externalId, ["INVALID"]);
    return { count: "unchanged", flagged: false };
  }
  const { detail } = known;
  if (!detail) throw new Error(`${formatJobNumber(known.number)} was to be changed without its row lock`);
  return updateJob(tx, ctx, state, { ...known, detail }, row);
}

/** One row on its own: its own savepoint, and a database refusal of its values dead-letters just it. */
async function takeOneRow(tx: TransactionClient, ctx: TakeContext, state: ChunkState, row: ParsedRow & { ok: true }): Promise<Outcome> {
  state.lettersMaybeOpen.add(row.order.externalId);
  await tx.$executeRaw`SAVEPOINT intake_row`;
  const restore = state.save(row.order);
  try {
    const outcome = await takeOrder(tx, ctx, state, row);
    await tx.$executeRaw`RELEASE SAVEPOINT intake_row`;
    return outcome;
  } catch (error) {
    // Only a refusal of this row's values is the row's fault; anything else ends the chunk.
    if (!isRowRefusal(error)) throw error;
    await tx.$executeRaw`ROLLBACK TO SAVEPOINT intake_row`;
    restore();
    await writeDeadLetter(tx, ctx, {
      kind: "INVALID",
      externalId: row.order.externalId,
      payload: row.raw,
      reason: `The database refused this order: ${databaseRefusal(error)?.message ?? "unknown reason"}`,
    });
    return { count: "rejected", flagged: false };
  }
}

function isRowRefusal(error: unknown): boolean {
  const refusal = databaseRefusal(error);
  return refusal !== null && refusal !== undefined && (refusal.reason === "VALIDATION_FAILED" || refusal.reason === "DUPLICATE");
}

// ---- Taking many orders at once ---------------------------------------------------------------------------

/**
 * What a row the set-based path takes does: `insert` a new job, or nothing but closing the row's
 * open INVALID letter (`close`: the same content again, or an order cancelled before the shop saw it).
 */
type BatchKind = "insert" | "close";

interface BatchRow {
  row: ParsedRow & { ok: true };
  kind: BatchKind;
}

/**
 * The common cases, decided from the state alone: a new order, or one whose content the intake
 * already has. Everything else (a changed order, another source's job, a retry) is the per-row path's.
 */
function batchKindOf(ctx: TakeContext, state: ChunkState, row: ParsedRow & { ok: true }): BatchKind | "older" | null {
  if (ctx.retry) return null;
  const known = state.jobs.get(row.order.externalId);
  if (!known) return row.order.cancelled ? "close" : "insert";
  if (known.recordSourceId !== ctx.sourceId || !known.hasSnapshot) return null;
  if (known.sourceUpdatedAt && row.order.updatedAt.getTime() < known.sourceUpdatedAt.getTime()) return "older";
  return row.hash === known.payloadHash ? "close" : null;
}

/** The new jobs of a batch: their customers, then jobs, intake records, `created` events and storefront payments, a statement each. */
async function insertBatch(tx: TransactionClient, ctx: TakeContext, state: ChunkState, rows: BatchRow[]): Promise<void> {
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

/** Takes rows into jobs in the caller's transaction (which acts for ctx.siteId); see the header. */
export function takeRows(tx: TransactionClient, ctx: TakeContext, rows: readonly unknown[]): Promise<TakeCounts> {
  return takeParsedRows(tx, ctx, rows.map(parseRow));
}

/**
 * Every row through the per-row path: what the set-based path must come to, row for row (the
 * tests compare the two).
 */
export function takeRowsOneByOne(tx: TransactionClient, ctx: TakeContext, rows: readonly unknown[]): Promise<TakeCounts> {
  return takeParsedRows(tx, ctx, rows.map(parseRow), { setBased: false });
}

/** takeRows for rows the caller has already read with parseRow (a run reads a page while the previous chunk commits). */
export async function takeParsedRows(
  tx: TransactionClient,
  ctx: TakeContext,
  parsed: readonly ParsedRow[],
  { setBased = true }: { setBased?: boolean } = {},
): Promise<TakeCounts> {
  const orders = parsed.filter((p): p is ParsedRow & { ok: true } => p.ok);
  const externalIds = [...new Set(orders.map((p) => p.order.externalId))];
  const state = new ChunkState(tx, ctx);

  if (externalIds.length > 0) {
    await state.loadIndex(externalIds);
    // New jobs need queue positions, and the queue lock comes before any job's row lock (the
    // order every position writer keeps): reserve them first, then lock the jobs rows will change.
    const adding = new Set(orders.filter((p) => !state.jobs.has(p.order.externalId) && !p.order.cancelled).map((p) => p.order.externalId));
    state.positions = await appendPositions(tx, ctx.siteId, adding.size);
    const planned = orders.filter((p) => {
      const known = state.jobs.get(p.order.externalId);
      return known !== undefined && asksForPlan(ctx, known, p);
    });
    await state.lockJobs([...new Set(planned.map((p) => p.order.externalId))]);
    const plannedSet = new Set(planned);
    await state.loadCustomers(orders.filter((p) => !state.jobs.has(p.order.externalId) || plannedSet.has(p)).map((p) => p.order.customer.email));
  }

  const counts = emptyCounts();
  const tally = (outcome: Outcome) => {
    counts[outcome.count] += 1;
    if (outcome.flagged) counts.flagged += 1;
  };

  // Rows the set-based path takes, gathered until a row must see their effects first.
  let batch: BatchRow[] = [];
  const batchIds = new Set<string>();
  const batchEmails = new Set<string>();
  const flush = async () => {
    if (batch.length === 0) return;
    const taking = batch;
    batch = [];
    batchIds.clear();
    batchEmails.clear();
    const inserting = taking.filter((r) => r.kind === "insert");
    const closing = [...new Set(taking.map((r) => r.row.order.externalId))].filter((id) => state.lettersMaybeOpen.has(id));
    if (inserting.length === 0) {
      await closeInvalidLetters(tx, ctx, closing);
    } else {
      const restore = state.saveAll();
      await tx.$executeRaw`SAVEPOINT intake_set`;
      try {
        await insertBatch(tx, ctx, state, inserting);
        await closeInvalidLetters(tx, ctx, closing);
        await tx.$executeRaw`RELEASE SAVEPOINT intake_set`;
      } catch (error) {
        if (!isRowRefusal(error)) throw error;
        // Some row's values are refused: take these rows one by one, which dead-letters just that one.
        await tx.$executeRaw`ROLLBACK TO SAVEPOINT intake_set`;
        restore();
        for (const { row } of taking) tally(await takeOneRow(tx, ctx, state, row));
        return;
      }
    }
    for (const id of closing) state.lettersMaybeOpen.delete(id);
    for (const { kind } of taking) counts[kind === "insert" ? "inserted" : "unchanged"] += 1;
  };

  for (const row of parsed) {
    counts.seen += 1;
    if (!row.ok) {
      if (row.externalId !== null && batchIds.has(row.externalId)) await flush();
      await writeDeadLetter(tx, ctx, { kind: "INVALID", externalId: row.externalId, payload: row.raw, reason: row.reason });
      if (row.externalId !== null) state.lettersMaybeOpen.add(row.externalId);
      counts.rejected += 1;
      continue;
    }
    const { externalId, customer } = row.order;
    // A second row of the same order is decided on what the first one did.
    if (batchIds.has(externalId)) await flush();
    const kind = setBased ? batchKindOf(ctx, state, row) : null;
    if (kind === "older") {
      // An older version than the one taken (a repeated page) never overwrites it.
      counts.unchanged += 1;
      continue;
    }
    if (kind !== null) {
      batch.push({ row, kind });
      batchIds.add(externalId);
      if (kind === "insert") batchEmails.add(customer.email);
      continue;
    }
    // The per-row path; it shares only the order and the customer with rows gathered before it.
    if (batchEmails.has(customer.email)) await flush();
    tally(await takeOneRow(tx, ctx, state, row));
  }
  await flush();
  return counts;
}
