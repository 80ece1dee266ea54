import type { z } from "zod";
import { ConsoleRefusal, type ConsoleCoreApi } from "../api.ts";
import { procedure } from "../local-trpc.ts";

/**
 * A localRouter procedure that is the server's procedure `serverPath`, called live with this
 * station's session. The input is checked here with the contracts' schema before anything leaves
 * the console, and the answer is checked against `output` (by the server client, once), so the renderer gets typed data and a
 * different server version shows up as a clear refusal, not as a broken screen. Offline it refuses
 * with reason OFFLINE: these features have no cached copy.
 */
export function serverQuery<I extends z.ZodType, O extends z.ZodType>(core: () => ConsoleCoreApi, serverPath: string, input: I, output: O, what: string) {
  return procedure
    .input(input)
    .query(({ input: value }) => core().online.query(serverPath, value, output, what));
}

/** Like `serverQuery`, for a server mutation. */
export function serverMutation<I extends z.ZodType, O extends z.ZodType>(core: () => ConsoleCoreApi, serverPath: string, input: I, output: O, what: string) {
  return procedure
    .input(input)
    .mutation(({ input: value }) => core().online.mutation(serverPath, value, output, what));
}

export type CoreOf = () => ConsoleCoreApi;

export function requireCore(core: ConsoleCoreApi | undefined): CoreOf {
  return () => {
    if (!core) throw new ConsoleRefusal("PRECONDITION_FAILED", "NOT_SET_UP", "The console has no local data folder open.");
    return core;
  };
}
