// The shop day's consoles: the open-loop mix of bench/benchmarks/shop-day-mix.ts in a process of
// its own, small and otherwise idle, so that what it times is the server and not its own garbage
// collector. Run with CONSOLE_SERVER_URL (reliability/console-process.ts) as
//   shop-day-consoles.ts <plan.json>
// with a ShopDayPlan in the file. Each line on stdin asks for a run ({ seconds, scale }); each
// answer is one JSON line on stdout: { run, ranOut }, the run's figures by stream. It ends when
// its stdin does.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import pg from "pg";
import { shopDayStreams, type ConsolesState, type ShopDayPlan, type ShopDayRunAnswer, type ShopDayRunRequest } from "../benchmarks/shop-day-mix.ts";
import { openLoop } from "../open-loop.ts";

const [planFile] = process.argv.slice(2) as [string];
const plan = JSON.parse(readFileSync(planFile, "utf8")) as ShopDayPlan;
const serverUrl = process.env.CONSOLE_SERVER_URL ?? "";
const pool = new pg.Pool({ connectionString: plan.databaseUrl, max: 10 });
// Idle connections end when the cluster stops at the end of the benchmark; that is no error.
pool.on("error", () => undefined);
const state: ConsolesState = { cursors: new Map(), codes: [...plan.counter.codes], ranOut: false };

for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line) as ShopDayRunRequest;
  const run = await openLoop(serverUrl, shopDayStreams(plan, state, pool), request.seconds, request.scale);
  const answer: ShopDayRunAnswer = { run, ranOut: state.ranOut };
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
await pool.end();
