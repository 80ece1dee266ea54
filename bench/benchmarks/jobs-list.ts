// jobs.list, a page of 50 with a status filter and a text search, against exactly the SQL the
// list service runs (captured from one real call) replayed through node-postgres alone.
import { httpLoad, type LoadShape } from "../load.ts";
import { captureProcedure, replayLoad } from "../capture.ts";
import type { BenchEnvironment } from "../environment.ts";
import type { BenchResult } from "../report.ts";
import { bareHttp } from "./bare-http.ts";
import { seatHeaders } from "./seats.ts";

export const LIST_INPUT = { filter: { statuses: ["QUEUED", "IN_PROGRESS"], search: "bracket" }, limit: 50 } as const;

export async function benchJobsList(env: BenchEnvironment, shape: LoadShape, log: (line: string) => void): Promise<BenchResult> {
  const captured = await captureProcedure(env.databaseUrl, env.pool, env.secretKey, env.shop.seats[0]?.headers ?? {}, (caller) =>
    caller.jobs.list({ filter: { statuses: [...LIST_INPUT.filter.statuses], search: LIST_INPUT.filter.search }, limit: LIST_INPUT.limit }),
  );
  const rows = captured.result.items.length;
  if (rows !== LIST_INPUT.limit) throw new Error(`the list benchmark's query should fill a page of ${LIST_INPUT.limit}, it answered ${rows}`);
  log(`jobs.list: ${captured.statements.length} statements per request; API under load`);
  const path = `/trpc/jobs.list?input=${encodeURIComponent(JSON.stringify(LIST_INPUT))}`;
  const api = await httpLoad({ url: env.api.url, request: (n) => ({ method: "GET", path, headers: seatHeaders(env.shop.seats, n) }) }, shape);
  log("jobs.list: the same SQL through pg alone");
  const bare = await replayLoad(env, captured.statements, shape);
  const http = await bareHttp(env, shape, log);
  return {
    id: "jobs-list",
    title: "jobs.list — page of 50, status filter and text search",
    about:
      `\`jobs.list\` with \`${JSON.stringify(LIST_INPUT)}\` (a page of ${LIST_INPUT.limit} of the ~11 000 queued and in-progress jobs, searched for a word in the title or customer name), ` +
      `${shape.connections} connections, credentials spread over the shop's seats. The bare floor replays the ${captured.statements.length} statements of the list's site-scoped reads ` +
      "(captured from one real call: site scope, customer lookup, SLA thresholds, site scope, the page) through node-postgres with the same pool size and concurrency, " +
      "as the product sends them but in one round trip instead of two: pipelined in one transaction, named where the product names them.",
    runs: [
      { label: "bare HTTP round trip (GET /healthz)", figures: http },
      { label: "API `jobs.list` over HTTP", figures: api },
      { label: "bare floor: the same SQL through `pg`", figures: bare },
    ],
    ratios: [
      { what: "p50, API ÷ bare floor", value: api.p50 / bare.p50 },
      { what: "p99, API ÷ bare floor", value: api.p99 / bare.p99 },
      { what: "throughput, API ÷ bare floor", value: api.throughput / bare.throughput },
      { what: "throughput, API ÷ bare HTTP round trip", value: api.throughput / http.throughput },
      { what: "throughput, its SQL through pg ÷ bare HTTP round trip", value: bare.throughput / http.throughput },
    ],
    targets: [
      { what: "API throughput at least 0.08× the bare HTTP round trip", value: api.throughput / http.throughput, limit: 0.08, unit: "×", atLeast: true },
      { what: "its SQL through pg at least 0.15× the bare HTTP round trip", value: bare.throughput / http.throughput, limit: 0.15, unit: "×", atLeast: true },
    ],
  };
}
