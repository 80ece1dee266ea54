import { DomainError, formatJobNumber } from "@orderdeck/contracts";
import type { TransactionClient } from "@orderdeck/db";

/**
 * Queue positions are sort keys, not ranks: consecutive jobs are QUEUE_GAP apart when the queue
 * is laid out, so that a move usually changes one row (the moved job) instead of shifting every
 * job between its old and new place. A shifted job would get a new version, and whoever was
 * editing it would be told someone else had changed it. When two neighbours are adjacent (or the
 * int4 range runs out) the site's open jobs are laid out again, once.
 *
 * Every writer of positions takes the site's queue lock first (`lockSiteQueue`), so concurrent
 * moves and appends see each other's committed positions and never race to the same number; the
 * deferrable unique constraint jobs_site_id_queue_position_key is the wall behind that.
 * Clearing a position (a job leaving the board) needs no lock: it cannot collide with anything.
 */
export const QUEUE_GAP = 1024;
const MAX_POSITION = 2_147_483_647;
const MIN_POSITION = -2_147_483_648;

/**
 * Serialises the position writers of one site until the transaction ends. Read committed
 * isolation then lets each holder read the previous holder's committed positions.
 */
export async function lockSiteQueue(tx: TransactionClient, siteId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('orderdeck.queue:' || ${siteId}::text, 0))`;
}

/** A position after every job on the board; takes the site's queue lock. */
export async function appendPosition(tx: TransactionClient, siteId: string): Promise<number> {
  const [position] = await appendPositions(tx, siteId, 1);
  return position as number;
}

/**
 * `count` positions after every job on the board, in order, for jobs the caller is about to add
 * (an import or an intake chunk): the site's queue lock is taken once for all of them.
 */
export async function appendPositions(tx: TransactionClient, siteId: string, count: number): Promise<number[]> {
  if (count <= 0) return [];
  await lockSiteQueue(tx, siteId);
  const last = await lastPosition(tx, siteId);
  let start = last ?? 0;
  if (start > MAX_POSITION - count * QUEUE_GAP) start = (await layOut(tx, siteId, null)) * QUEUE_GAP;
  if (start > MAX_POSITION - count * QUEUE_GAP) {
    throw new DomainError("VALIDATION_FAILED", `The queue has no room for ${count} more jobs; close or archive some first.`);
  }
  return Array.from({ length: count }, (_, i) => start + (i + 1) * QUEUE_GAP);
}

async function lastPosition(tx: TransactionClient, siteId: string): Promise<number | null> {
  const rows = await tx.$queryRaw<Array<{ max: number | null }>>`
    SELECT max(queue_position) AS max FROM jobs WHERE site_id = ${siteId}::uuid`;
  return rows[0]?.max ?? null;
}

export type QueueAnchor = { before: string } | { after: string };

export interface QueueMove {
  jobId: string;
  from: number;
  to: number;
  /** The whole queue was laid out again to make room. */
  laidOut: boolean;
  /** Nothing changed: the job already stood there. */
  unchanged: boolean;
}

interface BoardRow {
  id: string;
  number: number;
  queue_position: number | null;
}

/**
 * Moves one open job directly before or after another open job of the site. Takes the site's
 * queue lock, so the neighbours it reads are the neighbours it writes between.
 */
export async function moveInQueue(tx: TransactionClient, siteId: string, jobId: string, anchor: QueueAnchor): Promise<QueueMove> {
  await lockSiteQueue(tx, siteId);
  const targetId = "before" in anchor ? anchor.before : anchor.after;
  const rows = await tx.$queryRaw<BoardRow[]>`
    SELECT id::text AS id, number, queue_position FROM jobs
     WHERE site_id = ${siteId}::uuid AND id IN (${jobId}::uuid, ${targetId}::uuid)`;
  const job = rows.find((r) => r.id === jobId);
  const target = rows.find((r) => r.id === targetId);
  if (!job) throw new DomainError("NOT_FOUND", "That job does not exist (or not at this site).");
  if (!target) throw new DomainError("NOT_FOUND", "The job to place it next to does not exist (or not at this site).");
  if (job.queue_position === null) {
    throw new DomainError("INVALID_TRANSITION", `${formatJobNumber(job.number)} is closed and has no place in the queue.`);
  }
  if (target.queue_position === null) {
    throw new DomainError("INVALID_TRANSITION", `${formatJobNumber(target.number)} is closed and has no place in the queue to move next to.`);
  }
  const from = job.queue_position;
  const pivot = target.queue_position;

  // The neighbours of the gap the job goes into, not counting the job itself.
  let lower: number | null;
  let upper: number | null;
  if ("before" in anchor) {
    upper = pivot;
    lower = await neighbour(tx, siteId, jobId, pivot, "below");
  } else {
    lower = pivot;
    upper = await neighbour(tx, siteId, jobId, pivot, "above");
  }
  if ((lower === null || lower < from) && (upper === null || from < upper)) {
    return { jobId, from, to: from, laidOut: false, unchanged: true };
  }

  const to = positionBetween(lower, upper);
  if (to !== null) {
    await setPosition(tx, siteId, jobId, to);
    return { jobId, from, to, laidOut: false, unchanged: false };
  }
  await layOut(tx, siteId, { jobId, anchor });
  const moved = await tx.$queryRaw<Array<{ queue_position: number }>>`
    SELECT queue_position FROM jobs WHERE site_id = ${siteId}::uuid AND id = ${jobId}::uuid`;
  return { jobId, from, to: moved[0]?.queue_position ?? from, laidOut: true, unchanged: false };
}

async function neighbour(
  tx: TransactionClient,
  siteId: string,
  excludeId: string,
  pivot: number,
  side: "below" | "above",
): Promise<number | null> {
  const rows =
    side === "below"
      ? await tx.$queryRaw<Array<{ p: number }>>`
          SELECT queue_position AS p FROM jobs
           WHERE site_id = ${siteId}::uuid AND queue_position < ${pivot} AND id <> ${excludeId}::uuid
           ORDER BY queue_position DESC LIMIT 1`
      : await tx.$queryRaw<Array<{ p: number }>>`
          SELECT queue_position AS p FROM jobs
           WHERE site_id = ${siteId}::uuid AND queue_position > ${pivot} AND id <> ${excludeId}::uuid
           ORDER BY queue_position ASC LIMIT 1`;
  return rows[0]?.p ?? null;
}

/** A free position strictly between two neighbours (either may be open-ended), or null when there is none. */
export function positionBetween(lower: number | null, upper: number | null): number | null {
  if (lower === null && upper === null) return QUEUE_GAP;
  if (lower === null) return (upper as number) - QUEUE_GAP >= MIN_POSITION ? (upper as number) - QUEUE_GAP : null;
  if (upper === null) return lower + QUEUE_GAP <= MAX_POSITION ? lower + QUEUE_GAP : null;
  if (upper - lower < 2) return null;
  return lower + Math.floor((upper - lower) / 2);
}

async function setPosition(tx: TransactionClient, siteId: string, jobId: string, position: number): Promise<void> {
  await tx.$executeRaw`UPDATE jobs SET queue_position = ${position} WHERE site_id = ${siteId}::uuid AND id = ${jobId}::uuid`;
}

/**
 * Lays the site's open jobs out QUEUE_GAP apart in their current order, with `move` applied
 * first when given. The caller holds the queue lock. Returns how many jobs are on the board.
 */
async function layOut(tx: TransactionClient, siteId: string, move: { jobId: string; anchor: QueueAnchor } | null): Promise<number> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id::text AS id FROM jobs WHERE site_id = ${siteId}::uuid AND queue_position IS NOT NULL ORDER BY queue_position`;
  let order = rows.map((r) => r.id);
  if (move) {
    order = order.filter((id) => id !== move.jobId);
    const targetId = "before" in move.anchor ? move.anchor.before : move.anchor.after;
    const at = order.indexOf(targetId) + ("before" in move.anchor ? 0 : 1);
    order.splice(at, 0, move.jobId);
  }
  const positions = order.map((_, i) => (i + 1) * QUEUE_GAP);
  // One statement renumbers every job; deferring the uniqueness check to commit lets positions
  // pass through each other's old values on the way.
  await tx.$executeRaw`SET CONSTRAINTS jobs_site_id_queue_position_key DEFERRED`;
  await tx.$executeRaw`
    UPDATE jobs AS j SET queue_position = v.position
      FROM unnest(${order}::uuid[], ${positions}::int[]) AS v(id, position)
     WHERE j.site_id = ${siteId}::uuid AND j.id = v.id AND j.queue_position IS DISTINCT FROM v.position`;
  return order.length;
}
