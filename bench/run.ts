// `npm run bench`: every benchmark end to end on a fresh embedded PostgreSQL and a fresh API
// process, printed as it goes and written into docs/benchmarks.md with the machine it ran on.
//
//   npm run bench                       full run: 32 connections, 5 s warm-up, 20 s measured
//   npm run bench -- --quick            smoke run: 5 s measured, 2 s warm-up
//   npm run bench -- worker intake      some benchmarks only, by name (or --only=worker,intake)
//   Writes docs/benchmarks.md (tables) and docs/benchmarks.json (every figure, for scripts).
//   BENCH_DURATION_S, BENCH_WARMUP_S, BENCH_CONNECTIONS override the run's shape;
//   BENCH_LOG_LEVEL the API's log level (default info, as in production);
//   BENCH_API_NODE_ARGS Node options added to the API's (to profile it: "--cpu-prof --cpu-prof-dir=DIR"),
//   BENCH_WORKER_NODE_ARGS to the product's worker's, BENCH_CONSOLE_NODE_ARGS to the console's,
//   BENCH_SHOP_DAY_NODE_ARGS to the shop day's consoles'.
import path from "node:path";
import { benchConsole } from "./benchmarks/console.ts";
import { benchIntake } from "./benchmarks/intake.ts";
import { benchJobsList } from "./benchmarks/jobs-list.ts";
import { benchMemory } from "./benchmarks/memory.ts";
import { benchOutput } from "./benchmarks/output.ts";
import { benchPickup } from "./benchmarks/pickup.ts";
import { benchRenderer } from "./benchmarks/renderer.ts";
import { benchShopDay } from "./benchmarks/shop-day.ts";
import { benchWorker } from "./benchmarks/worker.ts";
import { startEnvironment, type BenchEnvironment } from "./environment.ts";
import type { LoadShape } from "./load.ts";
import { describeMachine, renderMachine } from "./machine.ts";
import { printResult, renderResult, updateDocument, updateFigures, type BenchResult } from "./report.ts";

const BENCHMARKS: Record<string, (env: BenchEnvironment, shape: LoadShape, log: (line: string) => void) => Promise<BenchResult>> = {
  "jobs-list": benchJobsList,
  pickup: benchPickup,
  // After pickup: it hands over what the pickup benchmark left of the ready jobs.
  "shop-day": benchShopDay,
  worker: benchWorker,
  intake: benchIntake,
  console: benchConsole,
  renderer: benchRenderer,
  output: benchOutput,
  // Last: it reads what the runs above left behind.
  memory: (env) => benchMemory(env),
};

function numberFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number (got "${raw}")`);
  return value;
}

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const named = [...args.filter((a) => !a.startsWith("--")), ...(args.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",") ?? [])];
const only = named.length > 0 ? named : undefined;
const unknown = only?.filter((id) => !(id in BENCHMARKS)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(", ")}; known: ${Object.keys(BENCHMARKS).join(", ")}`);
  process.exit(2);
}
const shape: LoadShape = {
  connections: numberFrom("BENCH_CONNECTIONS", 32),
  seconds: numberFrom("BENCH_DURATION_S", quick ? 5 : 20),
  warmupSeconds: numberFrom("BENCH_WARMUP_S", quick ? 2 : 5),
  quick,
};
const mode = `${quick ? "**smoke run** (--quick): figures prove the scripts work, nothing more" : "full run"}; ${shape.connections} connections, ${shape.warmupSeconds} s warm-up, ${shape.seconds} s measured`;
const log = (line: string) => console.log(`[bench] ${line}`);

const env = await startEnvironment(log);
const results: BenchResult[] = [];
try {
  const machine = describeMachine(env.postgresVersion);
  for (const [id, bench] of Object.entries(BENCHMARKS)) {
    if (only && !only.includes(id)) continue;
    const result = await bench(env, shape, log);
    printResult(result, console.log);
    results.push(result);
  }
  const file = path.resolve(import.meta.dirname, "../docs/benchmarks.md");
  await updateDocument(file, [["machine", renderMachine(machine, mode)], ...results.map((r): [string, string] => [r.id, renderResult(r)])]);
  const json = path.resolve(import.meta.dirname, "../docs/benchmarks.json");
  await updateFigures(json, { date: new Date().toISOString(), mode: mode.replaceAll("**", "") }, results);
  log(`wrote ${path.relative(process.cwd(), file)} and ${path.relative(process.cwd(), json)}`);
} finally {
  await env.close();
}
