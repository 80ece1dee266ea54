import { DomainError } from "@orderdeck/contracts";

interface PostgresFailure {
  code: string;
  constraint: string | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** The SQLSTATE (and constraint) behind an error from Prisma's pg adapter or from pg itself. */
/**
 * The pg adapter's mapped error: inside a Prisma error (`meta.driverAdapterError`), or the adapter's
 * DriverAdapterError itself, which an interactive transaction's raw statement throws unwrapped.
 */
function adapterCauseOf(error: Record<string, unknown>): Record<string, unknown> | undefined {
  const meta = isRecord(error.meta) ? error.meta : undefined;
  const adapterError = meta && isRecord(meta.driverAdapterError) ? meta.driverAdapterError : error.name === "DriverAdapterError" ? error : undefined;
  return adapterError && isRecord(adapterError.cause) ? adapterError.cause : undefined;
}

function postgresFailureOf(error: unknown): PostgresFailure | undefined {
  if (!isRecord(error)) return undefined;
  const cause = adapterCauseOf(error);
  const code = cause ? (typeof cause.originalCode === "string" ? cause.originalCode : cause.kind === "postgres" && typeof cause.code === "string" ? cause.code : undefined) : undefined;
  if (cause && code) {
    const message = typeof cause.originalMessage === "string" ? cause.originalMessage : typeof cause.message === "string" ? cause.message : "";
    const constraintInfo = isRecord(cause.constraint) ? cause.constraint : undefined;
    const constraint =
      (constraintInfo && typeof constraintInfo.index === "string" ? constraintInfo.index : undefined) ??
      /constraint "([^"]+)"/.exec(message)?.[1];
    return { code, constraint };
  }
  if (typeof error.code === "string" && /^[0-9A-Z]{5}$/.test(error.code)) {
    return { code: error.code, constraint: typeof error.constraint === "string" ? error.constraint : undefined };
  }
  return undefined;
}

// How each layer says "the database cannot serve this right now": Prisma's own codes, the kinds
// of its pg driver adapter, node-postgres's errors (no SQLSTATE, only a message) and Node's socket
// errors. Either the database is out of reach (stopped, restarting, unreachable) or every
// connection stayed busy past the wait (overload). Both are to be waited out and retried, never a
// fault of the request; the message tells them apart for whoever reads it.
type Unavailable = "unreachable" | "busy";

const PRISMA_CODES: Record<string, Unavailable> = {
  P1001: "unreachable",
  P1002: "unreachable",
  P1008: "unreachable",
  P1017: "unreachable",
  // Pool timeout; transaction could not start (or outlived its time) while connections were busy.
  P2024: "busy",
  P2028: "busy",
};
const ADAPTER_KINDS: Record<string, Unavailable> = {
  DatabaseNotReachable: "unreachable",
  ConnectionClosed: "unreachable",
  SocketTimeout: "unreachable",
  TooManyConnections: "busy",
  TransactionAlreadyClosed: "busy",
};
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"]);
const PG_MESSAGES: Array<[RegExp, Unavailable]> = [
  // pg-pool: no pooled connection came free in time.
  [/^timeout exceeded when trying to connect/, "busy"],
  // pg: a new connection was not established in time, or dropped.
  [/^(Connection terminated|Client has encountered a connection error)/, "unreachable"],
];

function unavailability(error: unknown, depth = 0): Unavailable | undefined {
  if (!isRecord(error) || depth > 4) return undefined;
  if (typeof error.code === "string") {
    const byPrisma = PRISMA_CODES[error.code];
    if (byPrisma) return byPrisma;
    if (SOCKET_CODES.has(error.code)) return "unreachable";
  }
  const kind = adapterCauseOf(error)?.kind;
  if (typeof kind === "string" && ADAPTER_KINDS[kind]) return ADAPTER_KINDS[kind];
  if (error instanceof Error && !("code" in error)) {
    const match = PG_MESSAGES.find(([pattern]) => pattern.test(error.message));
    if (match) return match[1];
  }
  return unavailability(error.cause, depth + 1);
}

const UNAVAILABLE_MESSAGE: Record<Unavailable, string> = {
  unreachable: "The database is not reachable right now; try again in a few seconds.",
  busy: "The server is too busy to take this right now; try again in a few seconds.",
};

/**
 * Turns a refusal by the database (a constraint, a trigger, a lost race) into a DomainError, so
 * that the database's second line of defence answers 4xx like the first. Services check the
 * rules first and give better messages; this only catches what slipped past them. Row contents
 * in the database's message are never passed on.
 */
export function databaseRefusal(error: unknown): DomainError | undefined {
  const unavailable = unavailability(error);
  if (unavailable) return new DomainError("SERVICE_UNAVAILABLE", UNAVAILABLE_MESSAGE[unavailable]);
  if (isRecord(error) && error.code === "P2025") return new DomainError("NOT_FOUND", "That record does not exist (or not at this site).");
  const failure = postgresFailureOf(error);
  if (!failure) return undefined;
  const which = failure.constraint ? ` (${failure.constraint})` : "";
  switch (failure.code) {
    case "23505":
      return new DomainError("DUPLICATE", `That already exists${which}.`);
    case "23514":
    case "23502":
    case "23503":
    case "22001":
    case "22003":
    case "22007":
    case "22008":
    case "22P02":
    case "22023":
      return new DomainError("VALIDATION_FAILED", `The database refused the values given${which}; check them and try again.`);
    case "40001":
    case "40P01":
    case "55P03":
      return new DomainError("VERSION_CONFLICT", "Someone else changed this at the same moment; try again.");
    case "42501":
      return new DomainError("NOT_FOUND", "That record does not exist (or not at this site).");
    case "57P01":
    case "57P02":
    case "57P03":
      return new DomainError("SERVICE_UNAVAILABLE", UNAVAILABLE_MESSAGE.unreachable);
    case "53300":
      return new DomainError("SERVICE_UNAVAILABLE", UNAVAILABLE_MESSAGE.busy);
    default:
      // Class 08: connection exceptions of every kind.
      return failure.code.startsWith("08") ? new DomainError("SERVICE_UNAVAILABLE", UNAVAILABLE_MESSAGE.unreachable) : undefined;
  }
}
