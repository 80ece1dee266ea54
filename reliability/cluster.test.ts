// docs/DEPLOY.md's cluster on one machine, under faults: two API processes behind nginx, two
// workers, PgBouncer in front of PostgreSQL, each started from its file in deploy/ (cluster/).
// The hammer's consoles work through nginx and three console-core consoles work the floor of a
// second shop, while one API process is SIGKILLed and restarted, a worker SIGKILLed, PgBouncer
// restarted and PostgreSQL restarted. Afterwards nothing confirmed is lost, nothing is handed
// over or mailed twice (a mail's only copies are the same message), numbers are gapless, the
// background queue is done, 5xx came only while a fault lasted, and the consoles came back by
// themselves. Besides: a poke crosses processes, limits count across processes, and a next
// release's migration leaves the running processes answering. RELIABILITY_CLUSTER_SECONDS (30)
// sets the length of the hammer; the faults are spread over it.
import { randomUUID } from "node:crypto";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_RATE_LIMIT_POLICY } from "@orderdeck/api";
import type { JobStatus, UserRole } from "@orderdeck/contracts";
import { applyMigrations, MIGRATIONS_DIR } from "@orderdeck/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backgroundDrained, failedJobs, mailDelivery } from "./cluster/aftermath.ts";
import { startCluster, type Cluster } from "./cluster/cluster.ts";
import { openEventStream } from "./cluster/event-stream.ts";
import { footprint } from "./cluster/measure.ts";
import { missingServices } from "./cluster/services.ts";
import { startConsoleProcess, type ConsoleProcess } from "./console-process.ts";
import { addHammerJobs, indefinite, runHammer, type HammerJobs, type Outcome } from "./hammer-load.ts";
import { ApiClient, type ApiAnswer } from "./http-client.ts";
import { eventViolations, handoverViolations, numberingViolations, queueViolations, type AcknowledgedChange } from "./invariants.ts";
import { addJobs, createShop, enrollmentCode, giveJobsCustomers, SHOP_PASSWORD, type JobSpec, type Shop } from "./shop.ts";

