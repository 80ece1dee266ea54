import { AsyncLocalStorage } from "node:async_hooks";
import winston from "winston";

/** Fields that identify the unit of work a log line belongs to (a request or a background task). */
export interface LogContext {
  requestId?: string;
  procedure?: string;
  userId?: string;
  stationId?: string;
  siteId?: string;
  taskId?: string;
  task?: string;
}

const contextStore = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `context` attached to every line logged inside it, however deep the call. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  const parent = contextStore.getStore();
  return contextStore.run({ ...parent, ...context }, fn);
}

/** Adds fields to the current unit of work's context (for example the user, once authenticated). */
export function addLogContext(fields: LogContext): void {
  const store = contextStore.getStore();
  if (store) Object.assign(store, fields);
}

export function currentLogContext(): LogContext | undefined {
  return contextStore.getStore();
}

const attachContext = winston.format((info) => {
  const context = contextStore.getStore();
  if (context) {
    for (const [key, value] of Object.entries(context)) {
      if (value !== undefined && info[key] === undefined) info[key] = value;
    }
  }
  return info;
});

// Keys whose values must never reach a log, whatever logs them.
const SECRET_KEYS = /pass(word)?|secret|token|authorization|cookie|api[-_]?key/i;
const redactSecrets = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEYS.test(key)) info[key] = "[redacted]";
  }
  return info;
});

export interface LoggerOptions {
  level?: string;
  /** Human-readable lines for development; JSON lines otherwise. */
  pretty?: boolean;
  /** Suppresses output (tests that assert nothing about logs). */
  silent?: boolean;
}

export type Logger = winston.Logger;

export function createLogger(options: LoggerOptions = {}): Logger {
  const base = [winston.format.timestamp(), attachContext(), redactSecrets(), winston.format.errors({ stack: true })];
  const format = options.pretty
    ? winston.format.combine(
        ...base,
        winston.format.colorize(),
        winston.format.printf(({ timestamp, level, message, ...rest }) => {
          const fields = Object.entries(rest)
            .filter(([k]) => typeof k === "string")
            .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
            .join(" ");
          return `${String(timestamp)} ${level} ${String(message)}${fields ? ` ${fields}` : ""}`;
        }),
      )
    : winston.format.combine(...base, winston.format.json());
  return winston.createLogger({
    level: options.level ?? "info",
    format,
    silent: options.silent ?? false,
    transports: [new winston.transports.Console()],
  });
}
