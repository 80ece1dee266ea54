// PostgreSQL stopped and started again under load, on a cluster of this file's own (stopping
// the suite's shared one would disturb every other file). While it is down every request is
// answered quickly with 503 and a message a person can act on, never 500 and never a hang; when
// it is back the same API process serves again; and nothing it acknowledged is lost.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { applyMigrations, freePort, startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@orderdeck/db";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSecretKey, startApiHere } from "./api-process.ts";
import { ApiClient, type ApiAnswer } from "./http-client.ts";
import { handoverViolations, numberingViolations, queueViolations } from "./invariants.ts";
import { addJobs, createShop, type Shop } from "./shop.ts";

/** Longest a request may take while the database is down. */
const ANSWER_BOUND_MS = 5_000;
const CLIENTS = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dataDir: string;
let port: number;
let cluster: EmbeddedPostgresHandle | undefined;
let pool: pg.Pool;
let databaseUrl: string;
let shop: Shop;
let codes: string[];
let api: Awaited<ReturnType<typeof startApiHere>>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "orderdeck-outage-"));
  port = await freePort();
  cluster = await startEmbeddedPostgres({ dataDir, port });
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  await admin.query("CREATE DATABASE orderdeck");
  await admin.end();
  databaseUrl = cluster.urlFor("orderdeck");
  await applyMigrations(databaseUrl);
  pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // The suite's own pool sees the outage too; its idle connections dying is expected.
  pool.on("error", () => undefined);
  const secretKey = newSecretKey();
  shop = await createShop(pool, secretKey, { name: "Outage", stations: 4, seats: Array.from({ length: CLIENTS }, () => "STAFF" as const) });
  codes = (await addJobs(pool, shop.siteId, Array.from({ length: 2_000 }, () => ({ status: "READY_FOR_PICKUP" as const, paymentStatus: "PAID" as const })))).map(
    (j) => j.pickupCode,
  );
  api = await startApiHere(databaseUrl, secretKey, { TRUST_PROXY: "127.0.0.1" });
});

