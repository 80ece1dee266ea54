// Console core: a fresh console (its own process, its own SQLite file) enrolled at a site of
// 100 000 open jobs (all in a console's sync scope) pulls them from the API; then local pickup lookups; then 1 000 scans
// made with the network down, replayed when it is back. Its resident memory is sampled from
// /proc while it pulls. The floor: the pulled rows written into a fresh console database by raw
// better-sqlite3 inserts in one transaction.
import { readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { DATABASE_FILE, openDatabase } from "@orderdeck/console-core";
import Database from "better-sqlite3";
import { startConsoleProcess, type ConsoleLine } from "../../reliability/console-process.ts";
import { nodeArgsFrom, settleDatabase, type BenchEnvironment } from "../environment.ts";
import type { LoadShape } from "../load.ts";
import type { BenchResult } from "../report.ts";
import { consoleSite } from "./site.ts";

const CONSOLE_SCRIPT = "bench/processes/console.ts";
const LOOKUPS = 10_000;

async function residentKiB(pid: number): Promise<{ rss: number; hwm: number } | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
    return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
  } catch {
    return null;
  }
}

const number = (line: ConsoleLine | undefined, key: string): number => {
  const value = line?.[key];
  if (typeof value !== "number") throw new Error(`the console did not report ${key}: ${JSON.stringify(line)}`);
  return value;
};

