import { initTRPC, TRPCError } from "@trpc/server";
import { ConsoleRefusal } from "./api.ts";

// The one tRPC instance behind localRouter, shared by its domain routers (local-router.ts and
// online/*). Node-free like them: the renderer's typecheck reads their types.

export const t = initTRPC.create({
  isServer: true,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return { ...shape, data: { ...shape.data, stack: undefined, reason: cause instanceof ConsoleRefusal ? cause.reason : undefined } };
  },
});

/** The console's own refusals become tRPC errors with their code; the reason rides in data.reason. */
const refusals = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof ConsoleRefusal) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.code, message: cause.message, cause });
  }
  return result;
});

export const procedure = t.procedure.use(refusals);
