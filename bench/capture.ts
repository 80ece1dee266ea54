// The bare floor runs exactly the SQL a procedure runs: one call is made through the product's
// own router and services with a Prisma client that reports every statement, and the statements
// of its site-scoped transactions (each from the set_config that opens it to its COMMIT) are kept
// with their parameters, to be replayed through node-postgres alone.
import { createCallerFactory, createMetrics, createRateLimits, createSiteChangeListener, poolConnection, appRouter, type Context } from "@orderdeck/api";
import { createPrismaClient, directSqlOf, type SentStatement } from "@orderdeck/db";
import { createLogger } from "@orderdeck/logging";
import type pg from "pg";
import { API_POOL_MAX, type BenchEnvironment } from "./environment.ts";
import { bareLoad, type LoadFigures, type LoadShape } from "./load.ts";

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
    // Every site-scoped transaction of the call, each from its set_config to its COMMIT.
    const statements: SentStatement[] = [];
    let inScope = false;
    for (const s of seen) {
      if (s.text.includes("set_config('app.site_id'")) inScope = true;
      else if (s.text.trim().toUpperCase() === "COMMIT") inScope = false;
      if (inScope) statements.push(s);
    }
    if (statements.length === 0) throw new Error("no site-scoped transaction was seen");
    return { result, statements };
  } finally {
    await prisma.$disconnect();
  }
}

/**
 * The bare floor of a procedure: its captured statements replayed under the run's load shape, as
 * the product sends its reads (one transaction written at once) on a pool of the product's own
 * making (pipelined, one write per tick, statements named by its rule), with the API's pool size.
 */
export async function replayLoad(env: BenchEnvironment, statements: SentStatement[], shape: LoadShape): Promise<LoadFigures> {
  const prisma = createPrismaClient(env.databaseUrl, { max: API_POOL_MAX });
  const { pool, statementName } = directSqlOf(prisma);
  const replay = async () => {
    const client = await pool.connect();
    try {
      const answers = await Promise.allSettled([
        client.query("BEGIN"),
        ...statements.map((s) => client.query({ name: statementName(s.text, s.params), text: s.text, values: s.params })),
        client.query("COMMIT"),
      ]);
      const failed = answers.find((a) => a.status === "rejected");
      if (failed) throw failed.reason;
    } finally {
      client.release();
    }
  };
  try {
    return await bareLoad(replay, shape);
  } finally {
    await prisma.$disconnect();
  }
}
