import { appRouter } from "../root.ts";

/** What a metric's procedure label says for a path that names no procedure of the router. */
export const UNKNOWN_PROCEDURE = "unknown";

/** What it says for a batched call (several procedures in one request). */
export const BATCHED_PROCEDURES = "batch";

// Read from the router itself: a procedure added later is a label at once, and nothing else is.
const PROCEDURE_NAMES: ReadonlySet<string> = new Set(Object.keys(appRouter._def.procedures));

/**
 * The procedure label of a tRPC request path ("jobs.list", "a,b" when batched). Labels come only
 * from the router's own names: anyone may request `/trpc/<anything>`, and a label taken from the
 * path would add a new time series to /metrics for every made-up name.
 */
export function procedureLabel(path: string | undefined): string {
  const names = (path ?? "").split(",");
  if (!names.every((name) => PROCEDURE_NAMES.has(name))) return UNKNOWN_PROCEDURE;
  // A batch of known names still has as many combinations as a caller likes: one label for all.
  return names.length === 1 ? (names[0] ?? UNKNOWN_PROCEDURE) : BATCHED_PROCEDURES;
}
