// The operations view: a site's background jobs (graphile-worker's), their state and errors, and
// what a lead can do about them. graphile-worker's tables are read and its admin functions called
// as the tables' owner (the application role has no rights on that schema), so the site wall is
// here: every query and action is limited to jobs whose payload names the caller's site, which
// app_enqueue guarantees for every job a site's change creates. Schedule (cron) jobs belong to no
// site and are not shown.
import { DomainError, type OperationsOverview, type TaskActionResult, type TaskPage, type TaskState, type TaskView } from "@orderdeck/contracts";
import { actForSite, Prisma, WORKER_SCHEMA, type TransactionClient } from "@orderdeck/db";
import { writeCallerAudit, type AuditAction } from "../audit/log.ts";
import type { AuthedContext } from "../context.ts";
import { recordGiveUp } from "../background/tasks.ts";
import { DEFAULT_OPERATIONS_POLICY, type OperationsPolicy } from "./policy.ts";

const JOBS = Prisma.raw(`${WORKER_SCHEMA}._private_jobs`);
const TASKS_TABLE = Prisma.raw(`${WORKER_SCHEMA}._private_tasks`);

function policyOf(ctx: AuthedContext): OperationsPolicy {
  return {
    heartbeatStaleMs: ctx.background?.heartbeatStaleMs ?? DEFAULT_OPERATIONS_POLICY.heartbeatStaleMs,
    stuckAfterMs: ctx.background?.stuckAfterMs ?? DEFAULT_OPERATIONS_POLICY.stuckAfterMs,
  };
}

/**
 * The state of job `j`: locked by a worker that stopped beating or for longer than stuckAfter =
 * STUCK; locked otherwise = RUNNING; out of attempts = FAILED (graphile-worker keeps it, but will
 * not run it again); failed before and waiting for its next attempt = RETRYING; else QUEUED (due
 * now, or scheduled for later).
 */
function stateSql(policy: OperationsPolicy): Prisma.Sql {
  return Prisma.sql`CASE
    WHEN j.locked_at IS NOT NULL AND (
      j.locked_at < now() - ${policy.stuckAfterMs}::int * interval '1 millisecond'
      OR NOT EXISTS (
        SELECT 1 FROM worker_heartbeats h
         WHERE h.worker_id = j.locked_by AND h.last_beat_at >= now() - ${policy.heartbeatStaleMs}::int * interval '1 millisecond'
      )
    ) THEN 'STUCK'
    WHEN j.locked_at IS NOT NULL THEN 'RUNNING'
    WHEN j.attempts >= j.max_attempts THEN 'FAILED'
    WHEN j.attempts > 0 THEN 'RETRYING'
    ELSE 'QUEUED' END`;
}

interface JobRow {
  id: string;
  task: string;
  state: TaskState;
  attempts: number;
  max_attempts: number;
  run_at: Date;
  last_error: string | null;
  locked_at: Date | null;
  locked_by: string | null;
  created_at: Date;
  key: string | null;
  payload: unknown;
}

function viewOf(row: JobRow, siteId: string): TaskView {
  const prefix = `${siteId}:`;
  return {
    id: row.id,
    task: row.task,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at.toISOString(),
    lastError: row.last_error,
    lockedAt: row.locked_at?.toISOString() ?? null,
    lockedBy: row.locked_by,
    createdAt: row.created_at.toISOString(),
    key: row.key?.startsWith(prefix) ? row.key.slice(prefix.length) : row.key,
    payload: row.payload,
  };
}

export interface TaskListQuery {
  states?: TaskState[] | undefined;
  task?: string | undefined;
  /** The last id of the previous page. */
  cursor?: string | undefined;
  limit: number;
}

/** The site's jobs, newest first, filtered by state and task, a page at a time. */
export async function listTasks(ctx: AuthedContext, query: TaskListQuery): Promise<TaskPage> {
  const { siteId } = ctx.principal;
  const filters: Prisma.Sql[] = [Prisma.sql`true`];
  if (query.states && query.states.length > 0) filters.push(Prisma.sql`state = ANY(${query.states}::text[])`);
  if (query.task) filters.push(Prisma.sql`task = ${query.task}`);
  if (query.cursor) filters.push(Prisma.sql`id::bigint < ${query.cursor}::bigint`);
  const rows = await ctx.prisma.$queryRaw<JobRow[]>`
    SELECT * FROM (
      SELECT j.id::text AS id, t.identifier AS task, ${stateSql(policyOf(ctx))} AS state, j.attempts::int AS attempts,
             j.max_attempts::int AS max_attempts, j.run_at, j.last_error, j.locked_at, j.locked_by, j.created_at, j.key, j.payload
        FROM ${JOBS} j JOIN ${TASKS_TABLE} t ON t.id = j.task_id
       WHERE j.payload->>'siteId' = ${siteId}
    ) jobs
    WHERE ${Prisma.join(filters, " AND ")}
    ORDER BY id::bigint DESC
    LIMIT ${query.limit + 1}`;
  const page = rows.slice(0, query.limit);
  return { tasks: page.map((r) => viewOf(r, siteId)), nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null };
}

