// A full snapshot's pages against a real SQLite file: they are asked for in the largest pages the
// server gives, each before the one in hand is stored, checkpointed once at the round's end rather
// than every 4 MB of log (and so, too, when the round is cut off), and an increment leaves SQLite's
// own checkpoints alone.
import { randomUUID } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { SYNC_PULL_MAX_LIMIT, type SyncJob, type SyncPullPage } from "@orderdeck/contracts";
import { describe, expect, it } from "vitest";
import { getJob } from "../src/store/cache.ts";
import { DATABASE_FILE, openDatabase, type SqliteDatabase } from "../src/store/database.ts";
import { pullRound } from "../src/sync/pull.ts";
import { ServerCallError, type ServerClient } from "../src/sync/server-client.ts";
import { job, offlineConsoleFolderPerTest } from "./fixtures.ts";

const folder = offlineConsoleFolderPerTest("orderdeck-pull-");

const SITE = { id: randomUUID(), name: "Snapshot Werkstatt", timezone: "Europe/Berlin", defaultCurrency: "EUR", slaWarnHours: 48, slaBreachHours: 96, shiftRules: [] };
const actor = { userId: null, userName: null, stationId: null, stationName: null };
// Jobs with long notes: three pages of them are far more than SQLite's 4 MB between checkpoints.
const JOBS_PER_PAGE = 600;
const NOTES = "n".repeat(4_000);

interface Seen {
  /** The size of the database file (not its log) when each page was asked for. */
  fileBytes: number[];
  limits: number[];
  cursors: Array<string | undefined>;
  /** SQLite's automatic checkpoint setting while the round ran (held from the first page that arrived). */
  autocheckpoint: number[];
  /** The jobs stored when each page was asked for. */
  jobsStored: number[];
}

/** The server's side of the round: `pages` pages of jobs, the call numbered `failAt` (1-based) failing as a dropped network would. */
function snapshotServer(db: SqliteDatabase, pages: number, options: { full?: boolean; failAt?: number } = {}): { client: ServerClient; seen: Seen; jobs: SyncJob[][] } {
  const file = path.join(folder.dir, DATABASE_FILE);
  const jobs = Array.from({ length: pages }, () => Array.from({ length: JOBS_PER_PAGE }, () => job({ notes: NOTES })));
  const seen: Seen = { fileBytes: [], limits: [], cursors: [], autocheckpoint: [], jobsStored: [] };
  const full = options.full ?? true;
  const client: ServerClient = {
    url: "http://server.invalid",
    query: async (procedure, input) => {
      await Promise.resolve();
      const { cursor, limit } = input as { cursor?: string; limit: number };
      const call = seen.limits.push(limit);
      seen.cursors.push(cursor);
      seen.fileBytes.push(statSync(file).size);
      seen.autocheckpoint.push(db.pragma("wal_autocheckpoint", { simple: true }) as number);
      seen.jobsStored.push(db.prepare<[], { n: number }>("SELECT count(*) AS n FROM jobs").get()?.n ?? 0);
      if (call === options.failAt) throw new ServerCallError("The server cannot be reached: the network dropped", "offline");
      const index = cursor === undefined ? 0 : Number(cursor.slice("page-".length));
      const answer: SyncPullPage = {
        jobs: jobs[index] ?? [],
        customers: [],
        tombstones: [],
        site: index === 0 ? SITE : null,
        handoffs: index === 0 ? [] : null,
        full,
        cursor: `page-${index + 1}`,
        hasMore: index + 1 < pages,
        serverTime: new Date().toISOString(),
      };
      expect(procedure).toBe("sync.pull");
      return answer;
    },
    mutation: () => Promise.reject(new Error("no mutation in a pull")),
    download: () => Promise.reject(new Error("no download in a pull")),
    subscribe: () => () => undefined,
  } as ServerClient;
  return { client, seen, jobs };
}

const logBytes = () => {
  const wal = path.join(folder.dir, `${DATABASE_FILE}-wal`);
  return existsSync(wal) ? statSync(wal).size : 0;
};

describe("a full snapshot's checkpoints", () => {
  it("asks for the largest pages the server gives, and copies the log into the database once, at the round's end", async () => {
    const db = openDatabase(folder.dir);
    const fileBefore = statSync(path.join(folder.dir, DATABASE_FILE)).size;
    const { client, seen, jobs } = snapshotServer(db, 3);

    await pullRound(client, db, { actor: () => actor, now: () => new Date() });

    expect(seen.limits).toEqual([SYNC_PULL_MAX_LIMIT, SYNC_PULL_MAX_LIMIT, SYNC_PULL_MAX_LIMIT]);
    // While the pages landed (over 7 MB of log), nothing was copied into the database file.
    expect(seen.fileBytes).toEqual([fileBefore, fileBefore, fileBefore]);
    expect(seen.autocheckpoint).toEqual([1000, 0, 0]);
    // Each next page was asked for before the page in hand was stored: the server makes it meanwhile.
    expect(seen.jobsStored).toEqual([0, 0, JOBS_PER_PAGE]);
    // At the end: all of it in the database file, the log emptied, SQLite's own checkpoints back.
    expect(statSync(path.join(folder.dir, DATABASE_FILE)).size).toBeGreaterThan(3 * JOBS_PER_PAGE * NOTES.length);
    expect(logBytes()).toBe(0);
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    expect(db.prepare<[], { n: number }>("SELECT count(*) AS n FROM jobs").get()?.n).toBe(3 * JOBS_PER_PAGE);
    expect(getJob(db, jobs[2]?.[0]?.id ?? "")?.notes).toBe(NOTES);
    db.close();
  });

  it("cut off mid-round, still checkpoints the pages it stored and gives SQLite its checkpoints back", async () => {
    const db = openDatabase(folder.dir);
    const { client, seen } = snapshotServer(db, 3, { failAt: 3 });

    await expect(pullRound(client, db, { actor: () => actor, now: () => new Date() })).rejects.toThrow(/network dropped/);

    expect(seen.autocheckpoint).toEqual([1000, 0, 0]);
    expect(logBytes()).toBe(0);
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    // The stored pages, and the cursor of the last of them: the next round resumes there.
    expect(db.prepare<[], { n: number }>("SELECT count(*) AS n FROM jobs").get()?.n).toBe(2 * JOBS_PER_PAGE);
    expect(db.prepare<[], { cursor: string }>("SELECT cursor FROM sync_state").get()?.cursor).toBe("page-2");
    db.close();
  });

  it("an increment leaves SQLite's checkpoints as they are", async () => {
    const db = openDatabase(folder.dir);
    await pullRound(snapshotServer(db, 1).client, db, { actor: () => actor, now: () => new Date() });
    const { client, seen } = snapshotServer(db, 3, { full: false });

    await pullRound(client, db, { actor: () => actor, now: () => new Date() });

    expect(seen.cursors[0]).toBe("page-1");
    expect(seen.autocheckpoint).toEqual([1000, 1000]);
    db.close();
  });
});
