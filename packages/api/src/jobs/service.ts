import {
  DomainError,
  JOB_TIMELINE_LIMIT,
  formatJobNumber,
  generatePickupCode,
  isTerminal,
  type JobCreateInput,
  type JobDetail,
  type JobMoneyChange,
  type JobUpdateInput,
  type JobWithTimeline,
  type TimelineEvent,
} from "@orderdeck/contracts";
import { inSite, type Prisma, type TransactionClient } from "@orderdeck/db";
import type { z } from "zod";
import { NOT_FOUND_MESSAGE, PEOPLE, checkVersion, detailOf, lockJob, nowOf, reload, type JobServiceCall } from "./call.ts";
import { actorOf, recordJobEvent } from "./events.ts";
import { checkMoneyChange } from "./money-rules.ts";
import { appendPosition } from "./queue.ts";

// Reading, creating and editing jobs; moving them along is lifecycle.ts.

async function requireCustomer(tx: TransactionClient, siteId: string, customerId: string): Promise<void> {
  const found = await tx.customer.findFirst({ where: { id: customerId, siteId }, select: { id: true } });
  if (!found) throw new DomainError("NOT_FOUND", "That customer does not exist (or not at this site).");
}

async function requireAssignee(tx: TransactionClient, siteId: string, userId: string): Promise<void> {
  const found = await tx.user.findFirst({ where: { id: userId, siteId }, select: { disabled: true } });
  if (!found) throw new DomainError("NOT_FOUND", "That person does not exist (or not at this site).");
  if (found.disabled) throw new DomainError("VALIDATION_FAILED", "That person's account is disabled; assign someone else.");
}

// ---- Reading ------------------------------------------------------------------------------------

export async function getJob(call: JobServiceCall, id: string): Promise<JobWithTimeline> {
  const { siteId } = call.principal;
  const now = nowOf(call);
  return inSite(call.prisma, siteId, async (tx) => {
    const job = await tx.job.findFirst({ where: { id, siteId }, include: PEOPLE });
    if (!job) throw new DomainError("NOT_FOUND", NOT_FOUND_MESSAGE);
    const events = await tx.jobEvent.findMany({
      where: { jobId: id, siteId },
      orderBy: [{ at: "desc" }, { id: "desc" }],
      take: JOB_TIMELINE_LIMIT + 1,
      include: { actorUser: { select: { name: true } }, actorStation: { select: { name: true } } },
    });
    const timeline: TimelineEvent[] = events.slice(0, JOB_TIMELINE_LIMIT).map((e) => ({
      id: e.id,
      at: e.at.toISOString(),
      type: e.type,
      actor: {
        kind: e.actorKind,
        userId: e.actorUserId,
        userName: e.actorUser?.name ?? null,
        stationId: e.actorStationId,
        stationName: e.actorStation?.name ?? null,
      },
      before: e.before ?? null,
      after: e.after ?? null,
      requestId: e.requestId,
    }));
    return { job: await detailOf(tx, siteId, job, now), timeline, timelineTruncated: events.length > JOB_TIMELINE_LIMIT };
  });
}

// ---- Creating -----------------------------------------------------------------------------------

type CreateInput = z.output<typeof JobCreateInput>;

export async function createJob(call: JobServiceCall, input: CreateInput): Promise<JobDetail> {
  const { siteId } = call.principal;
  const now = nowOf(call);
  return inSite(call.prisma, siteId, async (tx) => {
    const site = await tx.site.findFirst({ where: { id: siteId }, select: { defaultCurrency: true } });
    if (!site) throw new DomainError("NOT_FOUND", "This site no longer exists.");
    let customerId: string | null = null;
    if (input.customerId) {
      await requireCustomer(tx, siteId, input.customerId);
      customerId = input.customerId;
    } else if (input.customer) {
      const customer = await tx.customer.create({
        data: { siteId, name: input.customer.name, email: input.customer.email ?? null, phone: input.customer.phone ?? null },
      });
      customerId = customer.id;
    }
    if (input.assigneeId) await requireAssignee(tx, siteId, input.assigneeId);
    const queuePosition = await appendPosition(tx, siteId);
    const job = await tx.job.create({
      data: {
        siteId,
        source: "MANUAL",
        customerId,
        title: input.title,
        material: input.material ?? null,
        colour: input.colour ?? null,
        quantity: input.quantity,
        estimatedMinutes: input.estimatedMinutes ?? null,
        dueAt: input.dueAt ? new Date(input.dueAt) : null,
        priority: input.priority,
        status: "QUEUED",
        queuePosition,
        assigneeId: input.assigneeId ?? null,
        machine: input.machine ?? null,
        priceCents: input.priceCents,
        currency: input.currency ?? site.defaultCurrency,
        fulfilment: input.fulfilment,
        pickupCode: generatePickupCode(),
        notes: input.notes ?? null,
      },
      include: PEOPLE,
    });
    await recordJobEvent(tx, {
      siteId,
      jobId: job.id,
      actor: actorOf(call.principal),
      type: "created",
      after: { status: job.status, source: job.source, title: job.title, queuePosition, customerId },
      requestId: call.requestId,
    });
    return detailOf(tx, siteId, job, now);
  });
}

