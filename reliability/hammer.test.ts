// 200 consoles hammer one shop through the real HTTP API for RELIABILITY_HAMMER_SECONDS (30 s):
// pickup scans (often of the same codes at once, sometimes repeated with the same mutation id),
// reorders, status changes, new jobs, payments and invoices. Nothing may answer 5xx or fail to
// answer, and afterwards every invariant of the shop holds: open positions distinct, no job
// handed over twice, one event per acknowledged change and status histories that chain, job /
// invoice / receipt numbers gapless.
import type { UserRole } from "@orderdeck/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiHere } from "./api-process.ts";
import { addHammerJobs, indefinite, runHammer, type HammerJobs } from "./hammer-load.ts";
import { eventViolations, handoverViolations, numberingViolations, queueViolations } from "./invariants.ts";
import { createShop, shopDatabaseForFile, type Shop } from "./shop.ts";

const SECONDS = Number(process.env.RELIABILITY_HAMMER_SECONDS ?? 30);
const CLIENTS = 200;

const { db, secretKey } = await shopDatabaseForFile();
let shop: Shop;
let jobs: HammerJobs;
let api: Awaited<ReturnType<typeof startApiHere>>;

beforeAll(async () => {
  const seats: UserRole[] = Array.from({ length: CLIENTS }, (_, i) => (i % 4 === 0 ? "LEAD" : "STAFF"));
  shop = await createShop(db.pool, secretKey, { name: "Hammered", stations: 20, seats });
  jobs = await addHammerJobs(db.pool, shop.siteId, { readyPaid: 400, readyUnpaid: 60, queued: 240, inProgress: 80, postProcessing: 60, onHold: 30, failed: 20 });
  // Consoles sit behind a load balancer at 127.0.0.1 that names each one's own address.
  api = await startApiHere(db.url, secretKey, { TRUST_PROXY: "127.0.0.1" });
});

afterAll(async () => {
  await api?.stop();
});

describe("200 consoles at once", () => {
  it(`keep every invariant through ${SECONDS} s of pickups, reorders and status changes`, { timeout: (SECONDS + 90) * 1000 }, async () => {
    const { outcomes, acknowledged, replayMismatches, done } = await runHammer({ baseUrl: api.url, seats: shop.seats, ...jobs }, SECONDS);
    const statusCounts = new Map<number, number>();
    for (const { answer } of outcomes) statusCounts.set(answer.status, (statusCounts.get(answer.status) ?? 0) + 1);
    const failures = outcomes
      .filter(({ answer }) => indefinite(answer))
      .map(({ what, answer }) => `${what}: ${answer.status} ${answer.networkError ?? `${answer.error?.code} ${answer.error?.message}`}`);

    const summary = { ...done, statuses: Object.fromEntries([...statusCounts].sort(([a], [b]) => a - b)) };
    console.info(`hammer: ${JSON.stringify(summary)}`);
    expect(failures.slice(0, 20), `${failures.length} calls answered 5xx or not at all`).toEqual([]);
    expect(replayMismatches.slice(0, 20)).toEqual([]);
    // The load was real: every kind of change happened, and often.
    expect(done.handovers).toBeGreaterThan(20);
    expect(done.transitions).toBeGreaterThan(20);
    expect(done.reorders).toBeGreaterThan(20);
    expect(done.creates).toBeGreaterThan(0);

    expect(await queueViolations(db.pool, shop.siteId)).toEqual([]);
    expect(await handoverViolations(db.pool, shop.siteId)).toEqual([]);
    expect(await numberingViolations(db.pool, shop.siteId)).toEqual([]);
    expect(await eventViolations(db.pool, shop.siteId, acknowledged, jobs.firstStatus)).toEqual([]);
  });
});
