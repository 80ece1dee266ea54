// The board's pages from the cache: every job once, in queue order, across pages of any size;
// each page read through an index instead of sorting the whole queue; and a page's customer
// names and waiting changes read once for the page, the same as for one job.
import { randomUUID } from "node:crypto";
import path from "node:path";
import type { SyncJob, SyncPullPage } from "@orderdeck/contracts";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { ConsoleCore } from "../src/index.ts";
import { DATABASE_FILE } from "../src/store/database.ts";
import { queueRows, type QueueQuery } from "../src/store/queue.ts";
import { job, offlineConsole as openOfflineConsole, offlineConsoleFolderPerTest } from "./fixtures.ts";

const folder = offlineConsoleFolderPerTest("orderdeck-board-");

const SITE = { id: randomUUID(), name: "Board Werkstatt", timezone: "Europe/Berlin", defaultCurrency: "EUR", slaWarnHours: 48, slaBreachHours: 96, shiftRules: [] };
const USER = { id: randomUUID(), name: "Lee Lead", email: "lee@orderdeck.test", role: "LEAD" };
const STATION = { id: randomUUID(), name: "Counter 1" };
const customer = { id: randomUUID(), name: "Ada Lovelace", email: null, phone: null, updatedAt: new Date().toISOString() };

function page(jobs: SyncJob[]): SyncPullPage {
  return { jobs, customers: [customer], tombstones: [], site: SITE, handoffs: [], full: true, cursor: `c-${randomUUID()}`, hasMore: false, serverTime: new Date().toISOString() };
}

/** Open jobs with places (some shared, as two consoles' moves can leave them), and closed jobs without one. */
function queue(): SyncJob[] {
  const jobs: SyncJob[] = [];
  for (let i = 0; i < 23; i++) jobs.push(job({ status: i % 3 === 0 ? "QUEUED" : "IN_PROGRESS", queuePosition: 1024 * (25 - Math.floor(i / 2)), customerId: i % 4 === 0 ? customer.id : null }));
  for (let i = 0; i < 7; i++) jobs.push(job({ status: "PICKED_UP", queuePosition: null }));
  return jobs;
}

const boardOrder = (jobs: SyncJob[]) =>
  [...jobs].sort((a, b) => (a.queuePosition ?? Number.MAX_SAFE_INTEGER) - (b.queuePosition ?? Number.MAX_SAFE_INTEGER) || a.number - b.number).map((j) => j.id);

function offlineConsole(jobs: SyncJob[]): ConsoleCore {
  return openOfflineConsole(folder, { user: USER, station: STATION }, page(jobs));
}

function allPages(core: ConsoleCore, input: { limit: number; includeClosed: boolean; statuses?: SyncJob["status"][]; search?: string }): string[] {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const next = core.queue.list({ ...input, ...(cursor ? { cursor } : {}) });
    ids.push(...next.items.map((item) => item.id));
    if (!next.nextCursor) return ids;
    cursor = next.nextCursor;
  }
  throw new Error("the pages never ended");
}

describe("the board's pages", () => {
  it("hand out every job once, in queue order, whatever the page size; closed jobs without a place come last", () => {
    const jobs = queue();
    const core = offlineConsole(jobs);
    const open = jobs.filter((j) => j.status !== "PICKED_UP");
    for (const limit of [1, 2, 5, 23, 100]) {
      expect(allPages(core, { limit, includeClosed: false })).toEqual(boardOrder(open));
      expect(allPages(core, { limit, includeClosed: true })).toEqual(boardOrder(jobs));
    }
    expect(allPages(core, { limit: 4, includeClosed: false, statuses: ["QUEUED"] })).toEqual(boardOrder(open.filter((j) => j.status === "QUEUED")));
    expect(allPages(core, { limit: 2, includeClosed: true, search: "Ada" })).toEqual(boardOrder(jobs.filter((j) => j.customerId === customer.id)));
  });

  it("reads each page through an index instead of sorting the whole queue for it", () => {
    offlineConsole(queue());
    const statements: string[] = [];
    const db = new Database(path.join(folder.dir, DATABASE_FILE), { verbose: (sql) => statements.push(String(sql)) });
    try {
      const first: QueueQuery = { includeClosed: true, limit: 5, after: null };
      const firstPage = queueRows(db, first);
      expect(firstPage.next).not.toBeNull();
      queueRows(db, { ...first, after: firstPage.next });
      queueRows(db, { ...first, after: { position: Number.MAX_SAFE_INTEGER, number: 0 } });
      const reads = statements.filter((sql) => sql.startsWith("SELECT"));
      expect(reads.length).toBeGreaterThanOrEqual(3);
      for (const sql of reads) {
        const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all().map((row) => (row as { detail: string }).detail).join(" | ");
        // Never the whole table: the jobs with a place by jobs_board from the cursor on, those without one by their own lookup.
        expect(plan, sql).toMatch(/^SEARCH j USING (COVERING )?INDEX/);
        // "LAST TERM OF ORDER BY" sorts only the jobs that share a place; "FOR ORDER BY" would sort them all.
        if (sql.includes("queue_position IS NOT NULL")) expect(plan, sql).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
      }
    } finally {
      db.close();
    }
  });

  it("shows each job of a page as it shows the job alone: customer name, waiting changes, ageing", async () => {
    const jobs = queue();
    const core = offlineConsole(jobs);
    const noted = jobs[0] as SyncJob;
    await core.jobs.note(noted.id, "Sand the supports off");
    const listed = core.queue.list({ limit: 100, includeClosed: true }).items;
    expect(listed.find((item) => item.id === noted.id)?.pendingChanges).toBe(1);
    expect(listed.filter((item) => item.customerName === "Ada Lovelace")).toHaveLength(jobs.filter((j) => j.customerId === customer.id).length);
    for (const item of listed) expect(item).toEqual(core.queue.get(item.id));
  });
});