// ---- Editing ------------------------------------------------------------------------------------

type UpdateInput = z.output<typeof JobUpdateInput>;
type EditableField = Exclude<keyof UpdateInput, "id" | "version">;

/** Fields of a closed job that may still change: a note is an annotation, not a change to the work. */
const EDITABLE_WHEN_CLOSED: ReadonlySet<EditableField> = new Set(["notes"]);

function comparable(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

export async function updateJob(call: JobServiceCall, input: UpdateInput): Promise<JobDetail> {
  const { siteId } = call.principal;
  return inSite(call.prisma, siteId, async (tx) => {
    await updateInTx(call, tx, input);
    return reload(tx, siteId, input.id, nowOf(call));
  });
}

/** Edits a job inside the caller's transaction (jobs.update's, or a console's replayed note). */
export async function updateInTx(call: JobServiceCall, tx: TransactionClient, input: UpdateInput): Promise<void> {
  const { siteId } = call.principal;
  const now = nowOf(call);
  const job = await lockJob(tx, siteId, input.id);
  await checkVersion(tx, siteId, job, input.version, now);

  const wanted: Partial<Record<EditableField, unknown>> = {};
  for (const [key, value] of Object.entries(input) as Array<[keyof UpdateInput, unknown]>) {
    if (key === "id" || key === "version" || value === undefined) continue;
    wanted[key] = key === "dueAt" && typeof value === "string" ? new Date(value) : value;
  }
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wanted) as Array<[EditableField, unknown]>) {
    const current = (job as unknown as Record<string, unknown>)[key];
    if (comparable(current) === comparable(value)) continue;
    before[key] = comparable(current) ?? null;
    after[key] = comparable(value) ?? null;
  }
  const changed = Object.keys(after) as EditableField[];
  if (changed.length === 0) return;

  if (job.archivedAt) {
    throw new DomainError("INVALID_TRANSITION", `${formatJobNumber(job.number)} is archived; restore it before changing it.`);
  }
  if (isTerminal(job.status)) {
    const frozen = changed.filter((k) => !EDITABLE_WHEN_CLOSED.has(k));
    if (frozen.length > 0) {
      throw new DomainError(
        "INVALID_TRANSITION",
        `${formatJobNumber(job.number)} is ${job.status}; only its notes can change now (not ${frozen.join(", ")}).`,
        { status: job.status, fields: frozen },
      );
    }
  }
  // `after` holds exactly the fields that change, with their new values.
  await checkMoneyChange(tx, call.principal, job, after as JobMoneyChange);
  if (typeof wanted.customerId === "string" && "customerId" in after) await requireCustomer(tx, siteId, wanted.customerId);
  if (typeof wanted.assigneeId === "string" && "assigneeId" in after) await requireAssignee(tx, siteId, wanted.assigneeId);

  const data: Prisma.JobUncheckedUpdateInput = {};
  for (const key of changed) (data as Record<string, unknown>)[key] = wanted[key];
  await tx.job.update({ where: { id: job.id, siteId, version: job.version }, data });
  await recordJobEvent(tx, {
    siteId,
    jobId: job.id,
    actor: actorOf(call.principal),
    type: "updated",
    before: before as Prisma.InputJsonObject,
    after: after as Prisma.InputJsonObject,
    requestId: call.requestId,
  });
}

/** Sets or clears the assignee, whatever the version (bulk edits apply to the job as it is). */
export async function assignInTx(call: JobServiceCall, tx: TransactionClient, id: string, assigneeId: string | null): Promise<void> {
  const { siteId } = call.principal;
  const job = await lockJob(tx, siteId, id);
  if (job.assigneeId === assigneeId) return;
  if (job.archivedAt || isTerminal(job.status)) {
    throw new DomainError("INVALID_TRANSITION", `${formatJobNumber(job.number)} is ${job.status}; its assignee no longer changes.`);
  }
  if (assigneeId) await requireAssignee(tx, siteId, assigneeId);
  await tx.job.update({ where: { id, siteId }, data: { assigneeId } });
  await recordJobEvent(tx, {
    siteId,
    jobId: id,
    actor: actorOf(call.principal),
    type: "updated",
    before: { assigneeId: job.assigneeId },
    after: { assigneeId },
    requestId: call.requestId,
  });
}
