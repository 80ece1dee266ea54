import { hasRole, type UserRole } from "@orderdeck/contracts";
import { addLogContext } from "@orderdeck/logging";
import { TRPCError } from "@trpc/server";
import type { Context } from "../context.ts";
import { spendSessionBudget } from "../rate-limits/limits.ts";
import { resolvePrincipal, type Principal } from "./principal.ts";

/** What a procedure or route asks of its caller: the least role, and whether it must come from an enrolled console. */
export interface Requirement {
  role?: UserRole;
  station?: boolean;
}

/**
 * The one check of who may call what: the session (and station) tokens, the session's request
 * budget, the role and the station. tRPC procedures reach it through the `authorized` middleware
 * (trpc.ts); the few plain HTTP routes (the CSV export) call it directly.
 */
export async function authorize(ctx: Context, requirement: Requirement = {}): Promise<Principal> {
  const principal = await resolvePrincipal(ctx.prisma, ctx.sessions, ctx.credentials);
  if (!principal) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in again: the session is missing, expired or revoked." });
  }
  addLogContext({ userId: principal.userId, stationId: principal.stationId ?? undefined, siteId: principal.siteId });
  // Counted before the role check, so calls refused for their role spend the budget too.
  await spendSessionBudget(ctx, principal.sessionId);
  const required = requirement.role ?? "STAFF";
  if (!hasRole(principal.role, required)) {
    throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${required} role; you are signed in as ${principal.role}.` });
  }
  if (requirement.station && !principal.stationId) {
    throw new TRPCError({ code: "FORBIDDEN", message: "This can only be done from an enrolled console station." });
  }
  return principal;
}
