import { formatJobNumber, generatePickupCode, type PaymentStatus } from "@orderdeck/contracts";
import { randomUUID } from "node:crypto";
import type { Prisma, TransactionClient } from "@orderdeck/db";
import { databaseRefusal } from "../database-refusals.ts";
import { recordJobEvent } from "../jobs/events.ts";
import { appendPositions } from "../jobs/queue.ts";
import { closeDeadLetters, writeDeadLetter } from "./dead-letters.ts";
import { MAPPED_FIELDS, describeConflicts, planChange, snapshotOf, type JobFields, type JobState, type OrderSnapshot } from "./mapping.ts";
import { jobPaidWith, planOrderPayment, recordFeedPayment } from "./payment.ts";
import type { TakeContext } from "./take-context.ts";
import type { ParsedRow } from "./take-parse.ts";
import type { ChunkState, JobDetail, KnownJob } from "./take-state.ts";

// Taking one order: a new job, or what planChange allows of a known one, each row under its own
// savepoint. The set-based path (take-batch.ts) must leave what this one leaves, row for row.

export type Outcome = { count: "inserted" | "updated" | "unchanged" | "rejected"; flagged: boolean };

const SYSTEM = { kind: "SYSTEM" } as const;

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
      rawHash: row.rawHash,
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
    data: { payloadHash: hash, rawHash: row.rawHash, sourceUpdatedAt: order.updatedAt, snapshot: nextSnapshot as unknown as Prisma.InputJsonObject },
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
export function asksForPlan(ctx: TakeContext, known: KnownJob, row: ParsedRow & { ok: true }): boolean {
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
export async function takeOneRow(tx: TransactionClient, ctx: TakeContext, state: ChunkState, row: ParsedRow & { ok: true }): Promise<Outcome> {
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

export function isRowRefusal(error: unknown): boolean {
  const refusal = databaseRefusal(error);
  return refusal !== null && refusal !== undefined && (refusal.reason === "VALIDATION_FAILED" || refusal.reason === "DUPLICATE");
}
