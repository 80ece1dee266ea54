// The API process SIGKILLed while consoles are mid-request. Each console works like its outbox:
// a scan is sent with its client mutation id until a definite answer comes back, across the
// crash and onto the restarted process. Every acknowledged change survives, and no scan is
// applied twice: a scan whose first attempt committed before the kill gets that answer again.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnApi, type ServerChild } from "./api-process.ts";
import { ApiClient, type ApiAnswer } from "./http-client.ts";
import { handoverViolations, numberingViolations, queueViolations } from "./invariants.ts";
import { addJobs, createShop, shopDatabaseForFile, type Shop } from "./shop.ts";

const CONSOLES = 6;
// Below the per-account scan limit (120 a minute), so every refusal here is a real one.
const SCANS_PER_CONSOLE = 40;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const { db, secretKey } = await shopDatabaseForFile();
let shop: Shop;
let codes: string[];
const children: ServerChild[] = [];

beforeAll(async () => {
  shop = await createShop(db.pool, secretKey, { name: "Crash", stations: 3, seats: Array.from({ length: CONSOLES }, () => "STAFF" as const) });
  const jobs = await addJobs(db.pool, shop.siteId, Array.from({ length: CONSOLES * SCANS_PER_CONSOLE }, (_, i) => ({ status: "READY_FOR_PICKUP" as const, paymentStatus: "PAID" as const, withPayment: i % 3 === 0 })));
  codes = jobs.map((j) => j.pickupCode);
});

afterAll(async () => {
  for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL");
});

interface Scan {
  code: string;
  clientMutationId: string;
  scannedAt: string;
  answers: ApiAnswer<{ job: { id: string }; replayed: boolean }>[];
}

describe("the API killed mid-request", () => {
  it("loses no acknowledged change and applies none twice", { timeout: 180_000 }, async () => {
    let api = await spawnApi(db.url, secretKey, { TRUST_PROXY: "127.0.0.1" });
    children.push(api);
    const created: string[] = [];
    let networkFailures = 0;

    const consoles = shop.seats.map(async (seat, i) => {
      const headers = { ...seat.headers, "x-forwarded-for": `10.2.${i}.1` };
      const outbox: Scan[] = codes.slice(i * SCANS_PER_CONSOLE, (i + 1) * SCANS_PER_CONSOLE).map((code) => ({
        code,
        clientMutationId: randomUUID(),
        scannedAt: new Date().toISOString(),
        answers: [],
      }));
      const done: Scan[] = [];
      for (const scan of outbox) {
        // The API is back within seconds of each kill: a scan still unanswered after this is a failure to name.
        const answerBy = Date.now() + 90_000;
        for (;;) {
          if (Date.now() > answerBy) {
            const last = scan.answers.at(-1);
            throw new Error(`console ${i}'s scan of ${scan.code} got no definite answer in 90 s (${scan.answers.length} tries, last: ${last?.status} ${last?.networkError ?? ""})`);
          }
          const client = new ApiClient(api.url, headers);
          if (i === 0 && scan.answers.length === 0) {
            // One console also takes walk-in orders between scans.
            const made = await client.mutate<{ id: string }>("jobs.create", { title: "Crash walk-in", priceCents: 700 });
            if (made.status === 200 && made.data) created.push(made.data.id);
          }
          const answer = await client.mutate<{ job: { id: string }; replayed: boolean }>(
            "pickup.confirm",
            { code: scan.code, clientMutationId: scan.clientMutationId, scannedAt: scan.scannedAt },
            { timeoutMs: 15_000 },
          );
          scan.answers.push(answer);
          if (answer.status !== 0 && answer.status !== 503) break;
          networkFailures++;
          await sleep(100);
        }
        done.push(scan);
      }
      return done;
    });

    // Two crashes, each while every console has a request in flight.
    for (let crash = 0; crash < 2; crash++) {
      await sleep(1_500);
      api.process.kill("SIGKILL");
      expect(await api.exited).toBe("SIGKILL");
      api = await spawnApi(db.url, secretKey, { TRUST_PROXY: "127.0.0.1" });
      children.push(api);
    }
    const scans = (await Promise.all(consoles)).flat();

    expect(networkFailures, "no request was cut off by the kills").toBeGreaterThan(0);
    const final = scans.map((s) => s.answers.at(-1) as ApiAnswer<{ job: { id: string }; replayed: boolean }>);
    // Every scan ends handed over: fresh, or (its first attempt having committed) the stored answer again.
    expect(final.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.error?.reason} ${a.error?.message}`)).toEqual([]);
    const retried = scans.filter((s) => s.answers.length > 1);
    console.info(`crash: ${scans.length} scans, ${retried.length} retried across a crash, ${final.filter((a) => a.data?.replayed).length} answered from the ledger`);

    const rows = await db.pool.query<{ pickup_code: string; status: string }>(`SELECT pickup_code, status::text FROM jobs WHERE pickup_code = ANY($1::text[])`, [
      scans.map((s) => s.code),
    ]);
    expect(rows.rows.filter((r) => r.status !== "PICKED_UP")).toEqual([]);
    const ledger = await db.pool.query<{ n: number; distinct_ids: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT (station_id, mutation_id))::int AS distinct_ids FROM client_mutations WHERE site_id = $1`,
      [shop.siteId],
    );
    expect(ledger.rows[0]).toEqual({ n: scans.length, distinct_ids: scans.length });
    const made = await db.pool.query<{ id: string }>(`SELECT id::text FROM jobs WHERE id = ANY($1::uuid[])`, [created]);
    expect(made.rows).toHaveLength(created.length);
    expect(await handoverViolations(db.pool, shop.siteId)).toEqual([]);
    expect(await numberingViolations(db.pool, shop.siteId)).toEqual([]);
    expect(await queueViolations(db.pool, shop.siteId)).toEqual([]);
  });
});
