// What checking an answer against its contracts schema costs, per answer, next to the server's
// bare HTTP round trip measured in the same run. The answers are real ones, taken through the
// product's router from the benchmark shop: a page of the queue, a job with its timeline and the
// handoff summary (each checked by the server, `.output()` on the procedure), and the largest a
// console asks for, a full-snapshot page of sync.pull (checked by the console that receives it).
import { performance } from "node:perf_hooks";
import { HandoffSummary, JobListPage, JobWithTimeline, SyncPullPage } from "@orderdeck/contracts";
import type { z } from "zod";
import { captureProcedure } from "../capture.ts";
import type { BenchEnvironment } from "../environment.ts";
import { httpLoad, type LoadShape } from "../load.ts";
import type { BenchResult } from "../report.ts";
import { LIST_INPUT } from "./jobs-list.ts";

/** Mean time of one parse, in milliseconds, over at least `seconds` after a warm-up. */
function parseTime(schema: z.ZodType, answer: unknown, seconds: number): number {
  for (let i = 0; i < 20; i++) schema.parse(answer);
  let runs = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    schema.parse(answer);
    runs++;
  }
  return (performance.now() - started) / runs;
}

export async function benchOutput(env: BenchEnvironment, shape: LoadShape, log: (line: string) => void): Promise<BenchResult> {
  log("output: bare HTTP round trip (GET /healthz)");
  const http = await httpLoad({ url: env.api.url, request: () => ({ method: "GET", path: "/healthz", headers: {} }) }, shape);
  const headers = env.shop.seats[0]?.headers ?? {};
  const take = async <T>(call: Parameters<typeof captureProcedure<T>>[4]) => (await captureProcedure(env.databaseUrl, env.pool, env.secretKey, headers, call)).result;

  const list = await take((caller) => caller.jobs.list({ filter: { statuses: [...LIST_INPUT.filter.statuses], search: LIST_INPUT.filter.search }, limit: LIST_INPUT.limit }));
  const first = list.items[0];
  if (!first) throw new Error("the list benchmark's query answered no job");
  const answers: Array<{ what: string; schema: z.ZodType; answer: unknown; size: string }> = [
    { what: "`jobs.list`, a page of 50", schema: JobListPage, answer: list, size: `${list.items.length} jobs` },
    { what: "`jobs.get`, a job with its timeline", schema: JobWithTimeline, answer: await take((caller) => caller.jobs.get({ id: first.id })), size: "1 job" },
    { what: "`handoff.summary`, this shift", schema: HandoffSummary, answer: await take((caller) => caller.handoff.summary({})), size: "the period's lists" },
  ];
  const pull = await take((caller) => caller.sync.pull({}));
  answers.push({ what: "`sync.pull`, a full-snapshot page (in the console)", schema: SyncPullPage, answer: pull, size: `${pull.jobs.length} jobs, ${pull.customers.length} customers` });

  const seconds = shape.quick ? 0.3 : 2;
  const timed = answers.map((a) => ({ ...a, ms: parseTime(a.schema, a.answer, seconds) }));
  for (const t of timed) log(`output: ${t.what} parses in ${(t.ms * 1000).toFixed(0)} µs`);
  const perRow = (timed[3]?.ms ?? 0) / Math.max(1, pull.jobs.length + pull.customers.length);
  const listRatio = (timed[0]?.ms ?? Infinity) / http.p50;
  return {
    id: "output",
    title: "answers checked against their contracts schema (`.output()`)",
    about:
      "Each procedure with a schema in `@orderdeck/contracts` declares it as its `.output()`, so tRPC parses every answer before sending it; `sync.pull` is the exception, its pages are parsed by the console that receives them. " +
      "This is the CPU time of that parse for real answers from the benchmark shop (mean over repeated parses in one process), beside the bare HTTP round trip of the same server.",
    runs: [{ label: "bare HTTP round trip (GET /healthz)", figures: http }],
    facts: [
      ...timed.map((t): [string, string] => [`parse of ${t.what} (${t.size})`, `${(t.ms * 1000).toFixed(0)} µs`]),
      ["parse per row of a sync.pull page", `${(perRow * 1000).toFixed(1)} µs`],
    ],
    ratios: timed.map((t) => ({ what: `parse of ${t.what} ÷ bare HTTP p50`, value: t.ms / http.p50 })),
    targets: [{ what: "parse of a jobs.list page at most 0.1× the bare HTTP p50", value: listRatio, limit: 0.1, unit: "×" }],
  };
}
