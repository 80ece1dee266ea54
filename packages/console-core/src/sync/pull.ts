// One pull round: the server's changes since the stored cursor, page after page, into the cache.
import { SYNC_PULL_DEFAULT_LIMIT, SYNC_PULL_SNAPSHOT_LIMIT, SyncPullPage } from "@orderdeck/contracts";
import { applyPullPage, readSyncState, resetCursor } from "../store/cache.ts";
import { holdCheckpoints, type SqliteDatabase } from "../store/database.ts";
import { logSync } from "../store/journal.ts";
import type { Actor } from "./optimistic.ts";
import { classify, type ServerClient } from "./server-client.ts";

export interface PullOptions {
  actor: () => Actor;
  now: () => Date;
  /** Rows per page of an increment. */
  pullLimit?: number | undefined;
  /** Rows per page of a full snapshot (a fresh console, or one whose cursor the server refused). */
  snapshotPullLimit?: number | undefined;
}

/**
 * Pages until the round is done. The next page is asked for as soon as a page arrives, before
 * that page is written: the server reads page N + 1 while this process stores page N. The
 * cursor is still stored only with its page's rows (one transaction), and a page is stored only
 * after the one before it, so a console stopped anywhere resumes after the last stored page; a
 * page fetched ahead and never stored is simply asked for again.
 */
export async function pullRound(client: ServerClient, db: SqliteDatabase, options: PullOptions): Promise<void> {
  // A full snapshot writes the whole site: its pages are checkpointed once, at the round's end (see holdCheckpoints).
  let release: (() => void) | undefined;
  try {
    await pagesOfRound(client, db, options, () => {
      release ??= holdCheckpoints(db);
    });
  } finally {
    release?.();
  }
}

async function pagesOfRound(client: ServerClient, db: SqliteDatabase, options: PullOptions, snapshotting: () => void): Promise<void> {
  const stored = readSyncState(db);
  let cursor = stored.cursor;
  let full = cursor === null || stored.round_full === 1;
  let retriedFresh = false;
  let ahead: Promise<SyncPullPage> | null = null;
  const ask = (from: string | null, snapshot: boolean): Promise<SyncPullPage> =>
    client.query("sync.pull", { cursor: from ?? undefined, limit: pageSize(options, snapshot) }, SyncPullPage);
  for (let pages = 0; pages < 100_000; pages++) {
    let page: SyncPullPage;
    try {
      page = await (ahead ?? ask(cursor, full));
    } catch (error) {
      const failure = classify(error);
      // The server does not know this cursor (its database was replaced): start over, once.
      if (failure.kind === "refused" && failure.code === "BAD_REQUEST" && cursor && !retriedFresh) {
        retriedFresh = true;
        ahead = null;
        resetCursor(db);
        cursor = null;
        full = true;
        logSync(db, "pull", "cursor refused; starting a full snapshot", options.now());
        continue;
      }
      throw failure;
    }
    ahead = page.hasMore ? ask(page.cursor, page.full) : null;
    // Read when this page is stored, or never (the store failed, the loop ends): not an unhandled rejection.
    ahead?.catch(() => undefined);
    if (page.full) snapshotting();
    // Storing a page holds the event loop (SQLite is synchronous): let the next page's request go
    // out first, so that the server makes it while this one is stored, not after.
    if (ahead) await new Promise((resolve) => setImmediate(resolve));
    applyPullPage(db, page, options.actor(), options.now());
    cursor = page.cursor;
    full = page.full;
    if (!page.hasMore) {
      logSync(db, "pull", page.full ? "full snapshot complete" : "up to date", options.now());
      return;
    }
  }
}

/** Rows a page asks for: many for a full snapshot (fewer round trips), fewer for an increment. */
function pageSize(options: PullOptions, snapshot: boolean): number {
  return snapshot ? (options.snapshotPullLimit ?? SYNC_PULL_SNAPSHOT_LIMIT) : (options.pullLimit ?? SYNC_PULL_DEFAULT_LIMIT);
}
