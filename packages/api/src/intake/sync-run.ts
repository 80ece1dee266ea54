import { DomainError, type IntakeRunMode, type IntakeRunView } from "@orderdeck/contracts";
import { Prisma, inSite, type IntakeRun, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import { withLogContext, type Logger } from "@orderdeck/logging";
import { LOCKED, withSourceLock, type WithConnection } from "./source-lock.ts";
import {
  DEFAULT_FEED_SETTINGS,
  FeedError,
  cursorInstant,
  laterCursor,
  storefrontFeed,
  type FeedAccess,
  type FeedSettings,
} from "./storefront-feed.ts";
import { addCounts, emptyCounts, type TakeContext, type TakeCounts } from "./take-context.ts";
import { furthest, readPage, type BufferedRow, type ReadPage } from "./run-pages.ts";
import { ChunkPreview, recordRawHashes } from "./take-preview.ts";
import { takeParsedRows } from "./take.ts";

/*
 * One sync run of one source:
 *
 *   1. take the source's advisory lock (source-lock.ts); a run that finds it held records a
 *      SKIPPED_LOCKED run and returns LOCKED at once;
 *   2. in one transaction: mark runs a dead process left RUNNING as FAILED, record this run
 *      (RUNNING) and read where to start: the cursor (INCREMENTAL), or the full reconciliation's
 *      own checkpoint (FULL: from the first order, or where an interrupted one stopped);
 *   3. read pages from the storefront and take the rows in chunks of `chunkSize`, each chunk in
 *      one transaction that also moves the cursor / checkpoint to the chunk's last row and adds
 *      the chunk's counts to the run record: a crash or a feed failure leaves the checkpoint at
 *      the last committed chunk, and the next run resumes from there. A chunk that would write
 *      nothing (every order one the intake has, as it is: take-preview.ts, looked at in a full
 *      reconciliation and after such a chunk) opens no transaction; its counts and checkpoint go
 *      with the next chunk that writes, or together once UNSAVED_CHUNKS_MAX of them have gone by
 *      (written while the run reads on, before any later checkpoint), or at the end of the run,
 *      failed or not (a crash re-reads them, which writes nothing);
 *   4. finish the run record (SUCCEEDED or FAILED with the error) and the source's health:
 *      last success, consecutive failures, and the newest updated-at the storefront reported.
 *
 * A full reconciliation reads every order again, which finds rows the cursor missed (a change
 * the storefront committed with an updated-at older than the cursor): unchanged rows cost a hash
 * comparison and write nothing. It moves the incremental cursor only forward.
 */

export interface IntakeSettings extends FeedSettings {
  /** Rows taken per transaction (and per checkpoint). */
  chunkSize: number;
  /** A run stops (FAILED) after this many pages: a storefront that never says "no more". */
  maxPagesPerRun: number;
  /** Longest a chunk's transaction may take. */
  chunkTimeoutMs: number;
}

export const DEFAULT_INTAKE_SETTINGS: IntakeSettings = {
  ...DEFAULT_FEED_SETTINGS,
  chunkSize: 500,
  maxPagesPerRun: 10_000,
  chunkTimeoutMs: 60_000,
};

/** What a process gives the intake beyond its database client and logger. */
export interface IntakeEnvironment extends FeedAccess {
  /** A connection of its own for the source's advisory lock, held for the whole run. */
  withConnection: WithConnection;
  settings?: Partial<IntakeSettings>;
}

export interface IntakeDependencies extends IntakeEnvironment {
  prisma: PrismaClient;
  logger: Logger;
  now?: () => Date;
}

export interface SyncTarget {
  siteId: string;
  sourceId: string;
  /** The person who asked for the run from the console (null for scheduled runs). */
  requestedById?: string | null;
  /** The request it was asked for in, for the job events' request id. */
  requestId?: string | null;
}

export type SyncOutcome =
  | { status: "SUCCEEDED" | "FAILED" | "LOCKED"; run: IntakeRunView }
  /** The source is disabled: nothing ran and nothing was recorded. */
  | { status: "DISABLED" };

export function settingsOf(deps: Pick<IntakeEnvironment, "settings">): IntakeSettings {
  return { ...DEFAULT_INTAKE_SETTINGS, ...deps.settings };
}

const nowOf = (deps: IntakeDependencies) => (deps.now ? deps.now() : new Date());

export function presentRun(run: IntakeRun): IntakeRunView {
  return {
    id: run.id,
    sourceId: run.sourceId,
    mode: run.mode,
    status: run.status,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    durationMs: run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
    rowsSeen: run.rowsSeen,
    rowsInserted: run.rowsInserted,
    rowsUpdated: run.rowsUpdated,
    rowsUnchanged: run.rowsUnchanged,
    rowsRejected: run.rowsRejected,
    rowsFlagged: run.rowsFlagged,
    cursorFrom: run.cursorFrom,
    cursorTo: run.cursorTo,
    error: run.error,
    requestedById: run.requestedById,
  };
}

/**
 * Chunks that wrote nothing are checkpointed together, once this many have gone by (and at the
 * end of the run): a checkpoint is a transaction, and such a chunk needs nothing else.
 */
const UNSAVED_CHUNKS_MAX = 20;

/** Where an interrupted full reconciliation stopped (intake_sources.checkpoint). */
interface FullCheckpoint {
  full: { after: string | null; runId: string };
}

function fullCheckpointOf(checkpoint: Prisma.JsonValue | null): FullCheckpoint | null {
  if (typeof checkpoint !== "object" || checkpoint === null || Array.isArray(checkpoint)) return null;
  const full = (checkpoint as Record<string, unknown>).full;
  if (typeof full !== "object" || full === null) return null;
  const { after, runId } = full as Record<string, unknown>;
  if (typeof runId !== "string" || (after !== null && typeof after !== "string")) return null;
  return { full: { after, runId } };
}

function errorText(error: unknown): string {
  const text = error instanceof FeedError ? `The storefront feed failed: ${error.message}` : error instanceof Error ? error.message : String(error);
  return text.length > 2000 ? `${text.slice(0, 1999)}…` : text;
}

function maxDate(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

async function recordSkipped(deps: IntakeDependencies, target: SyncTarget, mode: IntakeRunMode): Promise<IntakeRunView> {
  const now = nowOf(deps);
  const run = await inSite(deps.prisma, target.siteId, async (tx) => {
    const source = await tx.intakeSource.findFirst({ where: { id: target.sourceId, siteId: target.siteId }, select: { id: true } });
    if (!source) throw new DomainError("NOT_FOUND", "That intake source does not exist (or not at this site).");
    return tx.intakeRun.create({
      data: {
        siteId: target.siteId,
        sourceId: target.sourceId,
        mode,
        status: "SKIPPED_LOCKED",
        startedAt: now,
        finishedAt: now,
        error: "Another run of this source was in progress; this one did not start.",
        requestedById: target.requestedById ?? null,
      },
    });
  });
  return presentRun(run);
}

/** Runs one sync of the source; see the header. Throws NOT_FOUND for a source that is not the site's. */
export async function runSync(deps: IntakeDependencies, target: SyncTarget, mode: IntakeRunMode): Promise<SyncOutcome> {
  return withLogContext({ task: `intake.${mode.toLowerCase()}`, siteId: target.siteId }, async () => {
    const result = await withSourceLock(deps.withConnection, target.sourceId, () => runLocked(deps, target, mode));
    if (result !== LOCKED) return result;
    deps.logger.info("intake run skipped: another run of the source holds its lock", { sourceId: target.sourceId, mode });
    return { status: "LOCKED", run: await recordSkipped(deps, target, mode) };
  });
}

async function runLocked(deps: IntakeDependencies, target: SyncTarget, mode: IntakeRunMode): Promise<SyncOutcome> {
  const { prisma, logger } = deps;
  const { siteId, sourceId } = target;
  const settings = settingsOf(deps);
  const startedAt = nowOf(deps);

  const begun = await inSite(prisma, siteId, async (tx) => {
    const source = await tx.intakeSource.findFirst({ where: { id: sourceId, siteId } });
    if (!source) throw new DomainError("NOT_FOUND", "That intake source does not exist (or not at this site).");
    if (!source.enabled) return null;
    // Holding the lock, no other run of this source can be alive: a RUNNING one died with its process.
    await tx.$executeRaw`
      UPDATE intake_runs
         SET status = 'FAILED', finished_at = GREATEST(started_at, ${startedAt}::timestamptz),
             error = 'Interrupted: the process running it ended before it finished.'
       WHERE site_id = ${siteId}::uuid AND source_id = ${sourceId}::uuid AND status = 'RUNNING'`;
    const resume = mode === "FULL" ? fullCheckpointOf(source.checkpoint) : null;
    const from = mode === "INCREMENTAL" ? source.cursor : (resume?.full.after ?? null);
    const run = await tx.intakeRun.create({
      data: { siteId, sourceId, mode, status: "RUNNING", startedAt, cursorFrom: from, requestedById: target.requestedById ?? null },
    });
    return { source, run, from };
  });
  if (!begun) return { status: "DISABLED" };
  const { source, run, from } = begun;
  logger.info("intake run started", { sourceId, runId: run.id, mode, from });

  const feed = storefrontFeed(source, deps, settings);
  let committed = from;
  let cursorNow = source.cursor;
  let counts = emptyCounts();
  let sourceNewest = source.sourceNewestAt;

  const chunkContext = (): TakeContext => ({ siteId, sourceId, runId: run.id, requestId: target.requestId ?? null, now: nowOf(deps), retry: false });
  // Chunks that wrote nothing, not yet checkpointed: their counts and where they end.
  let unsaved = { counts: emptyCounts(), chunks: 0 };
  // Checkpoints in the caller's transaction: the cursor (and a full run's own checkpoint) to
  // `end`, and the run's counts by `total`.
  const checkpoint = async (tx: TransactionClient, end: string | null, total: TakeCounts) => {
    const cursor = laterCursor(cursorNow, end);
    await tx.intakeSource.update({
      where: { id: sourceId, siteId },
      data: {
        cursor,
        syncedThroughAt: cursorInstant(cursor),
        ...(mode === "FULL" ? { checkpoint: { full: { after: end, runId: run.id } } } : {}),
      },
    });
    await tx.intakeRun.update({
      where: { id: run.id },
      data: {
        rowsSeen: { increment: total.seen },
        rowsInserted: { increment: total.inserted },
        rowsUpdated: { increment: total.updated },
        rowsUnchanged: { increment: total.unchanged },
        rowsRejected: { increment: total.rejected },
        rowsFlagged: { increment: total.flagged },
        cursorTo: end,
      },
    });
    return cursor;
  };
  // The checkpoint of the chunks that wrote nothing, in a transaction of its own. It is written
  // while the run reads on (`saving`); the next checkpoint waits for it, so they land in order.
  let saving: Promise<void> = Promise.resolve();
  const saveUnsaved = async () => {
    const { counts: total, chunks } = unsaved;
    const end = committed;
    unsaved = { counts: emptyCounts(), chunks: 0 };
    if (chunks > 0) cursorNow = await inSite(prisma, siteId, (tx) => checkpoint(tx, end, total), { timeout: settings.chunkTimeoutMs });
  };
  const saveInTurn = () => {
    saving = saving.then(saveUnsaved);
    // Its failure is met where it is waited for: by the next checkpoint, or as the run ends.
    saving.catch(() => undefined);
  };
  // Whether the next chunk is looked at before a transaction is opened (chunkWritesNothing): in a
  // full reconciliation, and after a chunk that wrote nothing; not while new orders come in.
  let expectUnchanged = mode === "FULL";

  const preview = new ChunkPreview(prisma, chunkContext, settings.chunkTimeoutMs);

  const commit = async (rows: BufferedRow[]) => {
    // Compared by the instants read with the page, not by parsing every row's cursor again.
    const end = laterCursor(committed, furthest(rows)?.after ?? null);
    if (expectUnchanged && (await preview.unchanged(rows))) {
      const taken = { ...emptyCounts(), seen: rows.length, unchanged: rows.length };
      unsaved = { counts: addCounts(unsaved.counts, taken), chunks: unsaved.chunks + 1 };
      committed = end;
      counts = addCounts(counts, taken);
      // A crash re-reads at most this many chunks (they write nothing, so reading them again is all it costs).
      if (unsaved.chunks >= UNSAVED_CHUNKS_MAX) saveInTurn();
      return;
    }
    const parsed = rows.map((r) => r.parsed);
    await saving;
    const chunkCounts: TakeCounts = await inSite(
      prisma,
      siteId,
      async (tx) => {
        const taken = await takeParsedRows(tx, chunkContext(), parsed);
        if (taken.unchanged > 0) await recordRawHashes(tx, chunkContext(), parsed);
        // The checkpoint moves in the transaction that took the rows, never before it.
        cursorNow = await checkpoint(tx, end, addCounts(unsaved.counts, taken));
        return taken;
      },
      { timeout: settings.chunkTimeoutMs },
    );
    preview.chunkTaken();
    unsaved = { counts: emptyCounts(), chunks: 0 };
    committed = end;
    counts = addCounts(counts, chunkCounts);
    expectUnchanged = chunkCounts.inserted === 0 && chunkCounts.updated === 0 && chunkCounts.rejected === 0 && chunkCounts.flagged === 0;
  };

  let failure: unknown = null;
  // The next page is asked for while this one's chunks are taken; it is always waited for before
  // the run ends, so no request of this run outlives it.
  let pending: Promise<ReadPage> | null = null;
  // A page's rows are parsed as soon as it arrives, which is while the previous chunk commits.
  const read = (cursor: string | null): Promise<ReadPage> =>
    readPage(feed, cursor).then((read) => {
      if (expectUnchanged) preview.pageArrived(read.rows);
      return read;
    });
  try {
    const buffer: BufferedRow[] = [];
    let cursor = from;
    let next = read(cursor);
    pending = next;
    for (let pages = 1; ; pages++) {
      const { page, rows } = await next;
      pending = null;
      sourceNewest = maxDate(sourceNewest, page.newestUpdatedAt);
      for (const row of rows) {
        sourceNewest = maxDate(sourceNewest, row.instant);
        buffer.push(row);
      }
      const more = page.hasMore && page.rows.length > 0;
      // What stops the run after this page still lets its full chunks commit first.
      let stop: FeedError | null = null;
      if (more) {
        if (page.nextCursor === null || page.nextCursor === cursor) {
          stop = new FeedError("the storefront said there was more but its cursor did not move", false);
        } else if (pages >= settings.maxPagesPerRun) {
          stop = new FeedError(`the storefront still had more after ${settings.maxPagesPerRun} pages; the next run goes on from here`, false);
        } else {
          cursor = page.nextCursor;
          next = read(cursor);
          pending = next;
          // Its failure is dealt with where it is awaited, after this page's chunks.
          next.catch(() => undefined);
        }
      }
      while (buffer.length >= settings.chunkSize) await commit(buffer.splice(0, settings.chunkSize));
      if (stop) throw stop;
      if (!more) break;
    }
    if (buffer.length > 0) await commit(buffer.splice(0));
  } catch (error) {
    failure = error;
    if (pending) await pending.catch(() => undefined);
  }
  // What the chunks that wrote nothing read is counted and checkpointed, whether or not the run failed.
  try {
    saveInTurn();
    await saving;
  } catch (error) {
    failure ??= error;
  }

  const finishedAt = nowOf(deps);
  const status = failure === null ? "SUCCEEDED" : "FAILED";
  const finished = await inSite(prisma, siteId, async (tx) => {
    await tx.intakeSource.update({
      where: { id: sourceId, siteId },
      data:
        status === "SUCCEEDED"
          ? {
              lastSuccessAt: startedAt,
              consecutiveFailures: 0,
              sourceNewestAt: sourceNewest,
              ...(mode === "FULL" ? { checkpoint: Prisma.DbNull } : {}),
            }
          : { consecutiveFailures: { increment: 1 }, sourceNewestAt: sourceNewest },
    });
    return tx.intakeRun.update({
      where: { id: run.id },
      data: {
        status,
        finishedAt: finishedAt.getTime() < startedAt.getTime() ? startedAt : finishedAt,
        error: failure === null ? null : errorText(failure),
      },
    });
  });

  const fields = { sourceId, runId: run.id, mode, status, durationMs: finishedAt.getTime() - startedAt.getTime(), ...counts };
  if (failure === null) logger.info("intake run finished", fields);
  else {
    const expected = failure instanceof FeedError || failure instanceof DomainError;
    logger.log(expected ? "warn" : "error", "intake run failed", {
      ...fields,
      error: errorText(failure),
      stack: expected ? undefined : failure instanceof Error ? failure.stack : undefined,
    });
  }
  return { status, run: presentRun(finished) };
}

/** Task handler: an incremental sync of one source, from its cursor. */
export function runIncrementalSync(deps: IntakeDependencies, target: SyncTarget): Promise<SyncOutcome> {
  return runSync(deps, target, "INCREMENTAL");
}

/** Task handler: a full reconciliation of one source, reading every order again. */
export function runFullReconciliation(deps: IntakeDependencies, target: SyncTarget): Promise<SyncOutcome> {
  return runSync(deps, target, "FULL");
}