afterAll(async () => {
  await api?.stop();
  await pool?.end();
  await cluster?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Outcome {
  /** performance.now() when the request was sent. */
  sentAt: number;
  answer: ApiAnswer;
}

describe("PostgreSQL stopped and restarted under load", () => {
  it("answers 503 quickly while it is down, recovers without a restart, and loses nothing acknowledged", { timeout: 120_000 }, async () => {
    let stopLoad = false;
    const outcomes: Outcome[] = [];
    const handedOver = new Set<string>();
    const created: string[] = [];
    let nextCode = 0;

    const record = async <T>(call: Promise<ApiAnswer<T>>): Promise<ApiAnswer<T>> => {
      const sentAt = performance.now();
      const answer = await call;
      outcomes.push({ sentAt, answer: answer as ApiAnswer });
      return answer;
    };

    // Each console scans fresh codes, and repeats a scan with the same mutation id until it gets
    // a definite answer, as the console's outbox does; now and then it takes a walk-in order.
    const consoles = shop.seats.map(async (seat, i) => {
      const client = new ApiClient(api.url, { ...seat.headers, "x-forwarded-for": `10.1.${i}.9` });
      while (!stopLoad) {
        if (i % 4 === 0) {
          const made = await record(client.mutate<{ id: string }>("jobs.create", { title: "Outage walk-in", priceCents: 900 }, { timeoutMs: 15_000 }));
          if (made.status === 200 && made.data) created.push(made.data.id);
          else await sleep(50);
          continue;
        }
        const code = codes[nextCode++];
        if (!code) break;
        const input = { code, clientMutationId: randomUUID(), scannedAt: new Date().toISOString() };
        // The database is back within seconds: a scan still unanswered after this is a failure to name.
        const answerBy = Date.now() + 120_000;
        for (;;) {
          if (Date.now() > answerBy) throw new Error(`console ${i}'s scan of ${code} got no definite answer in 120 s (last: ${outcomes.at(-1)?.answer.status})`);
          const answer = await record(client.mutate<{ job: { id: string } }>("pickup.confirm", input, { timeoutMs: 15_000 }));
          if (answer.status === 200 && answer.data) handedOver.add(answer.data.job.id);
          if (answer.status !== 503 && answer.status !== 0) break;
          await sleep(100);
        }
      }
    });

    // Under load first: some changes acknowledged before the database goes away.
    const loadedBy = Date.now() + 60_000;
    while (outcomes.filter((o) => o.answer.status === 200).length < 10 && Date.now() < loadedBy) await sleep(100);
    expect(outcomes.filter((o) => o.answer.status === 200).length, "changes acknowledged under load within a minute, before the outage").toBeGreaterThanOrEqual(10);
    await sleep(500);
    const stopping = performance.now();
    await cluster?.stop();
    cluster = undefined;
    // Requests sent from here until the restart begins find no database at all.
    const stopped = performance.now();
    const healthWhileDown = await fetch(`${api.url}/healthz`);
    const readyStarted = performance.now();
    const readyWhileDown = await fetch(`${api.url}/readyz`);
    const readyMs = performance.now() - readyStarted;
    await sleep(4_000);

    const restarting = performance.now();
    cluster = await startEmbeddedPostgres({ dataDir, port });
    const restarted = performance.now();
    // Served again by the same process within a few seconds of the database's return.
    const probe = new ApiClient(api.url, shop.seats[1]?.headers);
    const backBy = Date.now() + 30_000;
    let recovered: ApiAnswer | undefined;
    while (Date.now() < backBy) {
      recovered = await probe.query("auth.me");
      if (recovered.status === 200) break;
      await sleep(200);
    }
    await sleep(2_000);
    stopLoad = true;
    await Promise.all(consoles);

    const before = outcomes.filter((o) => o.sentAt < stopping);
    const down = outcomes.filter((o) => o.sentAt >= stopped && o.sentAt < restarting);
    const after = outcomes.filter((o) => o.sentAt >= restarted);
    const summary = (list: Outcome[]) => JSON.stringify(Object.fromEntries([...new Set(list.map((o) => o.answer.status))].map((s) => [s, list.filter((o) => o.answer.status === s).length])));
    console.info(`outage: before ${summary(before)}, down ${summary(down)}, after ${summary(after)}`);

    expect(before.filter((o) => o.answer.status === 200).length).toBeGreaterThan(0);
    expect(down.length).toBeGreaterThan(CLIENTS);
    // Down: 503 with a message to act on, within the bound, for every request.
    for (const { answer } of down) {
      expect(answer.status, answer.networkError ?? answer.error?.message).toBe(503);
      expect(answer.error?.message).toMatch(/database is not reachable right now|cannot be reached right now/);
      expect(answer.ms).toBeLessThan(ANSWER_BOUND_MS);
    }
    // No request, in any phase, answered 500 or went unanswered.
    expect(outcomes.filter((o) => o.answer.status >= 500 && o.answer.status !== 503).map((o) => o.answer.error)).toEqual([]);
    expect(outcomes.filter((o) => o.answer.status === 0).map((o) => o.answer.networkError)).toEqual([]);
    expect(healthWhileDown.status).toBe(200);
    expect(readyWhileDown.status).toBe(503);
    expect(readyMs).toBeLessThan(ANSWER_BOUND_MS);

    expect(recovered?.status, "the same API process serves again within 30 s of the database's return").toBe(200);
    expect(after.filter((o) => o.answer.status === 200).length).toBeGreaterThan(0);

    // Nothing acknowledged is lost, nothing is applied twice.
    const stored = await pool.query<{ id: string; status: string }>(`SELECT id::text, status::text FROM jobs WHERE id = ANY($1::uuid[])`, [[...handedOver, ...created]]);
    const byId = new Map(stored.rows.map((r) => [r.id, r.status]));
    expect([...handedOver].filter((id) => byId.get(id) !== "PICKED_UP")).toEqual([]);
    expect(created.filter((id) => !byId.has(id))).toEqual([]);
    expect(await handoverViolations(pool, shop.siteId)).toEqual([]);
    expect(await numberingViolations(pool, shop.siteId)).toEqual([]);
    expect(await queueViolations(pool, shop.siteId)).toEqual([]);
  });
});