const SECONDS = Number(process.env.RELIABILITY_CLUSTER_SECONDS ?? 30);
const SEATS = 40;
const CONSOLES = 3;
const WORKER_CONCURRENCY = 4;
/** After a fault is over, pools and listeners take a moment to find the database again. */
const SETTLE_MS = 5_000;
const FLOOR_CONSOLE = fileURLToPath(new URL("./cluster/floor-console.ts", import.meta.url));
const NEXT_RELEASE = fileURLToPath(new URL("./cluster/next-release", import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let cluster: Cluster;
let shop: Shop;
let floor: Shop;
let consolesDir: string;
const consoles: ConsoleProcess[] = [];
let jobs: HammerJobs;
const floorJobIds: string[] = [];
/** Changes to the hammered shop made before the hammer (each must have left its event, as the hammer's). */
const acknowledgedBefore: AcknowledgedChange[] = [];

beforeAll(async () => {
  const missing = missingServices();
  if (missing) throw new Error(`the cluster scenario needs nginx and PgBouncer: ${missing}`);
  cluster = await startCluster({
    apis: 2,
    workers: 2,
    extraEnvironment: { LOG_LEVEL: "warn", WORKER_CONCURRENCY: String(WORKER_CONCURRENCY), WORKER_HEARTBEAT_STALE_SECONDS: "5" },
  });
  const seats: UserRole[] = Array.from({ length: SEATS }, (_, i) => (i % 4 === 0 ? "LEAD" : "STAFF"));
  shop = await createShop(cluster.pool, cluster.secretKey, { name: "Cluster", stations: 8, seats });
  jobs = await addHammerJobs(cluster.pool, shop.siteId, { readyPaid: 200, readyUnpaid: 30, queued: 120, inProgress: 40, postProcessing: 30, onHold: 15, failed: 0 });
  await giveJobsCustomers(cluster.pool, shop.siteId);

  // The floor of a second shop, worked by real consoles through nginx.
  floor = await createShop(cluster.pool, cluster.secretKey, { name: "Floor", stations: 1, seats: ["LEAD", ...Array.from({ length: CONSOLES }, () => "STAFF" as const)] });
  const floorJobs = await addJobs(cluster.pool, floor.siteId, [
    ...Array.from({ length: 40 }, (): JobSpec => ({ status: "QUEUED" })),
    ...Array.from({ length: 40 }, (): JobSpec => ({ status: "READY_FOR_PICKUP", paymentStatus: "PAID" })),
  ]);
  floorJobIds.push(...floorJobs.map((j) => j.id));
  await cluster.pool.query(`UPDATE jobs SET title = 'Floor job ' || number WHERE site_id = $1`, [floor.siteId]);
  await giveJobsCustomers(cluster.pool, floor.siteId);
  consolesDir = await mkdtemp(path.join(tmpdir(), "orderdeck-cluster-consoles-"));
  for (let i = 1; i <= CONSOLES; i++) {
    const code = await enrollmentCode(cluster.pool, cluster.secretKey, floor.siteId, `Floor console ${i}`);
    const seat = floor.seats[i];
    if (!seat) throw new Error("floor seat missing");
    const floorConsole = startConsoleProcess(FLOOR_CONSOLE, { dataDir: path.join(consolesDir, `console-${i}`), serverUrl: cluster.url, args: [code, seat.email, SHOP_PASSWORD] });
    consoles.push(floorConsole);
    await floorConsole.readUntil((line) => line.ready === true);
  }
  await logFootprint("at rest");
}, 180_000);

/** Memory and connections of every process of the cluster (docs/SCALING.md quotes these lines). */
async function logFootprint(when: string): Promise<void> {
  const ports = { postgres: cluster.ports.postgres, pgbouncer: cluster.ports.pgbouncer };
  // A process that is not there (killed, or between a crash and its restart) has no footprint.
  const of = (child: { pid: number } | undefined) => (child ? footprint(child.pid, ports).catch(() => null) : Promise.resolve(null));
  const measured = {
    apis: await Promise.all(cluster.apis.map(of)),
    workers: await Promise.all(cluster.workers.map(of)),
    pgbouncer: await of({ pid: cluster.pgbouncerPid() ?? 0 }),
  };
  console.info(`cluster footprint ${when}: ${JSON.stringify(measured)}`);
}

afterAll(async () => {
  for (const floorConsole of consoles) floorConsole.child.kill("SIGKILL");
  await cluster?.stop();
  if (consolesDir) await rm(consolesDir, { recursive: true, force: true });
});

describe("several API and worker processes behind nginx, PgBouncer in front of PostgreSQL", () => {
  it("a change made through one API process pokes a console whose stream the other holds", async () => {
    // The hammered shop, before the hammer: nothing else changes its jobs meanwhile.
    const lead = shop.seats[0];
    if (!lead) throw new Error("no lead");
    for (const [through, held] of [[0, 1], [1, 0]] as const) {
      const stream = await openEventStream(cluster.apiUrls[held] as string, lead.headers);
      try {
        // The first poke comes at once (a console may have missed changes while away).
        await stream.pokeAfter(0, 10_000);
        const seen = stream.pokes;
        const client = new ApiClient(cluster.apiUrls[through] as string, lead.headers);
        const id = jobs.openJobIds[through] as string;
        const got = await client.query<{ job: { version: number; allowedNextStatuses: JobStatus[] } }>("jobs.get", { id });
        const to = got.data?.job.allowedNextStatuses.find((s) => s !== "PICKED_UP" && s !== "CANCELLED");
        expect(to, got.error?.message).toBeDefined();
        const requestId = randomUUID();
        const moved = await client.mutate("jobs.transition", { id, version: got.data?.job.version, to }, { requestId });
        expect(moved.status, moved.error?.message).toBe(200);
        acknowledgedBefore.push({ requestId, jobId: id, type: "status_changed" });
        // A functional bound, not a benchmark: the poke must arrive, and 2 s is when it is late.
        await stream.pokeAfter(seen, 2_000);
      } finally {
        stream.close();
      }
    }
  });

  it("counts sign-in failures and pickup scans of one account across both processes", async () => {
    const [victim, scanner] = [shop.seats[SEATS - 1], shop.seats[SEATS - 2]];
    if (!victim || !scanner) throw new Error("no seats");
    const perAccount = DEFAULT_RATE_LIMIT_POLICY.loginPerEmail.points;
    const logins: number[] = [];
    for (let i = 0; i <= perAccount; i++) {
      // Each attempt from another address, so only the per-account count can refuse.
      const client = new ApiClient(cluster.apiUrls[i % 2] as string, { "x-forwarded-for": `198.51.100.${i + 1}` });
      logins.push((await client.mutate("auth.login", { email: victim.email, password: `wrong ${i}` })).status);
    }
    expect(logins).toEqual([...Array(perAccount).fill(401), 429]);

    const perUser = DEFAULT_RATE_LIMIT_POLICY.scanPerUser.points;
    const scans: ApiAnswer[] = [];
    for (let i = 0; i <= perUser; i++) {
      const client = new ApiClient(cluster.apiUrls[i % 2] as string, { ...scanner.headers, "x-forwarded-for": `203.0.113.${(i % 200) + 1}` });
      scans.push(await client.query("pickup.lookup", { code: jobs.readyCodes[i % jobs.readyCodes.length] }));
    }
    expect(scans.slice(0, perUser).filter((a) => a.status !== 200).map((a) => `${a.status} ${a.error?.message}`)).toEqual([]);
    expect(scans.at(-1)?.status).toBe(429);
    expect(scans.at(-1)?.error?.details).toMatchObject({ limiter: "scan_user" });
  });

  it(`keeps every invariant through ${SECONDS} s of load while processes die and restart`, { timeout: (SECONDS + 240) * 1000 }, async () => {
    const windows: Array<{ fault: string; start: number; end: number }> = [];
    const started = performance.now();
    const at = (fraction: number) => sleep(Math.max(0, started + fraction * SECONDS * 1000 - performance.now()));
    const fault = async (name: string, fraction: number, act: () => Promise<void>) => {
      await at(fraction);
      const start = performance.now();
      await act();
      windows.push({ fault: name, start, end: performance.now() + SETTLE_MS });
    };
    const faults = (async () => {
      await fault("API process 1 SIGKILLed and restarted", 0.12, () => cluster.killAndRestartApi(0));
      await fault("worker 1 SIGKILLed", 0.35, () => cluster.killWorker(0));
      await fault("PgBouncer restarted", 0.5, () => cluster.restartPgBouncer());
      await fault("PostgreSQL restarted", 0.68, () => cluster.restartPostgres());
    })();
    const load = await runHammer({ baseUrl: cluster.url, seats: shop.seats, ...jobs }, SECONDS);
    await faults;
    await logFootprint(`after ${SECONDS} s of load`);
    // An API process rides out the database's restarts (503 meanwhile). A worker that was finishing
    // a job when PostgreSQL went away exits (graphile-worker 0.17 leaves that failure unhandled), and
    // its unit's Restart=always brings it back, as the cluster does here.
    console.info(`cluster: unexpected exits ${JSON.stringify(cluster.unexpectedExits)}`);
    expect(cluster.unexpectedExits.filter((exit) => !exit.startsWith("worker"))).toEqual([]);

    const during = (o: Outcome) => windows.some((w) => o.sentAt <= w.end && o.answeredAt >= w.start);
    const failures = load.outcomes.filter((o) => indefinite(o.answer));
    const describe = (o: Outcome) => `${o.what}: ${o.answer.status} ${o.answer.networkError ?? o.answer.error?.message ?? ""}`.slice(0, 200);
    const byStatus = (list: Outcome[]) => Object.fromEntries([...new Set(list.map((o) => o.answer.status))].map((s) => [s, list.filter((o) => o.answer.status === s).length]));
    console.info(`cluster: ${JSON.stringify({ ...load.done, statuses: byStatus(load.outcomes), duringFaults: byStatus(load.outcomes.filter(during)) })}`);
    console.info(`cluster 400s: ${JSON.stringify(load.outcomes.filter((o) => o.answer.status === 400).map(describe))}`);

    // 5xx only while a fault lasted: 502 from nginx for a request the killed process had taken,
    // 503 from the API while PgBouncer or PostgreSQL was away. Never 500, never no answer.
    expect(failures.filter((o) => !during(o)).map(describe), "5xx or no answer outside the faults").toEqual([]);
    expect(failures.filter((o) => ![502, 503].includes(o.answer.status)).map(describe)).toEqual([]);
    // While one API process was down, nginx sent the consoles to the other.
    const apiWindow = windows[0] as { start: number; end: number };
    expect(load.outcomes.filter((o) => o.sentAt > apiWindow.start && o.answeredAt < apiWindow.end - SETTLE_MS && o.answer.status === 200).length).toBeGreaterThan(0);
    expect(load.unsettledScans).toEqual([]);
    expect(load.replayMismatches.slice(0, 20)).toEqual([]);
    // The load was real (on two shared cores, with four faults in it).
    expect(load.done.handovers).toBeGreaterThan(10);
    expect(load.done.transitions).toBeGreaterThan(10);
    expect(load.done.reorders).toBeGreaterThan(5);

    // The consoles come back by themselves and deliver every change they queued, each once.
    for (const floorConsole of consoles) floorConsole.send("quiet");
    const settled = await Promise.all(consoles.map((c) => c.readUntil((line) => "settled" in line).then((lines) => lines.find((line) => "settled" in line))));
    expect(settled).toEqual(Array.from({ length: CONSOLES }, () => expect.objectContaining({ settled: true, outboxSize: 0 })));
    const queued = consoles.flatMap((c) => c.lines.filter((line) => typeof line.mutationId === "string").map((line) => line.mutationId as string));
    expect(queued.length).toBeGreaterThan(CONSOLES);
    const ledger = await cluster.pool.query<{ mutation_id: string; n: number }>(
      `SELECT mutation_id, count(*)::int AS n FROM client_mutations WHERE site_id = $1 AND mutation_id = ANY($2::text[]) GROUP BY mutation_id`,
      [floor.siteId, queued],
    );
    expect(ledger.rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(ledger.rows).toHaveLength(queued.length);
    // Their event streams are open again: a change reaches each with no pull of its own.
    const lead = new ApiClient(cluster.apiUrls[1] as string, floor.seats[0]?.headers);
    const target = floorJobIds[2] as string;
    const current = await lead.query<{ job: { version: number; allowedNextStatuses: JobStatus[] } }>("jobs.get", { id: target });
    const next = current.data?.job.allowedNextStatuses.find((s) => s !== "PICKED_UP" && s !== "CANCELLED");
    if (!next) throw new Error(`job ${target} cannot move on: ${JSON.stringify(current)}`);
    for (const floorConsole of consoles) floorConsole.send(`watch ${target} ${next}`);
    expect((await lead.mutate("jobs.transition", { id: target, version: current.data?.job.version, to: next })).status).toBe(200);
    await Promise.all(consoles.map((c) => c.readUntil((line) => line.saw === target)));

    // Nothing confirmed is lost, nothing applied twice, numbers gapless.
    const handed = await cluster.pool.query<{ id: string }>(`SELECT id::text FROM jobs WHERE id = ANY($1::uuid[]) AND status = 'PICKED_UP'`, [[...load.handedOver]]);
    expect(handed.rows).toHaveLength(load.handedOver.size);
    for (const siteId of [shop.siteId, floor.siteId]) {
      expect(await queueViolations(cluster.pool, siteId)).toEqual([]);
      expect(await handoverViolations(cluster.pool, siteId)).toEqual([]);
      expect(await numberingViolations(cluster.pool, siteId)).toEqual([]);
    }
    expect(await eventViolations(cluster.pool, shop.siteId, [...acknowledgedBefore, ...load.acknowledged], jobs.firstStatus, load.uncertain)).toEqual([]);

    // Every background task done, each mail sent once (its only copies are the very same message).
    await backgroundDrained(cluster.pool, 120_000);
    expect(await failedJobs(cluster.pool)).toEqual([]);
    const mail = await mailDelivery(cluster.pool, cluster.sink);
    console.info(`cluster mail: ${mail.logged} sent, ${mail.copies} delivered again under the same Message-ID; faults ${JSON.stringify(windows.map((w) => w.fault))}`);
    expect(mail.logged).toBeGreaterThan(10);
    expect(mail.missing).toEqual([]);
    expect(mail.strangers).toEqual([]);
    // A copy needs a task in flight at a fault that reached the workers: the kill, and the two database restarts for both workers.
    expect(mail.copies).toBeLessThanOrEqual(WORKER_CONCURRENCY * (1 + 2 * 2));
  });

  it("keeps both API processes answering while the next release's migration is applied under them", { timeout: 120_000 }, async () => {
    const release = await mkdtemp(path.join(tmpdir(), "orderdeck-next-release-"));
    try {
      await cp(MIGRATIONS_DIR, release, { recursive: true });
      await cp(NEXT_RELEASE, release, { recursive: true });
      const seat = shop.seats[1];
      if (!seat) throw new Error("no seat");
      const clients = cluster.apiUrls.map((url) => new ApiClient(url, seat.headers));
      const answers: Array<{ what: string; answer: ApiAnswer }> = [];
      let cursor: string | undefined;
      const round = async () => {
        for (const client of clients) {
          const id = jobs.openJobIds[Math.floor(Math.random() * jobs.openJobIds.length)] as string;
          const got = await client.query<{ job: { version: number; allowedNextStatuses: JobStatus[] } }>("jobs.get", { id });
          answers.push({ what: "jobs.get", answer: got });
          const to = got.data?.job.allowedNextStatuses.find((s) => s !== "PICKED_UP" && s !== "CANCELLED");
          if (to) answers.push({ what: "jobs.transition", answer: await client.mutate("jobs.transition", { id, version: got.data?.job.version, to }) });
          answers.push({ what: "jobs.create", answer: await client.mutate("jobs.create", { title: "Expand-phase walk-in", priceCents: 1_200 }) });
          answers.push({ what: "jobs.list", answer: await client.query("jobs.list", { filter: { statuses: ["QUEUED"] }, limit: 20 }) });
          const page = await client.query<{ cursor: string }>("sync.pull", cursor ? { cursor, limit: 100 } : { limit: 100 });
          answers.push({ what: "sync.pull", answer: page });
          cursor = page.data?.cursor ?? cursor;
        }
      };
      let migrating = true;
      const traffic = (async () => {
        while (migrating) await round();
      })();
      await sleep(1_000);
      const applied = await applyMigrations(cluster.directUrl, { dir: release });
      expect(applied).toEqual(["29990101000000_pickup_shelves"]);
      // The next release writes what only it knows; the running one reads past it.
      await cluster.pool.query(`UPDATE jobs SET pickup_shelf = 'A3' WHERE site_id = $1`, [shop.siteId]);
      await cluster.pool.query(`INSERT INTO pickup_shelves (site_id, label) VALUES ($1, 'A3')`, [shop.siteId]);
      cursor = undefined;
      await sleep(2_000);
      migrating = false;
      await traffic;
      await round();

      const bad = answers.filter((a) => a.answer.status >= 500 || a.answer.status === 0).map((a) => `${a.what}: ${a.answer.status} ${a.answer.error?.message ?? a.answer.networkError}`);
      expect(bad).toEqual([]);
      expect(answers.filter((a) => a.what !== "jobs.transition" && a.answer.status !== 200).map((a) => `${a.what}: ${a.answer.status} ${a.answer.error?.message}`)).toEqual([]);
      for (const url of cluster.apiUrls) {
        // Both still ready: what they ship is applied; a newer migration is not theirs to judge.
        const ready = await fetch(`${url}/readyz`);
        expect(ready.status, await ready.text()).toBe(200);
      }
    } finally {
      await rm(release, { recursive: true, force: true });
    }
  });
});