/** How many of the site's jobs each task has in each state, and whether any worker is alive. */
export async function overview(ctx: AuthedContext): Promise<OperationsOverview> {
  const { siteId } = ctx.principal;
  const policy = policyOf(ctx);
  const counts = await ctx.prisma.$queryRaw<Array<{ task: string; state: TaskState; count: number }>>`
    SELECT t.identifier AS task, ${stateSql(policy)} AS state, count(*)::int AS count
      FROM ${JOBS} j JOIN ${TASKS_TABLE} t ON t.id = j.task_id
     WHERE j.payload->>'siteId' = ${siteId}
     GROUP BY 1, 2
     ORDER BY 1, 2`;
  const workers = await ctx.prisma.$queryRaw<Array<{ alive: number; last_beat_at: Date | null }>>`
    SELECT count(*) FILTER (WHERE last_beat_at >= now() - ${policy.heartbeatStaleMs}::int * interval '1 millisecond')::int AS alive,
           max(last_beat_at) AS last_beat_at
      FROM worker_heartbeats`;
  const beat = workers[0];
  return { counts, workers: { alive: beat?.alive ?? 0, lastBeatAt: beat?.last_beat_at?.toISOString() ?? null } };
}

interface OwnJob {
  id: string;
  task: string;
  payload: unknown;
  locked: boolean;
}

/** The site's jobs among `ids`, locked for this transaction; other sites' ids are simply not found. */
async function lockOwnJobs(tx: TransactionClient, siteId: string, ids: string[]): Promise<OwnJob[]> {
  return tx.$queryRaw<OwnJob[]>`
    SELECT j.id::text AS id, t.identifier AS task, j.payload,
           (j.locked_at IS NOT NULL AND j.locked_at >= now() - interval '4 hours') AS locked
      FROM ${JOBS} j JOIN ${TASKS_TABLE} t ON t.id = j.task_id
     WHERE j.id = ANY(${ids}::bigint[]) AND j.payload->>'siteId' = ${siteId}
     ORDER BY j.id
     FOR UPDATE OF j`;
}

type Apply = (tx: TransactionClient, free: OwnJob[]) => Promise<Set<string>>;

/**
 * Runs one of graphile-worker's admin functions on the caller's jobs among `ids`, in one
 * transaction with the site check, the domain's bookkeeping and the audit row. A job running
 * right now is left alone (graphile-worker's functions skip locked jobs): the answer says so.
 */
async function act(ctx: AuthedContext, ids: string[], action: AuditAction, details: Record<string, string>, apply: Apply, after?: Apply): Promise<TaskActionResult> {
  const { siteId } = ctx.principal;
  const unique = [...new Set(ids)];
  return ctx.prisma.$transaction(async (tx) => {
    const own = await lockOwnJobs(tx, siteId, unique);
    const free = own.filter((j) => !j.locked);
    const done = free.length > 0 ? await apply(tx, free) : new Set<string>();
    // From here on the transaction acts for the site under row-level security, as a request does.
    await actForSite(tx, siteId);
    if (after) await after(tx, free.filter((j) => done.has(j.id)));
    const results = unique.map((id) => {
      const job = own.find((j) => j.id === id);
      if (!job) return { id, ok: false, reason: "NOT_FOUND" as const, message: "No such job of this site (it may have finished and been removed)." };
      if (!done.has(id)) return { id, ok: false, reason: "RUNNING" as const, message: "It is running right now; wait for it to finish, or for its worker to be declared gone." };
      return { id, ok: true };
    });
    const succeeded = results.filter((r) => r.ok).length;
    if (succeeded > 0) {
      await writeCallerAudit(tx, ctx, { action, target: `jobs:${results.filter((r) => r.ok).map((r) => r.id).join(",")}`, details });
    }
    return { results, succeeded, failed: results.length - succeeded };
  });
}

const idsOf = (rows: Array<{ id: string }>) => new Set(rows.map((r) => r.id));

/** Runs the jobs now, with their attempts counted afresh (a FAILED job gets a new set of attempts). */
export function retryTasks(ctx: AuthedContext, ids: string[]): Promise<TaskActionResult> {
  return act(ctx, ids, "operations.retry", {}, async (tx, free) =>
    idsOf(
      await tx.$queryRaw<Array<{ id: string }>>`
        SELECT id::text AS id FROM ${Prisma.raw(WORKER_SCHEMA)}.reschedule_jobs(${free.map((j) => j.id)}::bigint[], run_at => now(), attempts => 0)`,
    ),
  );
}

export function rescheduleTasks(ctx: AuthedContext, ids: string[], runAt: Date): Promise<TaskActionResult> {
  if (Number.isNaN(runAt.getTime())) throw new DomainError("VALIDATION_FAILED", "Give the new time as an ISO 8601 date and time.");
  return act(ctx, ids, "operations.reschedule", { runAt: runAt.toISOString() }, async (tx, free) =>
    idsOf(
      await tx.$queryRaw<Array<{ id: string }>>`
        SELECT id::text AS id FROM ${Prisma.raw(WORKER_SCHEMA)}.reschedule_jobs(${free.map((j) => j.id)}::bigint[], run_at => ${runAt.toISOString()}::timestamptz)`,
    ),
  );
}

/** Stops the jobs for good; the mail or delivery they were for is marked given up (an exception). */
export function giveUpTasks(ctx: AuthedContext, ids: string[], reason: string | undefined): Promise<TaskActionResult> {
  const message = reason ? `Given up by an operator: ${reason}` : "Given up by an operator";
  return act(
    ctx,
    ids,
    "operations.give_up",
    reason ? { reason } : {},
    async (tx, free) =>
      idsOf(
        await tx.$queryRaw<Array<{ id: string }>>`
          SELECT id::text AS id FROM ${Prisma.raw(WORKER_SCHEMA)}.permanently_fail_jobs(${free.map((j) => j.id)}::bigint[], ${message})`,
      ),
    async (tx, givenUp) => {
      for (const job of givenUp) await recordGiveUp(tx, job.task, job.payload, message);
      return new Set<string>();
    },
  );
}
