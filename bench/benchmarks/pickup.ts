// pickup.lookup and pickup.confirm at the counter. Lookups scan codes of jobs in every state;
// confirmations each hand over a different ready, paid job (the seed's supply), so every
// measured confirmation is a real handover with its receipt. Floors: the lookup's own SQL
// replayed through pg, and the server's bare HTTP round trip (GET /healthz).
import { randomUUID } from "node:crypto";
import { bareLoad, httpLoad, type LoadShape } from "../load.ts";
import { captureProcedure, replayLoad } from "../capture.ts";
import type { BenchEnvironment } from "../environment.ts";
import type { BenchResult } from "../report.ts";
import { bareHttp } from "./bare-http.ts";
import { seatHeaders } from "./seats.ts";
import { counterSites } from "./site.ts";

// Handovers spread over sites: each site numbers its receipts with its own counter.
const COUNTER_SITES = 10;

export async function benchPickup(env: BenchEnvironment, shape: LoadShape, log: (line: string) => void): Promise<BenchResult> {
  const { seats, lookupCodes, handoverCodes } = env.shop;
  const http = await bareHttp(env, shape, log);

  const sample = lookupCodes[0] as string;
  const captured = await captureProcedure(env.databaseUrl, env.pool, env.secretKey, seats[0]?.headers ?? {}, (caller) => caller.pickup.lookup({ code: sample }));
  log(`pickup.lookup: ${captured.statements.length} statements per request; API under load`);
  const lookup = await httpLoad(
    {
      url: env.api.url,
      request: (n) => ({
        method: "GET",
        path: `/trpc/pickup.lookup?input=${encodeURIComponent(JSON.stringify({ code: lookupCodes[n % lookupCodes.length] }))}`,
        headers: seatHeaders(seats, n),
      }),
    },
    shape,
  );
  log("pickup.lookup: the same SQL through pg alone");
  const lookupBare = await replayLoad(env, captured.statements, shape);
  // The physical floor of a lookup: one probe of the pickup-code index, no transaction, no scope.
  log("pickup.lookup: one indexed SELECT by pickup code through pg");
  const probe = await bareLoad(async (n) => {
    await env.pool.query({ name: "bench-probe", text: "SELECT id FROM jobs WHERE pickup_code = $1", values: [lookupCodes[n % lookupCodes.length]] });
  }, shape);

  log(`pickup.confirm: ${handoverCodes.length} jobs ready to hand over`);
  let next = 0;
  const confirm = await httpLoad(
    {
      url: env.api.url,
      amount: () => handoverCodes.length - next,
      request: (n) => {
        const code = handoverCodes[next++] ?? handoverCodes[0];
        return {
          method: "POST",
          path: "/trpc/pickup.confirm",
          headers: seatHeaders(seats, n, { "content-type": "application/json" }),
          body: JSON.stringify({ code, clientMutationId: randomUUID(), scannedAt: new Date().toISOString() }),
        };
      },
    },
    shape,
  );
  const supplied = handoverCodes.length;
  const ranOut = next >= supplied;
  // What was handed over is gone from the supply the other benchmarks draw on.
  handoverCodes.splice(0, next);

  log(`pickup.confirm: handovers spread over ${COUNTER_SITES} sites`);
  // Enough ready jobs for the run at several times the one-site rate, and seats enough that no
  // account or address comes near its scan budget.
  const perSite = Math.ceil((Math.max(confirm.throughput, 50) * 4 * (shape.seconds + shape.warmupSeconds)) / COUNTER_SITES);
  const sites = await counterSites(env, { count: COUNTER_SITES, seats: 40, ready: perSite });
  const taken = sites.map(() => 0);
  const spread = await httpLoad(
    {
      url: env.api.url,
      amount: () => sites.reduce((left, site, i) => left + site.readyCodes.length - (taken[i] ?? 0), 0),
      request: (n) => {
        const i = n % COUNTER_SITES;
        const site = sites[i]!;
        const code = site.readyCodes[taken[i]!++] ?? site.readyCodes[0];
        return {
          method: "POST",
          path: "/trpc/pickup.confirm",
          // The site's own count of requests picks its seat: every seat of every site takes its turn
          // (n itself would give each site only the seats its residue mod COUNTER_SITES reaches).
          headers: seatHeaders(site.seats, Math.floor(n / COUNTER_SITES), { "content-type": "application/json" }),
          body: JSON.stringify({ code, clientMutationId: randomUUID(), scannedAt: new Date().toISOString() }),
        };
      },
    },
    shape,
  );
  return {
    id: "pickup",
    title: "pickup.lookup and pickup.confirm",
    about:
      `${shape.connections} connections. Lookups cycle through ${lookupCodes.length} codes of jobs in every state; each confirmation hands over a different ready, paid job ` +
      "(row lock, status change, job event, scan record, then the receipt number and receipt, the mail and the mutation ledger, in one transaction), " +
      `first all on the benchmark shop's one site (one receipt counter), then spread round-robin over ${COUNTER_SITES} sites of their own (ready, paid jobs; 40 signed-in seats each). The floors are the lookup's own SQL ` +
      "through node-postgres as the product sends it (site scope and the read, pipelined in one transaction, named), one indexed SELECT of a job by its pickup code through node-postgres (no transaction), and GET /healthz on the same server (HTTP, no database).",
    runs: [
      { label: "bare HTTP round trip (GET /healthz)", figures: http },
      { label: "API `pickup.lookup`", figures: lookup },
      { label: "bare floor: the lookup's SQL through `pg`", figures: lookupBare },
      { label: "physical floor: one indexed SELECT by pickup code through `pg`", figures: probe },
      { label: "API `pickup.confirm` (a handover each)", figures: confirm },
      { label: `API \`pickup.confirm\`, handovers spread over ${COUNTER_SITES} sites`, figures: spread },
    ],
    ratios: [
      { what: "lookup p50, API ÷ its SQL through pg", value: lookup.p50 / lookupBare.p50 },
      { what: "lookup throughput, API ÷ its SQL through pg", value: lookup.throughput / lookupBare.throughput },
      { what: "lookup throughput, its SQL through pg ÷ one indexed SELECT", value: lookupBare.throughput / probe.throughput },
      { what: "lookup throughput, API ÷ bare HTTP round trip", value: lookup.throughput / http.throughput },
      { what: "lookup p50, API ÷ bare HTTP round trip", value: lookup.p50 / http.p50 },
      { what: "confirm p50, API ÷ bare HTTP round trip", value: confirm.p50 / http.p50 },
      { what: "confirm throughput, API ÷ bare HTTP round trip", value: confirm.throughput / http.throughput },
      { what: "confirm throughput ÷ lookup throughput", value: confirm.throughput / lookup.throughput },
      { what: `confirm throughput over ${COUNTER_SITES} sites ÷ on one site`, value: spread.throughput / confirm.throughput },
    ],
    targets: [
      { what: "lookup throughput at least 0.25× the bare HTTP round trip", value: lookup.throughput / http.throughput, limit: 0.25, unit: "×", atLeast: true },
      { what: "lookup p50 at most 4× the bare HTTP round trip's", value: lookup.p50 / http.p50, limit: 4, unit: "×" },
      { what: "confirm throughput at least 0.02× the bare HTTP round trip (one site)", value: confirm.throughput / http.throughput, limit: 0.02, unit: "×", atLeast: true },
      { what: `confirm throughput at least 0.04× the bare HTTP round trip (${COUNTER_SITES} sites)`, value: spread.throughput / http.throughput, limit: 0.04, unit: "×", atLeast: true },
    ],
    notes: ranOut ? [`The supply of ${supplied} ready, paid jobs ran out before the time was up: the confirm run is shorter than the others.`] : [],
  };
}
