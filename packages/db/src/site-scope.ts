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
 * From here to the end of `tx`, it acts for `siteId` under row-level security, as inSite's
 * transactions do from their start: for a transaction that first works on what the site's role
 * may not touch (graphile-worker's tables, in operations/service.ts) and then acts as the site.
 */
export async function actForSite(tx: Prisma.TransactionClient, siteId: string): Promise<void> {
  await tx.$executeRawUnsafe(ACT_FOR_SITE, siteId);
}

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
      await actForSite(tx, siteId);
      return work(tx);
    },
    { maxWait: 5_000, timeout: options.timeout ?? 15_000, isolationLevel: options.isolationLevel },
  );
}

/** A row as node-postgres reads it: bigint and numeric columns arrive as strings. */
export type SqlRow = Record<string, unknown>;

// A pipelined transaction is a few indexed statements, or a write waiting on a row lock (a job
// being handed over, a receipt counter); one that runs this long is a fault, not a busy moment:
// the same bound as inSite's.
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
  return batchesInSite(prisma, siteId, "BEGIN READ ONLY", (tx) => tx.finish<R>(statements));
}

/**
 * Statements of one pipelined transaction (writeInSite's, snapshotInSite's), sent in batches: every statement of a batch goes
 * out before the first answer is awaited, so a batch is one round trip on a pipelined connection.
 * The statements of a batch run in order, each seeing what the ones before it wrote, but none can
 * use an earlier one's answer: what depends on an answer goes in the next batch.
 */
export interface SiteStatements {
  /** Runs `statements` in order and answers the rows of each, typed as the caller says (as $queryRaw does). */
  run<R = SqlRow>(statements: Prisma.Sql[]): Promise<R[][]>;
  /** The transaction's last batch: on a pipelined connection, COMMIT goes out with it. */
  finish<R = SqlRow>(statements: Prisma.Sql[]): Promise<R[][]>;
}

/**
 * Runs `work` in one read-write transaction acting for `siteId` (the same wall as inSite) on a
 * pipelined connection: BEGIN and the site's scope go out with the first batch, COMMIT with the
 * last (`finish`, or after `work` returns), so a transaction of n batches costs n round trips,
 * not one per statement. On any failure the transaction rolls back whole and the first error is
 * thrown.
 */
export function writeInSite<T>(prisma: PrismaClient, siteId: string, work: (tx: SiteStatements) => Promise<T>): Promise<T> {
  return batchesInSite(prisma, siteId, "BEGIN", work);
}

/**
 * Runs `work` in one read-only transaction acting for `siteId` whose statements all read one
 * snapshot (REPEATABLE READ, taken by the first statement), in batches as writeInSite: for a
 * read whose later statements depend on what the earlier ones answered.
 */
export function snapshotInSite<T>(prisma: PrismaClient, siteId: string, work: (tx: SiteStatements) => Promise<T>): Promise<T> {
  return batchesInSite(prisma, siteId, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", work);
}

async function batchesInSite<T>(prisma: PrismaClient, siteId: string, begin: string, work: (tx: SiteStatements) => Promise<T>): Promise<T> {
  const { pool, onQuery, statementName } = directSqlOf(prisma);
  const client = await pool.connect();
  // As in readInSite: a connection lost while held must not end the process.
  const ignoreLoss = () => undefined;
  client.on("error", ignoreLoss);
  type State = "new" | "open" | "committed" | "failed";
  // Changed by `send`, which TypeScript does not follow: declared wide.
  let state = "new" as State;
  const send = async <R>(statements: Prisma.Sql[], commit: boolean): Promise<R[][]> => {
    if (state === "committed" || state === "failed") throw new Error(`this transaction is ${state === "committed" ? "committed" : "aborted"}; nothing more can be sent in it`);
    const opening = state === "new" ? [`${begin}; SET LOCAL statement_timeout = '${PIPELINED_TIMEOUT}'`] : [];
    const scope = state === "new" ? [{ text: ACT_FOR_SITE, params: [siteId] as unknown[] }] : [];
    state = "open";
    const sent = [...scope, ...statements.map((statement) => ({ text: statement.text, params: statement.values }))];
    for (const text of opening) onQuery?.({ text, params: [] });
    for (const statement of sent) onQuery?.(statement);
    if (commit) onQuery?.({ text: "COMMIT", params: [] });
    // Every answer is awaited before anything else is sent: after an error the later statements
    // are refused ("transaction is aborted") and a COMMIT ends the transaction as a rollback.
    const answers = await Promise.allSettled([
      ...opening.map((text) => client.query(text)),
      ...sent.map((statement) => client.query({ name: statementName(statement.text, statement.params), text: statement.text, values: statement.params })),
      ...(commit ? [client.query("COMMIT")] : []),
    ]);
    const failure = answers.find((answer) => answer.status === "rejected");
    if (failure) {
      state = "failed";
      throw failure.reason;
    }
    if (commit) state = "committed";
    const rows = answers.map((answer) => (answer as PromiseFulfilledResult<pg.QueryResult>).value.rows as R[]);
    return rows.slice(opening.length + scope.length, opening.length + sent.length);
  };
  let released = false;
  try {
    const result = await work({ run: (statements) => send(statements, false), finish: (statements) => send(statements, true) });
    if (state === "open") await send([], true);
    return result;
  } catch (error) {
    if (state === "open" || state === "failed") {
      // A failed transaction is rolled back (or was, by its COMMIT); a connection that cannot say so
      // is not given back to the pool.
      await client.query("ROLLBACK").catch((rollbackError: unknown) => {
        released = true;
        client.release(rollbackError instanceof Error ? rollbackError : true);
      });
    }
    throw error;
  } finally {
    client.removeListener("error", ignoreLoss);
    if (!released) client.release();
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
