import {
  DomainError,
  JOB_TIMELINE_LIMIT,
  allowedNextStatuses,
  canTransition,
  formatJobNumber,
  generatePickupCode,
  isOpen,
  isTerminal,
  type JobCreateInput,
  type JobDetail,
  type JobMoneyChange,
  type JobReorderInput,
  type JobReorderResult,
  type JobStatus,
  type JobTransitionInput,
  type JobUpdateInput,
  type JobWithTimeline,
  type TimelineEvent,
} from "@orderdeck/contracts";
import { inSite, type Prisma, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import type { z } from "zod";
import type { Principal } from "../auth/principal.ts";
import { actorOf, recordJobEvent } from "./events.ts";
import { siteThresholds } from "./list.ts";
import { checkMoneyChange, checkShipment } from "./money-rules.ts";
import { afterStatusChange } from "./notify.ts";
import { detailRowOf, presentDetail, type JobWithPeople } from "./present.ts";
import { appendPosition, lockSiteQueue, moveInQueue } from "./queue.ts";

/** Who is asking and through which request: what every job change records in its event. */
export interface JobServiceCall {
  prisma: PrismaClient;
  principal: Principal;
  requestId: string;
  now?: () => Date;
}

const nowOf = (call: JobServiceCall): Date => (call.now ? call.now() : new Date());

const PEOPLE = {
  customer: { select: { name: true, email: true, phone: true } },
  assignee: { select: { name: true } },
} as const;

const NOT_FOUND_MESSAGE = "That job does not exist (or not at this site).";

/** The job, locked for the rest of the transaction; NOT_FOUND for another site's or a missing id. */
export async function lockJob(tx: TransactionClient, siteId: string, id: string): Promise<JobWithPeople> {
  const locked = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id::text AS id FROM jobs WHERE site_id = ${siteId}::uuid AND id = ${id}::uuid FOR UPDATE`;
  if (locked.length === 0) throw new DomainError("NOT_FOUND", NOT_FOUND_MESSAGE);
  const job = await tx.job.findFirst({ where: { id, siteId }, include: PEOPLE });
  if (!job) throw new DomainError("NOT_FOUND", NOT_FOUND_MESSAGE);
  return job;
}

async function detailOf(tx: TransactionClient, siteId: string, job: JobWithPeople, now: Date): Promise<JobDetail> {
  return presentDetail(detailRowOf(job), now, await siteThresholds(tx, siteId));
}

async function reload(tx: TransactionClient, siteId: string, id: string, now: Date): Promise<JobDetail> {
  const job = await tx.job.findFirst({ where: { id, siteId }, include: PEOPLE });
  if (!job) throw new DomainError("NOT_FOUND", NOT_FOUND_MESSAGE);
  return detailOf(tx, siteId, job, now);
}

/** Refuses a change made against an older version, handing back the row as it is now. */
async function checkVersion(tx: TransactionClient, siteId: string, job: JobWithPeople, version: number | undefined, now: Date) {
  if (version === undefined || version === job.version) return;
  throw new DomainError(
    "VERSION_CONFLICT",
    `${formatJobNumber(job.number)} was changed by someone else (you had version ${version}, it is now ${job.version}). Look at the current job and try again.`,
    { current: await detailOf(tx, siteId, job, now) },
  );
}

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

// ---- Status -------------------------------------------------------------------------------------

type TransitionInput = z.output<typeof JobTransitionInput>;

function listStatuses(statuses: readonly JobStatus[]): string {
  if (statuses.length === 0) return "nothing (it is closed)";
  if (statuses.length === 1) return statuses[0] as string;
  return `${statuses.slice(0, -1).join(", ")} or ${statuses.at(-1)}`;
}

/** Why `to` is refused for this job, or null when the machine and this procedure allow it. */
function transitionRefusal(job: JobWithPeople, to: JobStatus): DomainError | null {
  const allowed = allowedNextStatuses(job.status, job.fulfilment);
  const label = formatJobNumber(job.number);
  const details = { from: job.status, to, fulfilment: job.fulfilment, allowed };
  if (to === "PICKED_UP" && canTransition(job.status, to, job.fulfilment)) {
    return new DomainError(
      "INVALID_TRANSITION",
      `${label} is handed over by scanning its pickup code at the counter, which checks payment and records who collected it.`,
      { ...details, use: "pickup scan" },
    );
  }
  if (!canTransition(job.status, to, job.fulfilment)) {
    return new DomainError(
      "INVALID_TRANSITION",
      `${label} is ${job.status} and cannot become ${to}; it can become ${listStatuses(allowed)}.`,
      details,
    );
  }
  return null;
}

/** Moves a job along the status machine inside the caller's transaction. */
export async function transitionInTx(call: JobServiceCall, tx: TransactionClient, input: TransitionInput): Promise<JobWithPeople> {
  const { siteId } = call.principal;
  const now = nowOf(call);
  // A reprint goes to the end of the queue, so it takes the queue lock, and takes it before the
  // row lock, in the same order as every other position writer.
  if (input.to === "QUEUED") await lockSiteQueue(tx, siteId);
  const job = await lockJob(tx, siteId, input.id);
  await checkVersion(tx, siteId, job, input.version, now);
  const refusal = transitionRefusal(job, input.to);
  if (refusal) throw refusal;
  await checkShipment(tx, siteId, job, input.to);

  let queuePosition = job.queuePosition;
  if (!isOpen(input.to)) queuePosition = null;
  else if (job.status === "FAILED" && input.to === "QUEUED") queuePosition = await appendPosition(tx, siteId);

  const updated = await tx.job.update({
    where: { id: job.id, siteId, version: job.version },
    data: { status: input.to, queuePosition },
    include: PEOPLE,
  });
  await recordJobEvent(tx, {
    siteId,
    jobId: job.id,
    actor: actorOf(call.principal),
    type: "status_changed",
    before: { status: job.status, queuePosition: job.queuePosition },
    after: { status: input.to, queuePosition, ...(input.note ? { note: input.note } : {}) },
    requestId: call.requestId,
  });
  await afterStatusChange(tx, { siteId, job: updated, from: job.status, at: now });
  return updated;
}

export async function transitionJob(call: JobServiceCall, input: TransitionInput): Promise<JobDetail> {
  const { siteId } = call.principal;
  return inSite(call.prisma, siteId, async (tx) => {
    const job = await transitionInTx(call, tx, input);
    return detailOf(tx, siteId, job, nowOf(call));
  });
}

// ---- Queue order --------------------------------------------------------------------------------

type ReorderInput = z.output<typeof JobReorderInput>;

export type ReorderResult = JobReorderResult;

export async function reorderJob(call: JobServiceCall, input: ReorderInput): Promise<ReorderResult> {
  const { siteId } = call.principal;
  const anchor = input.before !== undefined ? { before: input.before } : { after: input.after as string };
  return inSite(call.prisma, siteId, async (tx) => {
    const move = await moveInQueue(tx, siteId, input.id, anchor);
    const rows = await tx.$queryRaw<Array<{ version: number; change_seq: string }>>`
      SELECT version, change_seq::text AS change_seq FROM jobs WHERE site_id = ${siteId}::uuid AND id = ${input.id}::uuid`;
    const row = rows[0];
    if (!row) throw new DomainError("NOT_FOUND", NOT_FOUND_MESSAGE);
    if (!move.unchanged) {
      await recordJobEvent(tx, {
        siteId,
        jobId: input.id,
        actor: actorOf(call.principal),
        type: "reordered",
        before: { queuePosition: move.from },
        // The change sequence orders moves as they took effect (they run under the queue lock),
        // which the event time (the transaction's start) does not.
        after: { queuePosition: move.to, ...anchor, renumbered: move.laidOut, changeSeq: row.change_seq },
        requestId: call.requestId,
      });
    }
    return { id: input.id, queuePosition: move.to, version: row.version, renumbered: move.laidOut };
  });
}

// ---- Archive ------------------------------------------------------------------------------------

export async function archiveInTx(call: JobServiceCall, tx: TransactionClient, id: string, version?: number): Promise<JobWithPeople> {
  const { siteId } = call.principal;
  const now = nowOf(call);
  const job = await lockJob(tx, siteId, id);
  await checkVersion(tx, siteId, job, version, now);
  if (job.archivedAt) return job;
  if (!isTerminal(job.status)) {
    throw new DomainError(
      "INVALID_TRANSITION",
      `${formatJobNumber(job.number)} is ${job.status}; only picked-up, shipped or cancelled jobs are archived.`,
      { status: job.status },
    );
  }
  const updated = await tx.job.update({ where: { id, siteId, version: job.version }, data: { archivedAt: now }, include: PEOPLE });
  await recordJobEvent(tx, {
    siteId,
    jobId: id,
    actor: actorOf(call.principal),
    type: "archived",
    before: { archivedAt: null },
    after: { archivedAt: now.toISOString() },
    requestId: call.requestId,
  });
  return updated;
}

export async function archiveJob(call: JobServiceCall, input: { id: string; version?: number | undefined }): Promise<JobDetail> {
  const { siteId } = call.principal;
  return inSite(call.prisma, siteId, async (tx) => {
    const job = await archiveInTx(call, tx, input.id, input.version);
    return detailOf(tx, siteId, job, nowOf(call));
  });
}

export async function restoreJob(call: JobServiceCall, input: { id: string; version?: number | undefined }): Promise<JobDetail> {
  const { siteId } = call.principal;
  const now = nowOf(call);
  return inSite(call.prisma, siteId, async (tx) => {
    const job = await lockJob(tx, siteId, input.id);
    await checkVersion(tx, siteId, job, input.version, now);
    if (!job.archivedAt) return detailOf(tx, siteId, job, now);
    const updated = await tx.job.update({
      where: { id: job.id, siteId, version: job.version },
      data: { archivedAt: null },
      include: PEOPLE,
    });
    await recordJobEvent(tx, {
      siteId,
      jobId: job.id,
      actor: actorOf(call.principal),
      type: "restored",
      before: { archivedAt: job.archivedAt.toISOString() },
      after: { archivedAt: null },
      requestId: call.requestId,
    });
    return detailOf(tx, siteId, updated, now);
  });
}
