import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export interface PrismaClientOptions {
  /** Most connections the client's pool opens (default 10). */
  max?: number;
  /**
   * Receives errors of idle pooled connections (the server restarted, the network dropped).
   * Without a listener pg's pool would raise them as an uncaught 'error' event and end the
   * process; the next query on that connection fails and reports the problem anyway.
   */
  onPoolError?: (error: Error) => void;
  /**
   * Longest wait for a connection (a new one, or a free one from a full pool), in ms (default
   * 10 000). Without it a database that stops answering without closing its sockets would hold
   * every request open until the operating system gives up on TCP, minutes later; a stopped one
   * refuses at once anyway.
   */
  connectionTimeoutMs?: number;
  /** Sees every statement the client sends, with its parameters (capturing a procedure's SQL). */
  onQuery?: (statement: SentStatement) => void;
  /**
   * Name the statements, so each connection parses and plans a statement once and runs its plan
   * after that (default true). Off behind a transaction pooler that cannot carry them between
   * transactions (PgBouncer before 1.21, or without max_prepared_statements).
   */
  preparedStatements?: boolean;
}

export interface SentStatement {
  text: string;
  params: unknown[];
}

/** The pool under a client's adapter, for the statements that go around Prisma (see site-scope.ts). */
export interface DirectSql {
  pool: pg.Pool;
  onQuery: ((statement: SentStatement) => void) | undefined;
  /** The prepared statement's name for a statement and its parameters; undefined: send it unnamed. */
  statementName: (text: string, params: readonly unknown[]) => string | undefined;
}

// Planning is most of what a short statement costs the database (a lookup's join under row-level
// security: 0.5 ms to plan, 0.1 ms to run). A connection keeps each named statement until it
// closes, so the names are capped per process and the connections are replaced now and then.
const MAX_NAMED_STATEMENTS = 1_000;
const CONNECTION_LIFETIME_SECONDS = 30 * 60;

/**
 * Opens a statement that is planned afresh for every call. After five calls PostgreSQL may keep a
 * generic plan for a named statement, made without the parameters' values; a statement whose best
 * plan depends on them (a search pattern, a filter that is often empty) says so with this, and
 * goes unnamed. See plannedPerCall. A statement with a list among its parameters is always planned
 * per call: a generic plan guesses ten elements, and the set-based writes (the intake's batches,
 * the queue's order) pass thousands.
 */
export const PLANNED_PER_CALL = "/* planned per call */";

function statementNames(): DirectSql["statementName"] {
  const names = new Map<string, string>();
  return (text, params) => {
    if (text.startsWith(PLANNED_PER_CALL) || params.some((param) => Array.isArray(param))) return undefined;
    const known = names.get(text);
    if (known !== undefined || names.size >= MAX_NAMED_STATEMENTS) return known;
    const name = `od_${createHash("sha1").update(text).digest("base64url")}`;
    names.set(text, name);
    return name;
  };
}

const unnamed = (): undefined => undefined;

/**
 * Makes each of the pool's connections send what a tick submits in one write: node-postgres writes
 * a statement as five protocol messages, each its own system call unless the socket is corked, and
 * a pipelined transaction is several statements. A system call costs more than the rest of a
 * short statement's client work. Uncorked on the next tick, after everything queued in this one.
 */
export function writeTicksWhole(pool: pg.Pool): void {
  pool.on("connect", (client) => {
    const socket = client.connection.stream;
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    const corked = (...args: unknown[]) => {
      socket.cork();
      process.nextTick(() => socket.uncork());
      return query(...args);
    };
    client.query = corked as typeof client.query;
  });
}

const directSql = new WeakMap<PrismaClient, DirectSql>();

/** The pool a client made by createPrismaClient runs on. */
export function directSqlOf(prisma: PrismaClient): DirectSql {
  const found = directSql.get(prisma);
  if (!found) throw new Error("this Prisma client was not made by createPrismaClient, so it has no pool of its own to read through");
  return found;
}

/** A Prisma client over node-postgres (Prisma 7 has no built-in driver). */
export function createPrismaClient(databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient {
  const onPoolError = options.onPoolError ?? (() => undefined);
  // Pipelined: a statement is written without waiting for the answer to the one before, so the
  // site-scoped reads send their transaction in one round trip. Prisma awaits each statement, so
  // for its own queries nothing changes.
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    pipeline: true,
    maxLifetimeSeconds: CONNECTION_LIFETIME_SECONDS,
  });
  // The adapter listens only once Prisma first connects; a direct read may come first.
  pool.on("error", onPoolError);
  writeTicksWhole(pool);
  const statementName = options.preparedStatements === false ? unnamed : statementNames();
  // "" is the protocol's own name of the unnamed statement.
  const adapter = new PrismaPg(pool, { onPoolError, disposeExternalPool: true, statementNameGenerator: (query) => statementName(query.sql, query.args) ?? "" });
  const onQuery = options.onQuery;
  let client: PrismaClient;
  if (onQuery) {
    const logged = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
    logged.$on("query", (event) => {
      const params: unknown = typeof event.params === "string" ? JSON.parse(event.params) : event.params;
      onQuery({ text: event.query, params: Array.isArray(params) ? params : [] });
    });
    client = logged;
  } else {
    client = new PrismaClient({ adapter });
  }
  directSql.set(client, { pool, onQuery, statementName });
  return client;
}
