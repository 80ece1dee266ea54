// The bare floor runs exactly the SQL a procedure runs: one call is made through the product's
// own router and services with a Prisma client that reports every statement, and the statements
// of its site-scoped transaction (from the set_config that opens it to its COMMIT) are kept with
// their parameters, to be replayed through node-postgres alone.
import { createCallerFactory, createMetrics, createRateLimits, createSiteChangeListener, poolConnection, appRouter, type Context } from "@orderdeck/api";
import { createPrismaClient, type SentStatement } from "@orderdeck/db";
import { createLogger } from "@orderdeck/logging";
import type pg from "pg";
import { inTransaction } from "./transaction.ts";

const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

export interface Captured<T> {
  result: T;
  statements: SentStatement[];
}

/** Calls `path` once with a seat's credentials and answers its result and its transaction's statements. */
export async function captureProcedure<T>(
  databaseUrl: string,
  pool: pg.Pool,
  secretKey: string,
  headers: Record<string, string>,
  call: (caller: Caller) => Promise<T>,
): Promise<Captured<T>> {
  const seen: SentStatement[] = [];
  const prisma = createPrismaClient(databaseUrl, { max: 2, onQuery: (statement) => seen.push(statement) });
  try {
    const ctx: Context = {
      prisma,
      logger: createLogger({ silent: true }),
      metrics: createMetrics(),
      version: "bench",
      sessions: { secretKey, idleMs: 12 * 3_600_000 },
      rateLimits: createRateLimits(pool),
      // Never started: the captured procedures don't subscribe to site changes.
      siteChanges: createSiteChangeListener({ connectionString: databaseUrl, logger: createLogger({ silent: true }) }),
      intake: { withConnection: poolConnection(pool) },
      requestId: "bench-capture",
      ip: "127.0.0.1",
      userAgent: "bench",
      credentials: { authorization: headers.authorization, stationToken: headers["x-station-token"] },
    };
    const result = await call(createCaller(ctx));
    const start = seen.findIndex((s) => s.text.includes("set_config('app.site_id'"));
    const end = seen.findIndex((s, i) => i > start && s.text.trim().toUpperCase() === "COMMIT");
    if (start < 0 || end < 0) throw new Error("no site-scoped transaction was seen");
    return { result, statements: seen.slice(start, end) };
  } finally {
    await prisma.$disconnect();
  }
}

/** One transaction of the captured statements on a pooled connection. */
export async function replay(pool: pg.Pool, statements: SentStatement[]): Promise<void> {
  await inTransaction(pool, async (client) => {
    for (const s of statements) await client.query(s.text, s.params);
  });
}
