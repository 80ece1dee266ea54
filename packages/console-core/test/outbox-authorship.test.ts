// The outbox's authorship rule on real SQLite files, without a server: each change records who made
// it and under which session; only the signed-in author's changes are taken for sending, in outbox
// order, and not those the server deferred under this same session; everyone else's wait, named in
// the sync state and listed for a lead. An older console's database is migrated: waiting changes
// belong to the person signed in when it ran; with nobody signed in they wait for a lead to take
// them over.
import { randomUUID } from "node:crypto";
import path from "node:path";
import { formatJobNumber, type SyncJob } from "@orderdeck/contracts";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ConsoleRefusal, createConsoleCore, memorySecretStore, openDatabase, SCHEMA_VERSION, type ConsoleCore } from "../src/index.ts";
import { applyPullPage, getJob, showChange } from "../src/store/cache.ts";
import { DATABASE_FILE, MIGRATIONS, type SqliteDatabase } from "../src/store/database.ts";
import { adoptUnattributed, enqueue, hold, nextBatch, waitingGroups, type Author } from "../src/store/outbox.ts";
import { job, offlineConsoleFolderPerTest } from "./fixtures.ts";

const folder = offlineConsoleFolderPerTest("orderdeck-authorship-");

const STATION = { id: randomUUID(), name: "Counter 3" };
const SITE = { id: randomUUID(), name: "Authorship Werkstatt", timezone: "Europe/Berlin", defaultCurrency: "EUR", slaWarnHours: 48, slaBreachHours: 96, shiftRules: [] };
const ALEX = { id: randomUUID(), name: "Alex Staff", email: "alex@orderdeck.test", role: "STAFF" };
const LEE = { id: randomUUID(), name: "Lee Lead", email: "lee@orderdeck.test", role: "LEAD" };
const author = (user: typeof ALEX, sessionId: string | null = randomUUID()): Author => ({ userId: user.id, name: user.name, sessionId });

function pulled(db: SqliteDatabase, jobs: SyncJob[]): void {
  const page = { jobs, customers: [], tombstones: [], site: SITE, handoffs: [], full: true, cursor: `c-${randomUUID()}`, hasMore: false, serverTime: new Date().toISOString() };
  applyPullPage(db, page, { userId: null, userName: null, stationId: STATION.id, stationName: STATION.name }, new Date());
}

const note = (target: SyncJob, notes: string) => ({ type: "job.note" as const, args: { id: target.id, version: target.version, notes }, clientTime: new Date().toISOString() });

