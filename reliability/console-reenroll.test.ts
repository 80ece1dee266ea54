// The API SIGKILLed after it committed a console's push and before its answer left (a proxy in front
// of the API process kills it the moment the answer to sync.push starts, and forwards nothing), the
// console's station revoked and the console enrolled again with a new code: the outbox is sent again
// from a new station, and the server, which keys its ledger on the console installation, answers it
// from what it recorded. Every change is applied once: one handover event and one receipt per job
// (numbered without a gap), one note, one handoff.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { openDatabase, type ConsoleCore } from "@orderdeck/console-core";
import { createTestDatabase, type TestDatabase } from "@orderdeck/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { addJob, adminOf, createSiteSetup, cuttableNetwork, enrolledConsole, eventually, PASSWORD, SECRET, tempDir, until } from "../apps/server/test/console-helpers.ts";
import { spawnApi, type ServerChild } from "./api-process.ts";

let db: TestDatabase;
const children: ServerChild[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL");
  await db?.drop();
});

interface KillingProxy {
  url: string;
  /** Where requests go from now on (the API restarted on another port). */
  retarget(port: number): void;
  /** The next answer to sync.push is never forwarded: `kill` runs as it starts, and the connection is dropped. */
  armKill(kill: () => void): Promise<void>;
  close(): Promise<void>;
}

/** A plain HTTP proxy in front of the API process (SSE streams pass through). */
async function killingProxy(port: number): Promise<KillingProxy> {
  let target = port;
  let armed: { kill: () => void; done: () => void } | null = null;
  const server: Server = createServer((incoming, outgoing) => {
    const upstream = request({ host: "127.0.0.1", port: target, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      const trap = armed;
      if (trap && incoming.url?.includes("sync.push")) {
        armed = null;
        trap.kill();
        answer.destroy();
        outgoing.socket?.destroy();
        trap.done();
        return;
      }
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on("error", () => outgoing.socket?.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    retarget(next) {
      target = next;
    },
    armKill(kill) {
      return new Promise((done) => {
        armed = { kill, done };
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const rows = async (sql: string, params: unknown[]) => (await db.pool.query(sql, params)).rows;

describe("a push committed, its answer lost with the API, the console enrolled again", () => {
  it("is applied once when the console sends it again from its new station", { timeout: 120_000 }, async () => {
    const setup = await createSiteSetup(db, "Reenroll Works");
    const ready = [await addJob(db, setup.siteId, { status: "READY_FOR_PICKUP" }), await addJob(db, setup.siteId, { status: "READY_FOR_PICKUP" })];
    const queued = await addJob(db, setup.siteId);
    let api = await spawnApi(db.url, SECRET);
    children.push(api);
    const proxy = await killingProxy(api.port);
    cleanups.push(proxy.close);
    const data = await tempDir("orderdeck-reenroll-");
    cleanups.push(data.remove);
    const network = cuttableNetwork();
    // A long backoff: the console tries again only when asked to (sync now, an action, a sign-in).
    const core: ConsoleCore = await enrolledConsole({ url: proxy.url, port: 0, stop: async () => undefined }, setup, data.dir, "LEAD", {
      fetch: network.fetch,
      backoff: { minMs: 60_000, maxMs: 60_000 },
      liveAnswerTimeoutMs: 300,
    });
    cleanups.push(() => core.close());
    await until(core, (s) => s.connection === "online" && s.lastSyncAt !== null, 30_000);
    const firstStation = core.setup.state().station;

    // Offline: two handovers, a note and the lead's handoff wait in the outbox.
    network.cut(true);
    void core.sync.now();
    await until(core, (s) => s.connection === "offline");
    for (const job of ready) expect(await core.pickup.confirm(job.pickupCode)).toMatchObject({ outcome: "pending_sync" });
    expect(await core.jobs.note(queued.id, "Matte finish, as agreed")).toMatchObject({ status: "pending" });
    expect(await core.handoff.create("Printer 2 jams on PETG")).toMatchObject({ status: "pending" });
    expect(core.sync.state().outboxSize).toBe(4);

    // Back online: the push commits, and the API dies as its answer starts. Nothing more reaches the
    // server from this console until it is enrolled again.
    const killed = proxy.armKill(() => {
      network.cut(true);
      api.process.kill("SIGKILL");
    });
    network.cut(false);
    void core.sync.now();
    await killed;
    expect(await api.exited).toBe("SIGKILL");
    await until(core, (s) => s.connection === "offline" && s.outboxSize === 4);
    expect(await rows("SELECT outcome::text FROM client_mutations WHERE site_id = $1", [setup.siteId])).toEqual(
      Array.from({ length: 4 }, () => ({ outcome: "APPLIED" })),
    );

    // The API is back; an admin revokes the console's station and hands out a new enrollment code.
    api = await spawnApi(db.url, SECRET);
    children.push(api);
    proxy.retarget(api.port);
    const admin = await adminOf({ url: api.url, port: api.port, stop: async () => undefined }, setup);
    await admin.mutation("stations.revoke", { stationId: firstStation?.id }, z.unknown());
    network.cut(false);
    await core.setup.enroll(await setup.enrollmentCode("Reenroll Works counter, again"));
    expect(core.setup.state().station?.id).not.toBe(firstStation?.id);
    await core.setup.signIn(setup.users.LEAD.email, PASSWORD);
    await until(core, (s) => s.signedIn && s.connection === "online" && s.outboxSize === 0, 30_000);

    // Answered from the ledger: nothing applied twice, nothing refused.
    expect(core.notices.list()).toEqual([]);
    const cache = openDatabase(data.dir);
    try {
      const answers = cache.prepare<[], { status: string; replayed: number }>("SELECT status, json_extract(result, '$.replayed') AS replayed FROM outbox ORDER BY seq").all();
      expect(answers).toEqual(Array.from({ length: 4 }, () => ({ status: "applied", replayed: 1 })));
    } finally {
      cache.close();
    }
    const ids = ready.map((j) => j.id);
    expect(await rows("SELECT outcome::text, station_id::text AS station FROM client_mutations WHERE site_id = $1", [setup.siteId])).toEqual(
      Array.from({ length: 4 }, () => ({ outcome: "APPLIED", station: firstStation?.id })),
    );
    expect(await rows("SELECT job_id::text AS job, type FROM job_events WHERE site_id = $1 ORDER BY type, job_id", [setup.siteId])).toEqual([
      ...[...ids].sort().map((job) => ({ job, type: "picked_up" })),
      { job: queued.id, type: "updated" },
    ]);
    expect(await rows("SELECT outcome::text FROM scan_records WHERE job_id = ANY($1::uuid[])", [ids])).toEqual([{ outcome: "HANDED_OVER" }, { outcome: "HANDED_OVER" }]);
    expect(await rows("SELECT notes FROM handoffs WHERE site_id = $1", [setup.siteId])).toEqual([{ notes: "Printer 2 jams on PETG" }]);
    expect(await rows("SELECT number FROM receipts WHERE site_id = $1 ORDER BY number", [setup.siteId])).toEqual([{ number: 1 }, { number: 2 }]);
    await eventually(
      () => core.handoff.list().map((h) => h.notes),
      (notes) => notes.length === 1 && notes[0] === "Printer 2 jams on PETG",
    );
  });
});
