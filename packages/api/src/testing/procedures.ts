import { z } from "zod";
import { appRouter } from "../root.ts";

/** One procedure of the router as the hostile-input and fuzz suites drive it. */
export interface ProcedureEntry {
  /** Dotted path, e.g. "jobs.list" (the tRPC HTTP path after /trpc/). */
  path: string;
  /** A subscription is a server-sent event stream over HTTP (GET), an async iterable in-process. */
  type: "query" | "mutation" | "subscription";
  /** Top-level keys its input object accepts (zod object schemas), to aim values at them. */
  inputKeys: string[];
}

interface ProcedureDef {
  _def: { type: string; inputs?: unknown[] };
}

function keysOf(procedure: ProcedureDef): string[] {
  const keys = new Set<string>();
  for (const parser of procedure._def.inputs ?? []) {
    if (parser instanceof z.ZodObject) for (const key of Object.keys(parser.shape)) keys.add(key);
  }
  return [...keys];
}

const PROCEDURE_TYPES: ReadonlySet<string> = new Set(["query", "mutation", "subscription"]);

/** The dotted path of every procedure the app router has, whatever its type: what "every procedure" means. */
export function routerProcedurePaths(): string[] {
  return Object.keys(appRouter._def.procedures).sort((a, b) => a.localeCompare(b));
}

/**
 * Every procedure of the app router, read from the router itself, so that suites which walk
 * "every procedure" cover procedures added later without being edited. A suite checks at its end
 * that it called each of routerProcedurePaths().
 */
export function listProcedures(): ProcedureEntry[] {
  const procedures = appRouter._def.procedures as unknown as Record<string, ProcedureDef>;
  return Object.entries(procedures)
    .filter(([, p]) => PROCEDURE_TYPES.has(p._def.type))
    .map(([path, p]) => ({ path, type: p._def.type as ProcedureEntry["type"], inputKeys: keysOf(p) }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Calls a procedure of a tRPC caller by its dotted path. A subscription that is accepted is ended
 * before it streams anything (its answer is the stream; refusals come before it).
 */
export async function callByPath(caller: object, path: string, input: unknown): Promise<unknown> {
  let target: unknown = caller;
  for (const part of path.split(".")) target = (target as Record<string, unknown>)[part];
  if (typeof target !== "function") throw new Error(`the caller has no procedure ${path}`);
  const answer: unknown = await (target as (input: unknown) => Promise<unknown>)(input);
  if (answer !== null && typeof answer === "object" && Symbol.asyncIterator in answer) {
    await (answer as AsyncIterable<unknown>)[Symbol.asyncIterator]().return?.();
  }
  return answer;
}

/** The router's procedures a suite never called, for its closing check (empty when it walked them all). */
export function missingProcedures(called: ReadonlySet<string>): string[] {
  return routerProcedurePaths().filter((path) => !called.has(path));
}
