import {
  DomainError,
  allowedNextStatuses,
  canTransition,
  formatJobNumber,
  isOpen,
  isTerminal,
  type JobDetail,
  type JobReorderInput,
  type JobReorderResult,
  type JobStatus,
  type JobTransitionInput,
} from "@orderdeck/contracts";
import { inSite, type TransactionClient } from "@orderdeck/db";
import type { z } from "zod";
import { NOT_FOUND_MESSAGE, PEOPLE, checkVersion, detailOf, lockJob, nowOf, type JobServiceCall } from "./call.ts";
import { actorOf, recordJobEvent } from "./events.ts";
import { checkShipment } from "./money-rules.ts";
import { afterStatusChange } from "./notify.ts";
import type { JobWithPeople } from "./present.ts";
import { appendPosition, lockSiteQueue, moveInQueue } from "./queue.ts";

// Moving a job along: its status, its place in the queue, archiving and restoring it.

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
