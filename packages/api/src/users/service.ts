import { DomainError, type Assignee, type UserPage, type UserRole, type UserView } from "@orderdeck/contracts";
import { inSite, type TransactionClient, type User } from "@orderdeck/db";
import { writeCallerAudit } from "../audit/log.ts";
import { hashPassword } from "../auth/passwords.ts";
import { revokeSessionsOfUser } from "../auth/sessions.ts";
import type { AuthedContext } from "../context.ts";
import { databaseRefusal } from "../database-refusals.ts";
import { forgetSignInFailures } from "../rate-limits/limits.ts";

const USER_FIELDS = { id: true, email: true, name: true, role: true, disabled: true, lastSignInAt: true, createdAt: true } as const;

type UserRow = Pick<User, keyof typeof USER_FIELDS>;

function viewOf(user: UserRow): UserView {
  const { id, email, name, role, disabled, lastSignInAt, createdAt } = user;
  return { id, email, name, role, disabled, lastSignInAt: lastSignInAt?.toISOString() ?? null, createdAt: createdAt.toISOString() };
}

/** The site's users by email address, a page at a time (keyset on the unique address). */
export async function list(ctx: AuthedContext, input: { cursor?: string | undefined; limit?: number | undefined }): Promise<UserPage> {
  const { principal } = ctx;
  const limit = input.limit ?? 100;
  const rows = await inSite(ctx.prisma, principal.siteId, (tx) =>
    tx.user.findMany({
      where: { siteId: principal.siteId, ...(input.cursor === undefined ? {} : { email: { gt: input.cursor } }) },
      orderBy: { email: "asc" },
      select: USER_FIELDS,
      take: limit + 1,
    }),
  );
  const users = rows.slice(0, limit).map(viewOf);
  return { users, nextCursor: rows.length > limit ? (users.at(-1)?.email ?? null) : null };
}

/** The site's enabled people, by name: whom a job can be assigned to. Nothing but id and name leaves. */
export function assignable(ctx: AuthedContext): Promise<Assignee[]> {
  const { siteId } = ctx.principal;
  return inSite(ctx.prisma, siteId, (tx) => tx.user.findMany({ where: { siteId, disabled: false }, orderBy: [{ name: "asc" }, { id: "asc" }], select: { id: true, name: true } }));
}

/** A user of the caller's site, or NOT_FOUND (also for another site's user: it does not exist here). */
async function targetOf(tx: TransactionClient, siteId: string, userId: string): Promise<User> {
  const user = await tx.user.findFirst({ where: { id: userId, siteId } });
  if (!user) throw new DomainError("NOT_FOUND", "No such user at this site.");
  return user;
}

/**
 * The ids of the site's enabled admins, locked until the transaction ends: two admins demoting
 * or disabling each other at the same moment cannot both count the other as the one left.
 */
async function lockEnabledAdmins(tx: TransactionClient, siteId: string): Promise<string[]> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id::text AS id FROM users WHERE site_id = ${siteId}::uuid AND role = 'ADMIN' AND NOT disabled FOR UPDATE`;
  return rows.map((r) => r.id);
}

/** Refuses when `target` is the last enabled admin; `admins` comes from lockEnabledAdmins. */
function refuseLastAdmin(admins: string[], target: User, what: string): void {
  if (admins.includes(target.id) && admins.length <= 1) {
    throw new DomainError("WOULD_LOCK_OUT", `${target.name} is the site's only enabled admin; ${what} would leave nobody to manage it. Make another admin first.`);
  }
}

export async function create(
  ctx: AuthedContext,
  input: { email: string; name: string; role: UserRole; password: string },
): Promise<UserView> {
  const { principal } = ctx;
  // Hashing takes a noticeable moment; do it before the transaction opens.
  const passwordHash = await hashPassword(input.password);
  try {
    return await inSite(ctx.prisma, principal.siteId, async (tx) => {
      const user = await tx.user.create({
        data: { siteId: principal.siteId, email: input.email, name: input.name, role: input.role, passwordHash },
        select: USER_FIELDS,
      });
      await writeCallerAudit(tx, ctx, {
        action: "user.create",
        target: `user:${user.id}`,
        details: { email: user.email, name: user.name, role: user.role },
      });
      return viewOf(user);
    });
  } catch (error) {
    // Addresses are unique across all sites (sign-in does not ask for a site).
    if (databaseRefusal(error)?.reason === "DUPLICATE") {
      throw new DomainError("DUPLICATE", "That email address already belongs to a user.");
    }
    throw error;
  }
}

