import { PrismaPg } from "@prisma/adapter-pg";
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
}

export interface SentStatement {
  text: string;
  params: unknown[];
}

/** A Prisma client over node-postgres (Prisma 7 has no built-in driver). */
export function createPrismaClient(databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient {
  const adapter = new PrismaPg(
    { connectionString: databaseUrl, max: options.max ?? 10, connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000 },
    { onPoolError: options.onPoolError ?? (() => undefined) },
  );
  if (!options.onQuery) return new PrismaClient({ adapter });
  const onQuery = options.onQuery;
  const client = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
  client.$on("query", (event) => {
    const params: unknown = typeof event.params === "string" ? JSON.parse(event.params) : event.params;
    onQuery({ text: event.query, params: Array.isArray(params) ? params : [] });
  });
  return client;
}
