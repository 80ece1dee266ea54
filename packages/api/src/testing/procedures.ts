import { z } from "zod";
import { appRouter } from "../root.ts";

/** One procedure of the router as the hostile-input and fuzz suites drive it. */
export interface ProcedureEntry {
  /** Dotted path, e.g. "jobs.list" (the tRPC HTTP path after /trpc/). */
  path: string;
  type: "query" | "mutation";
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

/**
 * Every query and mutation of the app router, read from the router itself, so that suites which
 * walk "every procedure" cover procedures added later without being edited.
 */
export function listProcedures(): ProcedureEntry[] {
  const procedures = appRouter._def.procedures as unknown as Record<string, ProcedureDef>;
  return Object.entries(procedures)
    .filter(([, p]) => p._def.type === "query" || p._def.type === "mutation")
    .map(([path, p]) => ({ path, type: p._def.type as "query" | "mutation", inputKeys: keysOf(p) }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** Calls a procedure of a tRPC caller by its dotted path. */
export function callByPath(caller: object, path: string, input: unknown): Promise<unknown> {
  let target: unknown = caller;
  for (const part of path.split(".")) target = (target as Record<string, unknown>)[part];
  return (target as (input: unknown) => Promise<unknown>)(input);
}
