import {
  DomainError,
  JobListFilter,
  JobListSort,
  hasRole,
  type SavedViewCreateInput,
  type SavedViewOutput,
  type SavedViewUpdateInput,
  type ViewScope,
} from "@orderdeck/contracts";
import { inSite, type Prisma, type PrismaClient, type SavedView, type TransactionClient } from "@orderdeck/db";
import type { z } from "zod";
import type { Principal } from "../auth/principal.ts";

/*
 * Saved views: a name over a jobs.list filter and sort, validated with the same schemas as the
 * list itself. Personal views belong to one user and only they see them; site-wide views are
 * seen by everyone at the site and made or changed by a LEAD or ADMIN. Which of the two a
 * request touches is in its input, so the site-wide rule is checked here rather than in the
 * procedure's role declaration (which lets STAFF keep personal views).
 */

export const MAX_PERSONAL_VIEWS = 100;
export const MAX_SITE_VIEWS = 200;
const SITE_ROLE = "LEAD";

export interface ViewCall {
  prisma: PrismaClient;
  principal: Principal;
}

const DEFAULT_FILTER = JobListFilter.parse({});
const DEFAULT_SORT = JobListSort.parse({});

function present(view: SavedView, principal: Principal): SavedViewOutput {
  // A view stored before a filter field changed shape still opens, as the plain queue.
  const filter = JobListFilter.safeParse(view.filter);
  const sort = JobListSort.safeParse(view.sort);
  const mine = view.ownerId === principal.userId;
  return {
    id: view.id,
    name: view.name,
    scope: view.scope,
    ownerId: view.ownerId,
    mine,
    editable: view.scope === "SITE" ? hasRole(principal.role, SITE_ROLE) : mine,
    filter: filter.success ? filter.data : DEFAULT_FILTER,
    sort: sort.success ? sort.data : DEFAULT_SORT,
    createdAt: view.createdAt.toISOString(),
    updatedAt: view.updatedAt.toISOString(),
  };
}

function requireSiteRole(principal: Principal, scope: ViewScope): void {
  if (scope === "SITE" && !hasRole(principal.role, SITE_ROLE)) {
    throw new DomainError("FORBIDDEN", `Site-wide views are made and changed by a ${SITE_ROLE}; save it as a personal view instead.`);
  }
}

/** Views the caller can see: their own and the site's. Another user's personal view is NOT_FOUND. */
function visibleTo(principal: Principal): Prisma.SavedViewWhereInput {
  return { siteId: principal.siteId, OR: [{ scope: "SITE" }, { ownerId: principal.userId }] };
}

async function loadVisible(tx: TransactionClient, principal: Principal, id: string): Promise<SavedView> {
  const view = await tx.savedView.findFirst({ where: { id, ...visibleTo(principal) } });
  if (!view) throw new DomainError("NOT_FOUND", "That view does not exist (or is not yours to see).");
  return view;
}

async function checkRoom(tx: TransactionClient, principal: Principal, scope: ViewScope): Promise<void> {
  const count = await tx.savedView.count({
    where: scope === "SITE" ? { siteId: principal.siteId, scope } : { siteId: principal.siteId, scope, ownerId: principal.userId },
  });
  const max = scope === "SITE" ? MAX_SITE_VIEWS : MAX_PERSONAL_VIEWS;
  if (count >= max) throw new DomainError("VALIDATION_FAILED", `There are already ${max} ${scope === "SITE" ? "site-wide" : "personal"} views; delete one first.`);
}

export async function listViews(call: ViewCall): Promise<SavedViewOutput[]> {
  const { principal } = call;
  return inSite(call.prisma, principal.siteId, async (tx) => {
    const views = await tx.savedView.findMany({
      where: visibleTo(principal),
      orderBy: [{ scope: "asc" }, { name: "asc" }, { id: "asc" }],
    });
    return views.map((v) => present(v, principal));
  });
}

export async function createView(call: ViewCall, input: z.output<typeof SavedViewCreateInput>): Promise<SavedViewOutput> {
  const { principal } = call;
  requireSiteRole(principal, input.scope);
  return inSite(call.prisma, principal.siteId, async (tx) => {
    await checkRoom(tx, principal, input.scope);
    const view = await tx.savedView.create({
      data: {
        siteId: principal.siteId,
        ownerId: input.scope === "SITE" ? null : principal.userId,
        scope: input.scope,
        name: input.name,
        filter: input.filter,
        sort: input.sort,
      },
    });
    return present(view, principal);
  });
}

function requireEditable(principal: Principal, view: SavedView): void {
  requireSiteRole(principal, view.scope);
  if (view.scope === "PERSONAL" && view.ownerId !== principal.userId) {
    throw new DomainError("NOT_FOUND", "That view does not exist (or is not yours to see).");
  }
}

export async function updateView(call: ViewCall, input: z.output<typeof SavedViewUpdateInput>): Promise<SavedViewOutput> {
  const { principal } = call;
  return inSite(call.prisma, principal.siteId, async (tx) => {
    const view = await loadVisible(tx, principal, input.id);
    requireEditable(principal, view);
    const scope = input.scope ?? view.scope;
    if (scope !== view.scope) {
      requireSiteRole(principal, scope);
      await checkRoom(tx, principal, scope);
    }
    const updated = await tx.savedView.update({
      where: { id: view.id, siteId: principal.siteId },
      data: {
        name: input.name ?? view.name,
        scope,
        // A site view made personal becomes the caller's; a personal view made site-wide has no owner.
        ownerId: scope === "SITE" ? null : scope === view.scope ? view.ownerId : principal.userId,
        ...(input.filter ? { filter: input.filter } : {}),
        ...(input.sort ? { sort: input.sort } : {}),
      },
    });
    return present(updated, principal);
  });
}

export async function deleteView(call: ViewCall, id: string): Promise<{ id: string; deleted: true }> {
  const { principal } = call;
  return inSite(call.prisma, principal.siteId, async (tx) => {
    const view = await loadVisible(tx, principal, id);
    requireEditable(principal, view);
    await tx.savedView.delete({ where: { id: view.id, siteId: principal.siteId } });
    return { id: view.id, deleted: true as const };
  });
}
