// console-core on its own, with real SQLite files and no server to talk to (its URL points at a
// port nothing listens on): the schema is versioned and durable (an older console's file is
// migrated), pulled pages land with their cursor, a job's server row is stored apart only while
// changes wait on it, and every action made offline is answered from the cache and kept in the outbox.
import { randomUUID } from "node:crypto";
import path from "node:path";
import { generatePickupCode, type SyncJob, type SyncMutation, type SyncMutationResult, type SyncPullPage } from "@orderdeck/contracts";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createConsoleCore, createLocalRouter, memorySecretStore, openDatabase, SCHEMA_VERSION, syncStateReached, type ConsoleCore } from "../src/index.ts";
import { applyPullPage, getJob, refreshJob, showChange, storeServerJob } from "../src/store/cache.ts";
import { DATABASE_FILE, MIGRATIONS, type SqliteDatabase } from "../src/store/database.ts";
import { enqueue, PENDING_PICKUP_STATEMENT, settle } from "../src/store/outbox.ts";
import { job, offlineConsole as openOfflineConsole, offlineConsoleFolderPerTest } from "./fixtures.ts";

const folder = offlineConsoleFolderPerTest("orderdeck-core-");

const SITE = { id: randomUUID(), name: "Offline Werkstatt", timezone: "Europe/Berlin", defaultCurrency: "EUR", slaWarnHours: 48, slaBreachHours: 96, shiftRules: [] };
const USER = { id: randomUUID(), name: "Sam Staff", email: "sam@orderdeck.test", role: "LEAD" };
const STATION = { id: randomUUID(), name: "Counter 1" };

function page(jobs: SyncJob[], extra: Partial<SyncPullPage> = {}): SyncPullPage {
  return {
    jobs,
    customers: [],
    tombstones: [],
    site: SITE,
    handoffs: [],
    full: true,
    cursor: `cursor-${randomUUID()}`,
    hasMore: false,
    serverTime: new Date().toISOString(),
    ...extra,
  };
}

const actor = { userId: USER.id, userName: USER.name, stationId: STATION.id, stationName: STATION.name };
const AUTHOR = { userId: USER.id, name: USER.name, sessionId: randomUUID() };

/** A console that was enrolled and signed in and has synced these jobs, now without its server. */
function offlineConsole(jobs: SyncJob[]): ConsoleCore {
  const core = openOfflineConsole(folder, { user: USER, station: STATION }, page(jobs), { backoff: { minMs: 50, maxMs: 200 } });
  core.start();
  return core;
}

describe("the local database", () => {
  it("is created in WAL mode at the current schema version, keeps what it holds, and refuses a newer schema", () => {
    const db = openDatabase(folder.dir);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    applyPullPage(db, page([job()]), actor, new Date());
    db.close();

    const again = openDatabase(folder.dir);
    expect(again.prepare("SELECT count(*) AS n FROM jobs").get()).toEqual({ n: 1 });
    again.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    again.close();
    expect(() => openDatabase(folder.dir)).toThrow(/newer OrderDeck/);
  });

  it("lands pages with their cursor, drops tombstoned jobs, and never rolls a row back to an older version", () => {
    const db = openDatabase(folder.dir);
    const [a, b] = [job(), job()];
    applyPullPage(db, page([a as SyncJob, b as SyncJob]), actor, new Date());
    const newer = { ...(a as SyncJob), title: "Newer", version: 2, changeSeq: String(Number(a?.changeSeq) + 500) };
    applyPullPage(db, page([newer], { full: false, site: null, handoffs: null, tombstones: [{ id: (b as SyncJob).id }], cursor: "c2" }), actor, new Date());
    // An older copy arriving late (a page that crossed an answer on the way) is ignored.
    applyPullPage(db, page([{ ...(a as SyncJob), title: "Stale" }], { full: false, site: null, handoffs: null, cursor: "c3" }), actor, new Date());
    const rows = db.prepare<[], { title: string }>("SELECT title FROM jobs").all();
    expect(rows).toEqual([{ title: "Newer" }]);
    expect(db.prepare("SELECT cursor FROM sync_state").get()).toEqual({ cursor: "c3" });
    db.close();
  });
});

/** The two JSON columns of a cached job, as stored. */
function storedCopies(db: SqliteDatabase, id: string): { server: string | null; data: string } | undefined {
  return db.prepare<[string], { server: string | null; data: string }>("SELECT server, data FROM jobs WHERE id = ?").get(id);
}