export async function disable(ctx: AuthedContext, input: { userId: string }): Promise<UserView> {
  const { principal } = ctx;
  if (input.userId === principal.userId) {
    throw new DomainError("WOULD_LOCK_OUT", "You cannot disable your own account; ask another admin.");
  }
  return inSite(ctx.prisma, principal.siteId, async (tx) => {
    // Locked before the target is read, so the check below sees what a racing change left.
    const admins = await lockEnabledAdmins(tx, principal.siteId);
    const target = await targetOf(tx, principal.siteId, input.userId);
    if (target.disabled) return viewOf(target);
    refuseLastAdmin(admins, target, "disabling them");
    const user = await tx.user.update({ where: { id: target.id }, data: { disabled: true }, select: USER_FIELDS });
    const sessionsRevoked = await revokeSessionsOfUser(tx, target.id);
    await writeCallerAudit(tx, ctx, {
      action: "user.disable",
      target: `user:${target.id}`,
      details: { email: target.email, sessionsRevoked },
    });
    return viewOf(user);
  });
}

export async function enable(ctx: AuthedContext, input: { userId: string }): Promise<UserView> {
  const { principal } = ctx;
  return inSite(ctx.prisma, principal.siteId, async (tx) => {
    const target = await targetOf(tx, principal.siteId, input.userId);
    if (!target.disabled) return viewOf(target);
    const user = await tx.user.update({ where: { id: target.id }, data: { disabled: false }, select: USER_FIELDS });
    await writeCallerAudit(tx, ctx, {
      action: "user.enable",
      target: `user:${target.id}`,
      details: { email: target.email },
    });
    return viewOf(user);
  });
}

/** Sets a new password; every session of the user ends and a sign-in lock on the account is lifted. */
export async function resetPassword(ctx: AuthedContext, input: { userId: string; password: string }): Promise<UserView> {
  const { principal } = ctx;
  const passwordHash = await hashPassword(input.password);
  const user = await inSite(ctx.prisma, principal.siteId, async (tx) => {
    const target = await targetOf(tx, principal.siteId, input.userId);
    const updated = await tx.user.update({ where: { id: target.id }, data: { passwordHash }, select: USER_FIELDS });
    const sessionsRevoked = await revokeSessionsOfUser(tx, target.id);
    await writeCallerAudit(tx, ctx, {
      action: "user.reset_password",
      target: `user:${target.id}`,
      details: { email: target.email, sessionsRevoked },
    });
    return viewOf(updated);
  });
  // A user locked out by their own typos gets in with the new password at once, from anywhere.
  await forgetSignInFailures(ctx, user.email);
  return user;
}

export async function changeRole(ctx: AuthedContext, input: { userId: string; role: UserRole }): Promise<UserView> {
  const { principal } = ctx;
  return inSite(ctx.prisma, principal.siteId, async (tx) => {
    const admins = await lockEnabledAdmins(tx, principal.siteId);
    const target = await targetOf(tx, principal.siteId, input.userId);
    if (target.role === input.role) return viewOf(target);
    if (input.role !== "ADMIN") refuseLastAdmin(admins, target, `making them ${input.role}`);
    const user = await tx.user.update({ where: { id: target.id }, data: { role: input.role }, select: USER_FIELDS });
    // A new role starts with a new sign-in, so no session carries what the old role was allowed.
    const sessionsRevoked = await revokeSessionsOfUser(tx, target.id);
    await writeCallerAudit(tx, ctx, {
      action: "user.change_role",
      target: `user:${target.id}`,
      details: { email: target.email, from: target.role, to: input.role, sessionsRevoked },
    });
    return viewOf(user);
  });
}
