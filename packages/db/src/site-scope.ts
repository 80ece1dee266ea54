import type pg from "pg";
import { PLANNED_PER_CALL, directSqlOf } from "./client.ts";
import { Prisma, type PrismaClient } from "./generated/prisma/client.ts";

export interface SiteScopeOptions {
  isolationLevel?: Prisma.TransactionIsolationLevel;
  /** Longest the transaction may run (ms). */
  timeout?: number;
}

// What makes a transaction act for one site: the unprivileged `orderdeck_app` role, whose
// row-level security policies hide every other site's rows, and the site they compare against.
const ACT_FOR_SITE = "SELECT set_config('app.site_id', $1, true), set_config('role', 'orderdeck_app', true)";

/**
 * Runs `work` in one transaction acting for `siteId`. Services still filter by site in every
 * query; this is the wall behind that filter.
 */
export async function inSite<T>(
  prisma: PrismaClient,
  siteId: string,
  work: (tx: Prisma.TransactionClient) => Promise<T>,
  options: SiteScopeOptions = {},
): Promise<T> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(ACT_FOR_SITE, siteId);
      return work(tx);
    },
    { maxWait: 5_000, timeout: options.timeout ?? 15_000, isolationLevel: options.isolationLevel },
  );
}

/** A row as node-postgres reads it: bigint and numeric columns arrive as strings. */
export type SqlRow = Record<string, unknown>;

// A pipelined transaction is a few indexed statements; one that runs this long is a fault, not a busy moment.
const PIPELINED_TIMEOUT = "15s";

/**
 * Runs read-only `statements` acting for `siteId` (the same wall as inSite), all in one round
 * trip: BEGIN, the site's scope, the statements and COMMIT are written together on a pipelined
 * connection and their answers read together. Nothing waits between them, so a statement cannot
 * depend on the one before; under READ COMMITTED each statement reads its own snapshot either way.
 * Answers the rows of each statement, in order, typed as the caller says (as $queryRaw does).
 * Writes belong in writeInSite or inSite.
 */
export function readInSite<R = SqlRow>(prisma: PrismaClient, siteId: string, statements: Prisma.Sql[]): Promise<R[][]> {
  return pipelinedInSite<R>(prisma, siteId, "BEGIN READ ONLY", statements);
}

/**
 * Runs `statements` acting for `siteId` in one transaction and one round trip, as readInSite
 * does, for writes whose values are known before the transaction starts: each statement sees
 * what the ones before it wrote, none can take a value from another's answer. All or nothing: a
 * statement that fails leaves the later ones refused and the transaction rolled back, and the
 * call rejects with its error. A transaction that must read before it knows what to write
 * belongs in inSite.
 */
export function writeInSite<R = SqlRow>(prisma: PrismaClient, siteId: string, statements: Prisma.Sql[]): Promise<R[][]> {
  return pipelinedInSite<R>(prisma, siteId, "BEGIN", statements);
}

async function pipelinedInSite<R>(prisma: PrismaClient, siteId: string, beginTransaction: string, statements: Prisma.Sql[]): Promise<R[][]> {
  const { pool, onQuery, statementName } = directSqlOf(prisma);
  const client = await pool.connect();
  // A connection that dies while checked out rejects its statements, then raises 'error' on the
  // client, which would end the process without a listener (the pool listens only to idle ones,
  // and drops a dead one when it comes back).
  const ignoreLoss = () => undefined;
  client.on("error", ignoreLoss);
  try {
    const begin = `${beginTransaction}; SET LOCAL statement_timeout = '${PIPELINED_TIMEOUT}'`;
    const scoped = [{ text: ACT_FOR_SITE, params: [siteId] as unknown[] }, ...statements.map((statement) => ({ text: statement.text, params: statement.values }))];
    onQuery?.({ text: begin, params: [] });
    for (const statement of scoped) onQuery?.(statement);
    onQuery?.({ text: "COMMIT", params: [] });
    // Every answer is awaited before the connection goes back: an error leaves the later ones
    // refused ("transaction is aborted"), and COMMIT then ends the transaction as a rollback.
    const answers = await Promise.allSettled([
      client.query(begin),
      ...scoped.map((statement) => client.query({ name: statementName(statement.text, statement.params), text: statement.text, values: statement.params })),
      client.query("COMMIT"),
    ]);
    const failure = answers.find((answer) => answer.status === "rejected");
    if (failure) throw failure.reason;
    return answers.slice(2, -1).map((answer) => (answer as PromiseFulfilledResult<pg.QueryResult>).value.rows as R[]);
  } finally {
    client.removeListener("error", ignoreLoss);
    client.release();
  }
}

/**
 * One statement outside any transaction and outside the site scope, on the client's pool: for
 * what must be read before a site is known (the caller's session).
 */
export async function queryDirect<R = SqlRow>(prisma: PrismaClient, statement: Prisma.Sql): Promise<R[]> {
  const { pool, onQuery, statementName } = directSqlOf(prisma);
  onQuery?.({ text: statement.text, params: statement.values });
  return (await pool.query({ name: statementName(statement.text, statement.values), text: statement.text, values: statement.values })).rows as R[];
}

/** `statement`, marked to be planned for each call's parameters (see PLANNED_PER_CALL). */
export function plannedPerCall(statement: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`${Prisma.raw(PLANNED_PER_CALL)} ${statement}`;
}