/** A console whose sign-in is stored (settings and a session token), with no server to reach. */
function signedInConsole(user: typeof ALEX | null, sessionId: string | null = randomUUID()): ConsoleCore {
  const db = openDatabase(folder.dir);
  const set = db.prepare("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  set.run("server_url", folder.deadUrl);
  set.run("station", JSON.stringify(STATION));
  set.run("site", JSON.stringify({ id: SITE.id, name: SITE.name, timezone: SITE.timezone }));
  if (user) set.run("user", JSON.stringify(user));
  if (user && sessionId) set.run("session_id", sessionId);
  db.close();
  const core = createConsoleCore({
    dataDir: folder.dir,
    secrets: memorySecretStore({ stationToken: "station-token-xxxxxxxxxxxx", sessionToken: user ? "session-token-xxxxxxxxxxxx" : null }),
    backoff: { minMs: 50, maxMs: 200 },
    requestTimeoutMs: 500,
  });
  folder.cores.push(core);
  return core;
}

/** A database as the console before authorship left it (schema 2), holding these outbox rows. */
function olderDatabase(rows: Array<{ status: string; job: SyncJob; notes: string }>, signedIn: typeof ALEX | null): string[] {
  const older = new Database(path.join(folder.dir, DATABASE_FILE));
  for (const migration of MIGRATIONS.slice(0, 2)) older.exec(migration);
  older.pragma("user_version = 2");
  if (signedIn) older.prepare("INSERT INTO settings (key, value) VALUES ('user', ?)").run(JSON.stringify(signedIn));
  const insert = older.prepare("INSERT INTO outbox (mutation_id, type, args, client_time, status, job_id, created_at) VALUES (?, 'job.note', ?, ?, ?, ?, ?)");
  const ids = rows.map((row) => {
    const id = randomUUID();
    const at = new Date().toISOString();
    insert.run(id, JSON.stringify({ id: row.job.id, version: row.job.version, notes: row.notes }), at, row.status, row.job.id, at);
    return id;
  });
  older.close();
  return ids;
}

const authorsOf = (db: SqliteDatabase) =>
  db.prepare<[], { status: string; author_id: string | null; author_name: string | null }>("SELECT status, author_id, author_name FROM outbox ORDER BY seq").all();

describe("the outbox records who made each change", () => {
  it("takes for sending only the signed-in author's changes, in outbox order, and not those deferred under this session", () => {
    const db = openDatabase(folder.dir);
    const [a, b] = [job(), job()];
    pulled(db, [a, b]);
    const alex = author(ALEX);
    const lee = author(LEE);
    const made = [
      enqueue(db, note(a, "Alex 1"), a.id, alex, new Date()),
      enqueue(db, note(b, "Lee 1"), b.id, lee, new Date()),
      enqueue(db, note(a, "Alex 2"), a.id, alex, new Date()),
      enqueue(db, note(b, "Lee 2"), b.id, lee, new Date()),
      enqueue(db, note(a, "Alex 3"), a.id, alex, new Date()),
    ];
    expect(made.map((m) => m.authorId)).toEqual([ALEX.id, LEE.id, ALEX.id, LEE.id, ALEX.id]);
    expect(db.prepare("SELECT author_id, author_name, author_session FROM outbox ORDER BY seq LIMIT 1").get()).toEqual({
      author_id: ALEX.id,
      author_name: ALEX.name,
      author_session: alex.sessionId,
    });
    const notesOf = (rows: Array<{ args: string }>) => rows.map((r) => (JSON.parse(r.args) as { notes: string }).notes);
    expect(notesOf(nextBatch(db, 100, alex))).toEqual(["Alex 1", "Alex 2", "Alex 3"]);
    expect(notesOf(nextBatch(db, 2, alex))).toEqual(["Alex 1", "Alex 2"]);
    expect(notesOf(nextBatch(db, 100, lee))).toEqual(["Lee 1", "Lee 2"]);
    // Sent with its author, so the server can refuse it under anyone else's session.
    expect(nextBatch(db, 1, alex).map((r) => r.author_id)).toEqual([ALEX.id]);

    // Deferred by the server under this session: left out for the rest of it, taken again under the next.
    hold(db, made[2]?.id ?? "", alex.sessionId);
    expect(notesOf(nextBatch(db, 100, alex))).toEqual(["Alex 1", "Alex 3"]);
    expect(notesOf(nextBatch(db, 100, { ...alex, sessionId: randomUUID() }))).toEqual(["Alex 1", "Alex 2", "Alex 3"]);

    expect(waitingGroups(db, ALEX.id)).toEqual([{ userId: LEE.id, name: LEE.name, count: 2 }]);
    expect(waitingGroups(db, null)).toEqual([
      { userId: ALEX.id, name: ALEX.name, count: 3 },
      { userId: LEE.id, name: LEE.name, count: 2 },
    ]);
    db.close();
  });

  it("shows a waiting change as its author's, whoever is signed in when the server's row lands", () => {
    const db = openDatabase(folder.dir);
    const ready = job({ status: "READY_FOR_PICKUP" });
    pulled(db, [ready]);
    const alex = author(ALEX);
    db.transaction(() => {
      const handover = enqueue(db, { type: "pickup.confirm", args: { code: ready.pickupCode, scannedAt: new Date().toISOString(), offline: true }, clientTime: new Date().toISOString() }, ready.id, alex, new Date());
      showChange(db, ready.id, handover, { userId: ALEX.id, userName: ALEX.name, stationId: STATION.id, stationName: STATION.name });
    })();
    // Lee is signed in now; a pull brings the server's row again.
    applyPullPage(
      db,
      { jobs: [{ ...ready, title: "Renamed", changeSeq: String(Number(ready.changeSeq) + 1) }], customers: [], tombstones: [], site: null, handoffs: null, full: false, cursor: "c2", hasMore: false, serverTime: new Date().toISOString() },
      { userId: LEE.id, userName: LEE.name, stationId: STATION.id, stationName: STATION.name },
      new Date(),
    );
    expect(getJob(db, ready.id)).toMatchObject({ title: "Renamed", status: "PICKED_UP", pickedUpById: ALEX.id, pickedUpByName: ALEX.name });
    db.close();
  });

  it("queues an action under the person signed in, lets them sign out offline, and names them to whoever comes next", async () => {
    const queued = job();
    const seed = openDatabase(folder.dir);
    pulled(seed, [queued]);
    seed.close();
    const session = randomUUID();
    const core = signedInConsole(ALEX, session);
    core.start();
    expect(await core.jobs.note(queued.id, "Sand the edges")).toMatchObject({ status: "pending" });
    expect(core.sync.state()).toMatchObject({ outboxSize: 1, waitingFor: [] });

    expect((await core.setup.signOut()).user).toBeNull();
    expect(core.sync.state()).toMatchObject({ signedIn: false, outboxSize: 1, waitingFor: [{ userId: ALEX.id, name: ALEX.name, count: 1 }] });
    await core.close();
    const db = openDatabase(folder.dir);
    // Still waiting (tried against the missing server, or not yet), as Alex's, made under that session.
    expect(db.prepare("SELECT author_id, author_name, author_session FROM outbox WHERE status IN ('pending', 'sent')").all()).toEqual([
      { author_id: ALEX.id, author_name: ALEX.name, author_session: session },
    ]);
    db.close();
  });

  it("lists another person's waiting changes to a lead, with the console that holds them, and to nobody below a lead", async () => {
    const [a, b] = [job(), job()];
    const db = openDatabase(folder.dir);
    pulled(db, [a, b]);
    enqueue(db, note(a, "Alex's note"), a.id, author(ALEX), new Date());
    enqueue(db, { type: "handoff.create", args: { notes: "Lee's handoff" }, clientTime: "2026-03-01T10:00:00.000Z" }, null, author(LEE), new Date());
    db.close();

    const lead = signedInConsole(LEE);
    expect(lead.outbox.waiting()).toEqual({
      station: STATION,
      changes: [expect.objectContaining({ description: `Note on ${formatJobNumber(a.number)}`, jobId: a.id, authorId: ALEX.id, authorName: ALEX.name })],
    });
    expect(lead.sync.state().waitingFor).toEqual([{ userId: ALEX.id, name: ALEX.name, count: 1 }]);
    await lead.close();

    const staff = signedInConsole(ALEX);
    expect(() => staff.outbox.waiting()).toThrow(ConsoleRefusal);
    expect(() => staff.outbox.waiting()).toThrow(/needs the LEAD role/);
    expect(staff.sync.state().waitingFor).toEqual([{ userId: LEE.id, name: LEE.name, count: 1 }]);
  });
});

describe("an older console's database", () => {
  it("gives the changes still waiting to the person signed in when it is migrated, and none to those already answered", () => {
    const [a, b] = [job(), job()];
    olderDatabase(
      [
        { status: "applied", job: a, notes: "Answered long ago" },
        { status: "pending", job: a, notes: "Waiting" },
        { status: "sent", job: b, notes: "On its way when the console stopped" },
      ],
      ALEX,
    );
    const db = openDatabase(folder.dir);
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(authorsOf(db)).toEqual([
      { status: "applied", author_id: null, author_name: null },
      { status: "pending", author_id: ALEX.id, author_name: ALEX.name },
      { status: "sent", author_id: ALEX.id, author_name: ALEX.name },
    ]);
    // No session was recorded then: the next one of Alex's sends them.
    expect(nextBatch(db, 100, author(ALEX, null)).map((r) => r.status)).toEqual(["pending", "sent"]);
    db.close();
  });

  it("with nobody signed in, keeps waiting changes for a lead: nobody's session sends them until a lead takes them over", async () => {
    const a = job();
    const ids = olderDatabase(
      [
        { status: "pending", job: a, notes: "Whose?" },
        { status: "sent", job: a, notes: "Whose too?" },
      ],
      null,
    );
    const db = openDatabase(folder.dir);
    expect(authorsOf(db).map((r) => r.author_id)).toEqual([null, null]);
    expect(nextBatch(db, 100, author(ALEX))).toEqual([]);
    expect(nextBatch(db, 100, author(LEE))).toEqual([]);
    expect(waitingGroups(db, LEE.id)).toEqual([{ userId: null, name: null, count: 2 }]);
    db.close();

    // A staff member cannot take them over; a lead can, and then they go out under the lead's session.
    const staff = signedInConsole(ALEX);
    expect(() => staff.outbox.adoptUnattributed()).toThrow(/needs the LEAD role/);
    await staff.close();
    const session = randomUUID();
    const lead = signedInConsole(LEE, session);
    expect(lead.outbox.waiting().changes.map((c) => [c.mutationId, c.authorId])).toEqual(ids.map((id) => [id, null]));
    expect(lead.outbox.adoptUnattributed()).toEqual({ adopted: 2 });
    expect(lead.sync.state().waitingFor).toEqual([]);
    await lead.close();
    const after = openDatabase(folder.dir);
    expect(nextBatch(after, 100, author(LEE, session)).map((r) => [r.mutation_id, r.author_session])).toEqual(ids.map((id) => [id, session]));
    // Taken over once: changes with an author are never taken over.
    expect(adoptUnattributed(after, author(ALEX))).toBe(0);
    after.close();
  });
});
