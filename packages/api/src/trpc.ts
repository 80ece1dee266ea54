import { DomainError, ERROR_CODES, describeInputIssues } from "@orderdeck/contracts";
import { withLogContext } from "@orderdeck/logging";
import { TRPCError, initTRPC } from "@trpc/server";
import { ZodError } from "zod";
import { authorize, type Requirement } from "./auth/authorize.ts";
import type { Context } from "./context.ts";
import { databaseRefusal } from "./database-refusals.ts";

/**
 * Declared on each procedure: the least role that may call it, and whether it must come from an
 * enrolled console. Checked in one place (the `authorized` middleware below), never in handlers.
 */
export type ProcedureMeta = Requirement;

const t = initTRPC.context<Context>().meta<ProcedureMeta>().create({
  // sync.events streams over SSE: a comment every 15 s keeps proxies from closing an idle stream,
  // and a client that hears nothing for 40 s reconnects.
  sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 40_000 } },
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      // The validator's own message is its JSON list of issues; the answer says it in words.
      message: cause instanceof ZodError ? describeInputIssues(cause.issues) : shape.message,
      data: {
        ...shape.data,
        // Stack traces stay in the server log, never in an answer.
        stack: undefined,
        reason: cause instanceof DomainError ? cause.reason : undefined,
        details: cause instanceof DomainError ? cause.details : undefined,
        fieldErrors: cause instanceof ZodError ? cause.issues.map((i) => ({ path: i.path.join("."), message: i.message })) : undefined,
      },
    };
  },
});

/**
 * Turns the rules' DomainErrors (and the database's own refusals) into tRPC errors, so routers
 * never map errors by hand.
 */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const original = result.error.cause;
  const cause = original instanceof DomainError ? original : databaseRefusal(original);
  if (cause) throw new TRPCError({ code: ERROR_CODES[cause.reason], message: cause.message, cause });
  return result;
});

const observed = t.middleware(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  // Every line logged while the procedure runs carries its request id and name.
  const result = await withLogContext({ requestId: ctx.requestId, procedure: path }, () => next());
  const code = result.ok ? "OK" : result.error.code;
  const seconds = (performance.now() - started) / 1000;
  ctx.metrics.procedureDuration.observe({ procedure: path, type, code }, seconds);
  if (!result.ok) {
    ctx.metrics.procedureErrors.inc({ procedure: path, code });
    const level = result.error.code === "INTERNAL_SERVER_ERROR" ? "error" : "info";
    ctx.logger.log(level, "procedure failed", {
      procedure: path,
      code,
      error: result.error.message,
      stack: level === "error" ? result.error.stack : undefined,
    });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(observed).use(domainErrors);

const authorized = t.middleware(async ({ ctx, meta, next }) => {
  const principal = await authorize(ctx, meta ?? {});
  return next({ ctx: { ...ctx, principal } });
});

/** Any signed-in user of the site (STAFF and up), unless `.meta({ role })` asks for more. */
export const authedProcedure = publicProcedure.use(authorized);

// The variants routers build on, so each procedure's requirement reads as one word. tRPC v11
// shallow-merges a later `.meta()` into these, so a router never needs to add one of its own.

/** Anyone on the floor: STAFF and up. */
export const staffProcedure = authedProcedure.meta({ role: "STAFF" });
/** Leads and admins: the queue's order, handoffs, operations, intake runs. */
export const leadProcedure = authedProcedure.meta({ role: "LEAD" });
/** Admins only: users, stations, site settings, feed sources, webhooks. */
export const adminProcedure = authedProcedure.meta({ role: "ADMIN" });
/** STAFF at an enrolled console: what a console's outbox and scanner send, unique per station. */
export const stationProcedure = authedProcedure.meta({ role: "STAFF", station: true });
