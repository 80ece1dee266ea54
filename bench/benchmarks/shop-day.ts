// What a shop feels, at the rate a shop produces: 50 consoles, each pulling every 5 s, looking up
// and handing over a pickup every 10 s and listing the queue every 10 s (25 requests a second),
// sent on a fixed schedule whatever the server does (bench/open-loop.ts). Then the same mix at
// doubling rates, to find the highest that still answers every procedure within 100 ms at p99.
// Beside the consoles, the bare HTTP round trip (GET /healthz) is sent at a steady rate: the
// floor every procedure's latency stands on, at the same moment, on the same server. And a durable
// one-row commit, at the rate of the handovers: the floor of a handover, which must reach the disk.
// The mix (shop-day-mix.ts) is sent by a process of its own; this one prepares it and reports.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { startConsoleProcess } from "../../reliability/console-process.ts";
import { nodeArgsFrom, settleDatabase, type BenchEnvironment } from "../environment.ts";
import type { LoadFigures, LoadShape } from "../load.ts";
import type { OpenLoopRun } from "../open-loop.ts";
import type { BenchResult, Target } from "../report.ts";
import type { BenchSeat } from "../seed/index.ts";
import {
  COMMIT_FLOOR,
  COMMIT_FLOOR_TABLE,
  CONSOLES,
  COUNTER_EVERY_MS,
  FLOOR,
  FLOOR_CLIENTS,
  FLOORS,
  LIST_EVERY_MS,
  PULL_EVERY_MS,
  trpcGet,
  type ShopDayPlan,
  type ShopDayRunAnswer,
  type ShopDayRunRequest,
  type TrpcAnswer,
} from "./shop-day-mix.ts";
import { seatHeaders } from "./seats.ts";
import { counterSites } from "./site.ts";

/** The shop's p99, per procedure, at its own rate. */
const SHOP_P99_MS = 25;
/** What "still holds" means when the rate is pushed up. */
const HOLD_P99_MS = 100;
const MAX_SCALE = 64;
/**
 * The shop's rate is measured this long: at five handovers a second, 60 s gives its p99 300
 * answers to rest on (at 20 s it was the single slowest of 100).
 */
const SHOP_SECONDS = 60;
/**
 * The shop's mix is run this long unmeasured first, as the closed-loop runs warm up: a shop's day
 * does not begin with the API's first calls of each procedure (code not yet optimised, pool
 * connections still to open), which would otherwise be the slowest of the 300 answers a p99 is.
 */
const WARMUP_SECONDS = 10;
const CONSOLES_SCRIPT = "bench/processes/shop-day-consoles.ts";

/** The cursor a console holds once its first full pull is done: where every console of the run starts. */
async function currentCursor(env: BenchEnvironment): Promise<string> {
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const response = await fetch(`${env.api.url}${trpcGet("sync.pull", { ...(cursor ? { cursor } : {}), limit: 5_000 })}`, {
      headers: seatHeaders(env.shop.seats, 0),
    });
    if (!response.ok) throw new Error(`sync.pull answered ${response.status} while taking the starting cursor`);
    const answer = (await response.json()) as TrpcAnswer<{ cursor: string; hasMore: boolean }>;
    const data = answer.result?.data;
    if (!data) throw new Error("sync.pull answered without a page");
    cursor = data.cursor;
    if (!data.hasMore) return cursor;
  }
  throw new Error("sync.pull did not finish its first round in 100 pages");
}

// Enough handovers for the shop's rate and the doubling steps after it (5 a second for 20 s, then
// 10, 20, 40, … a second for 10 s each until a step breaks).
const SUPPLY_WANTED = 3_000;

/**
 * What is left of the benchmark shop's ready pickups (the pickup benchmark hands over the rest),
 * or, when that is short, a counter site of the shop's own with enough of them: the counter's
 * lookups and handovers then run there, the pulls and lists at the benchmark shop as before.
 */
async function counterSupply(env: BenchEnvironment, log: (line: string) => void): Promise<{ codes: string[]; seats: BenchSeat[] }> {
  if (env.shop.handoverCodes.length >= SUPPLY_WANTED) return { codes: env.shop.handoverCodes, seats: env.shop.seats };
  log(`shop day: ${env.shop.handoverCodes.length} ready pickups left; the counter hands over at a site of ${SUPPLY_WANTED} of its own`);
  const [site] = await counterSites(env, { count: 1, seats: CONSOLES, ready: SUPPLY_WANTED });
  if (!site) throw new Error("no counter site was made");
  return { codes: site.readyCodes, seats: site.seats };
}

/** Longer than any run of the mix takes: its seconds, then the answers still out (each times out at 10 s). */
const RUN_ANSWER_GRACE_MS = 60_000;

