// pickup.lookup and pickup.confirm at the counter. Lookups scan codes of jobs in every state;
// confirmations each hand over a different ready, paid job (the seed's supply), so every
// measured confirmation is a real handover with its receipt. Floors: the lookup's own SQL
// replayed through pg, and the server's bare HTTP round trip (GET /healthz).
import { randomUUID } from "node:crypto";
import { bareLoad, httpLoad, type LoadShape } from "../load.ts";
import { captureProcedure, replay } from "../capture.ts";
import type { BenchEnvironment } from "../environment.ts";
import type { BenchResult } from "../report.ts";
import { seatHeaders } from "./seats.ts";

export async function benchPickup(env: BenchEnvironment, shape: LoadShape, log: (line: string) => void): Promise<BenchResult> {
  const { seats, lookupCodes, handoverCodes } = env.shop;
  log("pickup: bare HTTP round trip (GET /healthz)");
  const http = await httpLoad({ url: env.api.url, request: () => ({ method: "GET", path: "/healthz", headers: {} }) }, shape);

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
  const lookupBare = await bareLoad(() => replay(env.pool, captured.statements), shape);

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
  const ranOut = next >= handoverCodes.length;
  return {
    id: "pickup",
    title: "pickup.lookup and pickup.confirm",
    about:
      `${shape.connections} connections. Lookups cycle through ${lookupCodes.length} codes of jobs in every state; each confirmation hands over a different ready, paid job ` +
      "(row lock, status change, job event, scan record, then the receipt number and receipt, the mail and the mutation ledger, in one transaction). The floors are the lookup's own SQL " +
      "through node-postgres, and GET /healthz on the same server (HTTP, no database).",
    runs: [
      { label: "bare HTTP round trip (GET /healthz)", figures: http },
      { label: "API `pickup.lookup`", figures: lookup },
      { label: "bare floor: the lookup's SQL through `pg`", figures: lookupBare },
      { label: "API `pickup.confirm` (a handover each)", figures: confirm },
    ],
    ratios: [
      { what: "lookup p50, API ÷ its SQL through pg", value: lookup.p50 / lookupBare.p50 },
      { what: "lookup p50, API ÷ bare HTTP round trip", value: lookup.p50 / http.p50 },
      { what: "confirm p50, API ÷ bare HTTP round trip", value: confirm.p50 / http.p50 },
      { what: "confirm throughput ÷ lookup throughput", value: confirm.throughput / lookup.throughput },
    ],
    targets: [{ what: "confirm p99 under 40 ms", value: confirm.p99, limit: 40, unit: "ms" }],
    notes: ranOut ? [`The supply of ${handoverCodes.length} ready, paid jobs ran out before the time was up: the confirm run is shorter than the others.`] : [],
  };
}