/** Copies every row of `tables` from the pulled cache into a fresh console database, one transaction; answers seconds. */
function floorInserts(pulledFile: string, floorDir: string, tables: string[]): { seconds: number; rows: number } {
  const source = new Database(pulledFile, { readonly: true });
  const target = openDatabase(floorDir);
  try {
    const data = tables.map((table) => ({ table, rows: source.prepare<[], Record<string, unknown>>(`SELECT * FROM ${table}`).all() }));
    const started = performance.now();
    let rows = 0;
    target.transaction(() => {
      for (const { table, rows: list } of data) {
        const first = list[0];
        if (!first) continue;
        const columns = Object.keys(first);
        const insert = target.prepare(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`);
        for (const row of list) insert.run(row);
        rows += list.length;
      }
    })();
    return { seconds: (performance.now() - started) / 1000, rows };
  } finally {
    source.close();
    target.close();
  }
}

export async function benchConsole(env: BenchEnvironment, shape: LoadShape, log: (line: string) => void): Promise<BenchResult> {
  const jobs = shape.quick ? 20_000 : 100_000;
  const site = await consoleSite(env, { name: "Console", jobs, ready: shape.quick ? 200 : 1_000 });
  const scans = site.readyCodes;
  // Lookups of jobs across the whole queue, spread by a fixed stride.
  const lookupCodes = Array.from({ length: 5_000 }, (_, i) => site.codes[(i * 7_919) % site.codes.length] as string);
  const dataDir = path.join(env.dataDir, "console");
  const floorDir = path.join(env.dataDir, "console-floor");
  await mkdir(dataDir, { recursive: true });
  await mkdir(floorDir, { recursive: true });
  const codesFile = path.join(env.dataDir, "console-codes.json");
  await writeFile(codesFile, JSON.stringify({ lookups: lookupCodes, scans }));

  log("console: settling the database after the seeds before it (VACUUM ANALYZE, CHECKPOINT)");
  const settledIn = await settleDatabase(env);
  log("console: a fresh console pulls the site");
  const consoleProcess = startConsoleProcess(CONSOLE_SCRIPT, {
    dataDir,
    serverUrl: env.api.url,
    args: [site.code, site.email, site.password, codesFile],
    env: { CONSOLE_LOOKUPS: String(LOOKUPS) },
    nodeArgs: nodeArgsFrom("BENCH_CONSOLE_NODE_ARGS"),
  });
  let peakSampledKiB = 0;
  const sampler = setInterval(() => {
    void residentKiB(consoleProcess.pid).then((m) => {
      if (m && m.rss > peakSampledKiB) peakSampledKiB = m.rss;
    });
  }, 50);
  let pulledPeakKiB: number;
  let lines: ConsoleLine[];
  try {
    await consoleProcess.readUntil((l) => l.pulled === true);
    pulledPeakKiB = (await residentKiB(consoleProcess.pid))?.hwm ?? Number.NaN;
    consoleProcess.send("go");
    lines = await consoleProcess.readUntil((l) => l.replayed === true);
  } catch (error) {
    consoleProcess.child.kill("SIGKILL");
    throw error;
  } finally {
    clearInterval(sampler);
  }
  const exitCode = await consoleProcess.exited;
  if (exitCode !== 0) throw new Error(`the console process exited with ${exitCode}`);
  const pulled = lines.find((l) => l.pulled === true);
  const lookups = lines.find((l) => typeof l.lookups === "number");
  const queued = lines.find((l) => typeof l.queued === "number");
  const replayed = lines.find((l) => l.replayed === true);
  const pullSeconds = number(pulled, "seconds");
  const replaySeconds = number(replayed, "seconds");
  const p99 = number(lookups, "p99");

  const pulledFile = path.join(dataDir, DATABASE_FILE);
  const cache = new Database(pulledFile, { readonly: true });
  const cachedJobs = cache.prepare<[], { n: number }>("SELECT count(*) AS n FROM jobs").get()?.n ?? 0;
  cache.close();
  const applied = await env.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM jobs WHERE site_id = $1 AND pickup_code = ANY($2::text[]) AND status = 'PICKED_UP'`,
    [site.siteId, scans],
  );
  log("console: floor — the same rows by raw better-sqlite3 inserts in one transaction");
  const floor = floorInserts(pulledFile, floorDir, ["jobs", "customers"]);

  return {
    id: "console",
    title: "Console core — first pull, local lookups, outbox replay",
    about:
      `A site of ${jobs.toLocaleString("en")} open jobs (the benchmark shop's own site keeps only its ~20 000 open and recently closed jobs in a console's sync scope, the rest is closed or archived history): ` +
        `a fresh console (console-core in its own process, its own SQLite file, WAL and synchronous=FULL) enrolled and signed in there pulls the site from the API ` +
      `(the engine's own page sizes through \`sync.pull\`: 5 000 rows a page of a full snapshot, the next page asked for while one is stored), then answers ${LOOKUPS.toLocaleString("en")} pickup lookups from its copy, then takes ${scans.length} scans of ready, paid jobs with the network down ` +
      "(each queued in the outbox) and, when the network is back, pushes them: the time until its outbox is empty. Its resident memory is sampled from /proc every 50 ms; " +
      "the peak is the kernel's high-water mark (VmHWM) when the pull ended. The floor writes the same rows (jobs and customers) into a fresh console database by raw better-sqlite3 inserts in one transaction.",
    runs: [],
    facts: [
      ["the database before the pull", `vacuumed, analysed and checkpointed in ${settledIn.toFixed(1)} s`],
      ["first pull", `${pullSeconds.toFixed(2)} s, ${cachedJobs.toLocaleString("en")} jobs in the console's copy`],
      ["console process RSS at the end of the pull", `${(pulledPeakKiB / 1024).toFixed(0)} MiB at its peak (highest 50 ms sample ${(peakSampledKiB / 1024).toFixed(0)} MiB over the whole run)`],
      ["local pickup lookup", `p50 ${number(lookups, "p50").toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, max ${number(lookups, "max").toFixed(3)} ms over ${number(lookups, "lookups")} lookups`],
      [
        `outbox replay of ${number(queued, "queued")} scans`,
        `${replaySeconds.toFixed(2)} s until the outbox was empty; ${applied.rows[0]?.n ?? 0} of ${scans.length} jobs handed over on the server, ${number(replayed, "notices")} notices`,
      ],
      ["floor: raw better-sqlite3 inserts", `${floor.seconds.toFixed(2)} s for ${floor.rows.toLocaleString("en")} rows`],
    ],
    ratios: [{ what: "first pull ÷ raw inserts of the same rows", value: pullSeconds / floor.seconds }],
    targets: [
      { what: "first pull at most 4× raw inserts of the same rows", value: pullSeconds / floor.seconds, limit: 4, unit: "×" },
      { what: "local lookup p99 under 1 ms", value: p99, limit: 1, unit: "ms" },
      { what: `outbox replay under 5 s${shape.quick ? ` (for 1 000 scans; this smoke run made ${scans.length})` : ""}`, value: replaySeconds, limit: 5, unit: "s" },
    ],
  };
}