/** A note queued and shown in one transaction, as an action does it. */
function queueNote(db: SqliteDatabase, target: SyncJob, notes: string): SyncMutation {
  return db.transaction(() => {
    const mutation = enqueue(db, { type: "job.note", args: { id: target.id, version: target.version, notes }, clientTime: new Date().toISOString() }, target.id, AUTHOR, new Date());
    showChange(db, target.id, mutation, actor);
    return mutation;
  })();
}

/** The server's answer to a change, landed as the engine lands it: settled, then the row re-shown. */
function landAnswer(db: SqliteDatabase, mutation: SyncMutation, jobId: string, status: SyncMutationResult["status"], job: SyncJob | null): void {
  const result: SyncMutationResult = { id: mutation.id, type: mutation.type, status, reason: null, message: null, details: null, replayed: false, job, handoff: null, receipts: [] };
  db.transaction(() => {
    settle(db, result, new Date());
    if (job) storeServerJob(db, job, actor);
    else refreshJob(db, jobId, actor);
  })();
}

describe("a job's stored copies", () => {
  it("stores a pulled job's JSON once, keeps the server's row apart while a change waits, and rolls back to it when the change is refused", () => {
    const db = openDatabase(folder.dir);
    const [pulled, other] = [job({ status: "QUEUED" }), job({ status: "QUEUED" })];
    applyPullPage(db, page([pulled, other]), actor, new Date());
    expect(storedCopies(db, pulled.id)).toEqual({ server: null, data: JSON.stringify(pulled) });

    const note = queueNote(db, pulled, "Sand the edges");
    expect(storedCopies(db, pulled.id)).toEqual({ server: JSON.stringify(pulled), data: expect.stringContaining("Sand the edges") as string });
    // A page pulled while the change waits brings a newer server row: both are kept, the change still shown on top.
    const renamed = { ...pulled, title: "Bracket (renamed)", version: 2, changeSeq: String(Number(pulled.changeSeq) + 500) };
    const incremental = { full: false, site: null, handoffs: null, cursor: "c2" } as const;
    applyPullPage(db, page([renamed, { ...other, title: "Other (renamed)", changeSeq: String(Number(other.changeSeq) + 500) }], incremental), actor, new Date());
    expect(storedCopies(db, pulled.id)?.server).toBe(JSON.stringify(renamed));
    expect(getJob(db, pulled.id)).toMatchObject({ title: "Bracket (renamed)", notes: "Sand the edges" });
    expect(storedCopies(db, other.id)?.server).toBeNull();

    // Refused without a row in the answer: the job is shown again from the server's row it kept.
    landAnswer(db, note, pulled.id, "rejected", null);
    expect(storedCopies(db, pulled.id)).toEqual({ server: null, data: JSON.stringify(renamed) });
    expect(getJob(db, pulled.id)).toEqual(renamed);
    db.close();
  });

  it("stores the server's row once again when a change is answered, and keeps it apart while a later change still waits", () => {
    const db = openDatabase(folder.dir);
    const pulled = job({ status: "QUEUED" });
    applyPullPage(db, page([pulled]), actor, new Date());
    const first = queueNote(db, pulled, "First note");
    const second = queueNote(db, { ...pulled, version: pulled.version + 1 }, "Second note");
    const afterFirst = { ...pulled, notes: "First note", version: 2, changeSeq: String(Number(pulled.changeSeq) + 1) };

    landAnswer(db, first, pulled.id, "applied", afterFirst);
    expect(storedCopies(db, pulled.id)?.server).toBe(JSON.stringify(afterFirst));
    expect(getJob(db, pulled.id)).toMatchObject({ notes: "Second note", version: 3 });

    const afterSecond = { ...afterFirst, notes: "Second note", version: 3, changeSeq: String(Number(afterFirst.changeSeq) + 1) };
    landAnswer(db, second, pulled.id, "applied", afterSecond);
    expect(storedCopies(db, pulled.id)).toEqual({ server: null, data: JSON.stringify(afterSecond) });
    db.close();
  });

  it("migrates a database an older console wrote: the same jobs shown, the server's row kept only where it differs", () => {
    const [same, changed] = [job(), job({ status: "QUEUED" })];
    const shown = { ...changed, notes: "Waiting note" };
    const older = new Database(path.join(folder.dir, DATABASE_FILE));
    // The schema before the jobs table was rebuilt (server column nullable).
    const before = 1;
    for (const migration of MIGRATIONS.slice(0, before)) older.exec(migration);
    older.pragma(`user_version = ${before}`);
    const insert = older.prepare(
      `INSERT INTO jobs (id, server, data, number, title, status, queue_position, pickup_code, customer_id, updated_at, generation)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
    );
    for (const [server, data] of [[same, same], [changed, shown]] as const) {
      insert.run(server.id, JSON.stringify(server), JSON.stringify(data), data.number, data.title, data.status, data.queuePosition, data.pickupCode, data.customerId, data.updatedAt);
    }
    const waiting: SyncMutation = { id: randomUUID(), type: "job.note", args: { id: changed.id, version: changed.version, notes: "Waiting note" }, clientTime: shown.updatedAt };
    older
      .prepare("INSERT INTO outbox (mutation_id, type, args, client_time, job_id, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(waiting.id, waiting.type, JSON.stringify(waiting.args), waiting.clientTime, changed.id, waiting.clientTime);
    older.close();

    const db = openDatabase(folder.dir);
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare<[], { name: string; notnull: number }>("SELECT name, \"notnull\" FROM pragma_table_info('jobs') WHERE name = 'server'").get()).toEqual({ name: "server", notnull: 0 });
    expect(db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND sql IS NOT NULL ORDER BY name").all()).toEqual([
      { name: "jobs_board" },
      { name: "jobs_number" },
      { name: "jobs_pickup_code" },
    ]);
    expect(storedCopies(db, same.id)).toEqual({ server: null, data: JSON.stringify(same) });
    expect(storedCopies(db, changed.id)).toEqual({ server: JSON.stringify(changed), data: JSON.stringify(shown) });
    expect(getJob(db, same.id)).toEqual(same);
    expect(getJob(db, changed.id)).toEqual(shown);
    // Its waiting change refused, the migrated job rolls back to the server's row it kept.
    landAnswer(db, waiting, changed.id, "rejected", null);
    expect(storedCopies(db, changed.id)).toEqual({ server: null, data: JSON.stringify(changed) });
    db.close();
  });
});

describe("working offline", () => {
  it("hands a job over against the cache, answers a second scan from the outbox, and keeps both for the server", async () => {
    const ready = job();
    const core = offlineConsole([ready]);
    // The engine tried the server and found nobody there (it says what the state was if it never does).
    await syncStateReached(core, (state) => state.connection === "offline" && state.lastError !== null, 10_000);
    expect(core.sync.state()).toMatchObject({ connection: "offline", signedIn: true, outboxSize: 0 });
    expect(core.sync.state().lastError).toMatch(/cannot be reached/);

    expect(core.pickup.lookup(ready.pickupCode)).toMatchObject({ canHandOver: true, refusal: null, pendingHandover: null });
    const first = await core.pickup.confirm(ready.pickupCode);
    expect(first).toMatchObject({ outcome: "pending_sync", job: { status: "PICKED_UP", pickedUpStationName: "Counter 1", pendingChanges: 1 } });
    const second = await core.pickup.confirm(ready.pickupCode.toLowerCase());
    expect(second).toMatchObject({ outcome: "pending_sync", mutationId: first.mutationId });
    expect(second.message).toMatch(/already handed over at this station/);
    expect(core.pickup.lookup(ready.pickupCode).pendingHandover?.mutationId).toBe(first.mutationId);
    expect(core.sync.state().outboxSize).toBe(1);

    // Durable: a new process on the same folder finds the queued handover and the shown state.
    await core.close();
    const reopened = offlineConsoleReopen();
    expect(reopened.sync.state().outboxSize).toBe(1);
    expect(reopened.queue.get(ready.id)).toMatchObject({ status: "PICKED_UP", pendingChanges: 1 });
  });

  it("finds a code's waiting handover among an offline day's scans by its index, and none once it is answered", async () => {
    const ready = Array.from({ length: 120 }, () => job());
    const core = offlineConsole(ready);
    await syncStateReached(core, (state) => state.connection === "offline" && state.lastError !== null, 10_000);
    const handed = [];
    for (const scanned of ready.slice(0, 100)) handed.push(await core.pickup.confirm(scanned.pickupCode));
    expect(handed.every((answer) => answer.outcome === "pending_sync")).toBe(true);
    for (const i of [0, 57, 99]) {
      const code = ready[i]?.pickupCode as string;
      expect(core.pickup.lookup(code.toLowerCase()).pendingHandover?.mutationId).toBe(handed[i]?.mutationId);
      expect(await core.pickup.confirm(code)).toMatchObject({ outcome: "pending_sync", mutationId: handed[i]?.mutationId });
    }
    expect(core.pickup.lookup(ready[100]?.pickupCode as string)).toMatchObject({ canHandOver: true, pendingHandover: null });
    expect(core.sync.state().outboxSize).toBe(100);

    // Read by the code's index, not by parsing every waiting scan.
    const db = openDatabase(folder.dir);
    const plan = db.prepare<[string], { detail: string }>(`EXPLAIN QUERY PLAN ${PENDING_PICKUP_STATEMENT}`).all(ready[0]?.pickupCode as string);
    expect(plan.map((step) => step.detail)).toEqual(["SEARCH outbox USING INDEX outbox_pickup_code (<expr>=?)"]);
    // Answered, the scan no longer waits: the code is the cache's again.
    const first = handed[0]?.mutationId as string;
    db.prepare("UPDATE outbox SET status = 'applied' WHERE mutation_id = ?").run(first);
    db.close();
    expect(core.pickup.lookup(ready[0]?.pickupCode as string).pendingHandover).toBeNull();
    await core.close();
  });

  it("refuses at the counter what the server would refuse, with the same words, and queues nothing", async () => {
    const unpaid = job({ paymentStatus: "UNPAID", paidCents: 500, priceCents: 2_000 });
    const cancelled = job({ status: "CANCELLED", queuePosition: null });
    const core = offlineConsole([unpaid, cancelled]);
    expect(await core.pickup.confirm(unpaid.pickupCode)).toMatchObject({
      outcome: "refused",
      refusal: { reason: "UNPAID", message: `J-00${unpaid.number} is not paid: collect €15.00 first, then scan again.` },
    });
    expect((await core.pickup.confirm(cancelled.pickupCode)).refusal?.reason).toBe("CANCELLED");
    expect((await core.pickup.confirm("ABCDE-FGHJK")).refusal?.reason).toBe("INVALID_CODE");
    expect((await core.pickup.confirm(generatePickupCode())).refusal?.reason).toBe("UNKNOWN_CODE");
    expect(core.sync.state().outboxSize).toBe(0);
  });

  it("chains notes and moves on one job, each against the version the server will have by then", async () => {
    const queued = job({ status: "QUEUED", version: 4 });
    const core = offlineConsole([queued]);
    await core.jobs.note(queued.id, "Use the matte PLA");
    await core.jobs.transition(queued.id, "IN_PROGRESS");
    await expect(core.jobs.transition(queued.id, "SHIPPED")).rejects.toThrow(/cannot become SHIPPED/);
    expect(core.queue.get(queued.id)).toMatchObject({ status: "IN_PROGRESS", notes: "Use the matte PLA", version: 6, pendingChanges: 2 });
    const db = openDatabase(folder.dir);
    const rows = db.prepare<[], { type: string; args: string }>("SELECT type, args FROM outbox ORDER BY seq").all();
    db.close();
    expect(rows.map((r) => [r.type, (JSON.parse(r.args) as { version: number }).version])).toEqual([
      ["job.note", 4],
      ["job.transition", 5],
    ]);
  });

  it("builds the handoff summary from the cache, stamped with the last sync", async () => {
    const ready = job({ paymentStatus: "UNPAID", paidCents: 0 });
    const overdue = job({ status: "IN_PROGRESS", dueAt: new Date(Date.now() - 3_600_000).toISOString() });
    const core = offlineConsole([ready, overdue]);
    const summary = await core.handoff.summary();
    expect(summary).toMatchObject({
      source: "cache",
      counts: { readyWaiting: 1, readyUnpaid: 1, overdue: 1, started: null },
      readyWaiting: [{ jobId: ready.id, unpaid: true, amountDue: "€20.00" }],
    });
    expect(summary.source === "cache" && summary.asOf).toBeTruthy();
    const created = await core.handoff.create("Printer 2 jams on PETG");
    expect(created).toMatchObject({ status: "pending" });
  });

  it("answers the renderer through localRouter, and says 'offline' where only the server can answer", async () => {
    const ready = job();
    const core = offlineConsole([ready]);
    const caller = createLocalRouter({ serverUrl: folder.deadUrl, core }).createCaller({});
    expect((await caller.queue.list({ limit: 10 })).items.map((j) => j.id)).toEqual([ready.id]);
    expect((await caller.queue.list({ search: `J-${ready.number}` })).items).toHaveLength(1);
    const refusal = await caller.queue.timeline({ id: ready.id }).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/cannot be reached/) });
    const stream = await caller.sync.onState();
    const first = await stream[Symbol.asyncIterator]().next();
    expect(first.value).toMatchObject({ signedIn: true, outboxSize: 0 });
  });
});

function offlineConsoleReopen(): ConsoleCore {
  const core = createConsoleCore({
    dataDir: folder.dir,
    secrets: memorySecretStore({ stationToken: "station-token-xxxxxxxxxxxx", sessionToken: "session-token-xxxxxxxxxxxx" }),
    requestTimeoutMs: 500,
  });
  folder.cores.push(core);
  return core;
}