/** The consoles' process: one run of the mix at a time, its figures back as one line. */
async function startConsoles(env: BenchEnvironment, plan: ShopDayPlan): Promise<{ run: (request: ShopDayRunRequest) => Promise<ShopDayRunAnswer>; stop: () => Promise<void> }> {
  const planFile = path.join(env.dataDir, "shop-day-plan.json");
  await writeFile(planFile, JSON.stringify(plan));
  const consoles = startConsoleProcess(CONSOLES_SCRIPT, { dataDir: env.dataDir, serverUrl: env.api.url, args: [planFile], nodeArgs: nodeArgsFrom("BENCH_SHOP_DAY_NODE_ARGS") });
  return {
    async run(request) {
      const answered = consoles.lines.length;
      consoles.send(JSON.stringify(request));
      const lines = await consoles.readUntil(() => consoles.lines.length > answered, request.seconds * 1000 + RUN_ANSWER_GRACE_MS);
      return lines[answered] as unknown as ShopDayRunAnswer;
    },
    async stop() {
      consoles.child.stdin.end();
      await consoles.exited;
    },
  };
}

/** What PostgreSQL did in the background while the shop ran: autovacuum's tables, and checkpoints. */
function watchBackgroundWork(env: BenchEnvironment): { stop: () => Promise<string> } {
  const seen = new Set<string>();
  const checkpoints = () => env.pool.query<{ done: string }>("SELECT num_done::text AS done FROM pg_stat_checkpointer").then((r) => Number(r.rows[0]?.done ?? 0));
  const before = checkpoints();
  let sampling = true;
  const sampled = (async () => {
    while (sampling) {
      const running = await env.pool.query<{ work: string }>(
        `SELECT 'vacuum ' || relid::regclass::text AS work FROM pg_stat_progress_vacuum
         UNION ALL SELECT 'analyze ' || relid::regclass::text FROM pg_stat_progress_analyze`,
      );
      for (const row of running.rows) seen.add(row.work);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    async stop() {
      sampling = false;
      await sampled;
      const done = (await checkpoints()) - (await before);
      const work = [...seen].sort();
      return `${work.length > 0 ? `autovacuum: ${work.join(", ")}` : "no autovacuum"}; ${done} checkpoint${done === 1 ? "" : "s"}`;
    },
  };
}

/** The consoles' calls of a run, without the floors'. */
function consoleCalls(run: OpenLoopRun): Array<[string, LoadFigures]> {
  return Object.entries(run.byName).filter(([name]) => !FLOORS.includes(name));
}

/** Requests a second the consoles send, without the floors'. */
function shopRate(run: OpenLoopRun): number {
  return Object.entries(run.plannedRates).reduce((sum, [name, rate]) => (FLOORS.includes(name) ? sum : sum + rate), 0);
}

function holds(run: OpenLoopRun, p99Ms: number): boolean {
  return consoleCalls(run).every(([, f]) => f.errors === 0 && f.p99 < p99Ms && Object.keys(f.statuses).every((s) => s === "200"));
}

type Consoles = Awaited<ReturnType<typeof startConsoles>>;

/** The settled database, the warm-up, the measured minute, then doubling rates until one breaks or the pickups run out. */
async function runTheDay(env: BenchEnvironment, consoles: Consoles, times: { warmup: number; seconds: number; stepSeconds: number }, log: (line: string) => void) {
  log("shop day: settling the database after the benchmarks before it (VACUUM ANALYZE, CHECKPOINT)");
  const settledIn = await settleDatabase(env);
  log(`shop day: the same mix for ${times.warmup} s first, unmeasured`);
  await consoles.run({ seconds: times.warmup, scale: 1 });
  log(`shop day: ${CONSOLES} consoles at a fixed arrival rate for ${times.seconds} s`);
  const watch = watchBackgroundWork(env);
  const measured = await consoles.run({ seconds: times.seconds, scale: 1 });
  const background = await watch.stop();
  const shop = measured.run;
  let ranOut = measured.ranOut;
  let highest: OpenLoopRun | undefined = holds(shop, HOLD_P99_MS) ? shop : undefined;
  let broke: OpenLoopRun | undefined;
  for (let scale = 2; scale <= MAX_SCALE && highest && !broke && !ranOut; scale *= 2) {
    log(`shop day: ${scale}× the shop's rate for ${times.stepSeconds} s`);
    const step = await consoles.run({ seconds: times.stepSeconds, scale });
    ranOut = step.ranOut;
    if (holds(step.run, HOLD_P99_MS) && !ranOut) highest = step.run;
    else broke = step.run;
  }
  return { shop, background, settledIn, ranOut, highest, broke };
}

export async function benchShopDay(env: BenchEnvironment, shape: LoadShape, log: (line: string) => void): Promise<BenchResult> {
  const cursor = await currentCursor(env);
  // Handovers take codes from the end of the supply; the pickup benchmark takes from the start of the seeded one.
  const counter = await counterSupply(env, log);
  const seconds = shape.quick ? 5 : Math.max(SHOP_SECONDS, shape.seconds);
  await env.pool.query(`CREATE TABLE IF NOT EXISTS ${COMMIT_FLOOR_TABLE} (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`);
  const warmup = shape.quick ? 1 : WARMUP_SECONDS;
  const stepSeconds = shape.quick ? 3 : 10;
  const consoles = await startConsoles(env, { databaseUrl: env.databaseUrl, seats: env.shop.seats, counter, cursor });
  const { shop, background, settledIn, ranOut, highest, broke } = await runTheDay(env, consoles, { warmup, seconds, stepSeconds }, log).finally(() => consoles.stop());

  const procedures = consoleCalls(shop);
  const floor = shop.byName[FLOOR];
  const commitFloor = shop.byName[COMMIT_FLOOR];
  const figures: Array<{ label: string; figures: LoadFigures }> = [
    ...procedures.map(([name, f]) => ({ label: `\`${name}\` at the shop's rate`, figures: f })),
    ...FLOORS.flatMap((name) => {
      const f = shop.byName[name];
      return f ? [{ label: `floor: ${name} beside them`, figures: f }] : [];
    }),
  ];
  const confirm = shop.byName["pickup.confirm"];
  const targets: Target[] = procedures.map(([name, f]) => ({
    what: `${name} p99 under ${SHOP_P99_MS} ms at ${shopRate(shop).toFixed(0)} requests a second`,
    value: f.p99,
    limit: SHOP_P99_MS,
    unit: "ms",
  }));
  const failed = procedures.reduce((sum, [, f]) => sum + f.errors + Object.entries(f.statuses).filter(([s]) => s !== "200").reduce((n, [, c]) => n + c, 0), 0);
  targets.push({ what: "answers other than 200 at the shop's rate", value: failed, limit: 0, unit: "requests" });
  const worst = (run: OpenLoopRun) => Math.max(...consoleCalls(run).map(([, f]) => f.p99));
  return {
    id: "shop-day",
    title: "A shop's day at a fixed arrival rate (open loop)",
    about:
      `${CONSOLES} consoles, each pulling changes every ${PULL_EVERY_MS / 1000} s from a current cursor, looking up and handing over a ready pickup every ${COUNTER_EVERY_MS / 1000} s and ` +
      `listing its queue (a page of 50 open jobs) every ${LIST_EVERY_MS / 1000} s: ${shopRate(shop).toFixed(0)} requests a second sent on schedule for ${seconds} s, whatever the server does, by a load generator in a process of its own (consoles are machines of their own); ` +
      `each latency counts from when the request was due, after ${warmup} s of the same mix unmeasured. Beside them, ${FLOOR_CLIENTS} bare HTTP round trips a second (GET /healthz on the same server), the floor, and ${(CONSOLES * 1000) / COUNTER_EVERY_MS} durable one-row commits a second (an INSERT through pg, committed to the disk as a handover is), the handover's floor. Then the same mix at 2×, 4×, … for ${stepSeconds} s each, until a procedure's p99 reaches ${HOLD_P99_MS} ms.`,
    runs: figures,
    ratios: [
      ...(floor ? procedures.map(([name, f]) => ({ what: `${name} p99 / the bare HTTP round trip's p99 beside it`, value: f.p99 / floor.p99 })) : []),
      ...(confirm && commitFloor ? [{ what: "pickup.confirm p99 / the durable one-row commit's p99 beside it", value: confirm.p99 / commitFloor.p99 }] : []),
    ],
    targets,
    facts: [
      [
        `highest rate with every p99 under ${HOLD_P99_MS} ms`,
        highest ? `${shopRate(highest).toFixed(0)} requests a second (worst p99 ${worst(highest).toFixed(1)} ms)` : "none: the shop's own rate already misses it",
      ],
      ["the database before the run", `vacuumed, analysed and checkpointed in ${settledIn.toFixed(1)} s`],
      ["the database's own work during the run at the shop's rate", background],
      ...(broke ? [["the next step", `${shopRate(broke).toFixed(0)} requests a second: worst p99 ${worst(broke).toFixed(1)} ms`] as [string, string]] : []),
      ...(ranOut ? [["note", "the seeded ready pickups ran out before the rate stopped holding"] as [string, string]] : []),
    ],
  };
}
