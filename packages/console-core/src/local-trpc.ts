import { initTRPC, TRPCError } from "@trpc/server";
import { describeInputIssues } from "@orderdeck/contracts";
import { ZodError } from "zod";
import { ConsoleRefusal } from "./api.ts";

// The one tRPC instance behind localRouter, shared by its domain routers (local-router.ts and
// online/*). Node-free like them: the renderer's typecheck reads their types.

export const t = initTRPC.create({
  isServer: true,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      // The validator's own message is its JSON list of issues; the renderer shows this one.
      message: cause instanceof ZodError ? describeInputIssues(cause.issues) : shape.message,
      data: {
        ...shape.data,
        stack: undefined,
        reason: cause instanceof ConsoleRefusal ? cause.reason : undefined,
        // Per field, as the server gives them: a form shows each next to its field.
        fieldErrors: cause instanceof ZodError ? cause.issues.map((i) => ({ path: i.path.join("."), message: i.message })) : undefined,
      },
    };
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
