import { DomainError, type HandoffStatus, type HandoffSummary } from "@orderdeck/contracts";
import { inSite, type Prisma, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import type { Principal } from "../auth/principal.ts";
import { renderHandoffHtml, renderHandoffPdf } from "./render.ts";
import { computeSummary, floorState, resolvePeriod, type FloorState, type PeriodInput } from "./summary.ts";
import { handoffSelect, parseSnapshot, toHeader, toView, type HandoffHeader, type HandoffRow, type HandoffView, type Paper } from "./view.ts";
import { formatLocal } from "../documents/zoned-time.ts";

export interface HandoffDependencies {
  prisma: PrismaClient;
  /** The server's clock (tests pin it to a night with a daylight-saving change). */
  now?: () => Date;
}

function clock(deps: HandoffDependencies): Date {
  return deps.now?.() ?? new Date();
}

async function siteTimeZone(tx: TransactionClient, siteId: string): Promise<string> {
  const site = await tx.site.findFirst({ where: { id: siteId }, select: { timezone: true } });
  if (!site) throw new DomainError("NOT_FOUND", "That site does not exist.");
  return site.timezone;
}

/** The summary of a period (default: since the last acknowledged handoff, or this shift). */
export async function handoffSummary(deps: HandoffDependencies, principal: Principal, input: PeriodInput): Promise<HandoffSummary> {
  const now = clock(deps);
  const floor = await floorState(deps.prisma, principal.siteId, now);
  return inSite(deps.prisma, principal.siteId, async (tx) => {
    const period = await resolvePeriod(tx, principal.siteId, await siteTimeZone(tx, principal.siteId), input, now);
    return computeSummary(tx, principal.siteId, period, now, floor);
  });
}

async function loadHandoff(tx: TransactionClient, siteId: string, id: string): Promise<HandoffRow> {
  const row = await tx.handoff.findFirst({ where: { id, siteId }, select: handoffSelect });
  if (!row) throw new DomainError("NOT_FOUND", "That handoff does not exist (or not at this site).");
  return row;
}

/** The outgoing lead's handoff: the summary as it is now, frozen, with their notes. */
export async function createHandoff(
  deps: HandoffDependencies,
  principal: Principal,
  input: PeriodInput & { notes: string },
): Promise<HandoffView> {
  const now = clock(deps);
  const floor = await floorState(deps.prisma, principal.siteId, now);
  return inSite(deps.prisma, principal.siteId, (tx) => createHandoffInTx(tx, principal, input, now, floor));
}

/**
 * Creates the handoff in the caller's transaction. `floor` is read beforehand (floorState runs
 * transactions of its own and must not be called inside this one).
 */
export async function createHandoffInTx(
  tx: TransactionClient,
  principal: Principal,
  input: PeriodInput & { notes: string },
  now: Date,
  floor: FloorState,
): Promise<HandoffView> {
  const period = await resolvePeriod(tx, principal.siteId, await siteTimeZone(tx, principal.siteId), input, now);
  const summary = await computeSummary(tx, principal.siteId, period, now, floor);
  const notes = input.notes.trim();
  const created = await tx.handoff.create({
    data: {
      siteId: principal.siteId,
      periodFrom: period.from,
      periodTo: period.to,
      notes: notes === "" ? null : notes,
      snapshot: summary as unknown as Prisma.InputJsonValue,
      createdById: principal.userId,
      createdAt: now,
    },
    select: handoffSelect,
  });
  return toView(created);
}

/**
 * The incoming lead takes the shift over. The one who wrote the handoff cannot also be the one
 * who received it; the first acknowledgement stands, a second answers who already did.
 */
export function acknowledgeHandoff(deps: HandoffDependencies, principal: Principal, id: string): Promise<HandoffView> {
  const now = clock(deps);
  return inSite(deps.prisma, principal.siteId, (tx) => acknowledgeHandoffInTx(tx, principal, id, now));
}

/** The acknowledgement in the caller's transaction. */
export async function acknowledgeHandoffInTx(tx: TransactionClient, principal: Principal, id: string, now: Date): Promise<HandoffView> {
  const row = await loadHandoff(tx, principal.siteId, id);
  if (row.createdBy.id === principal.userId) {
    throw new DomainError("FORBIDDEN", "The incoming lead acknowledges a handoff; you wrote this one, so someone else must take it over.");
  }
  // Conditional on "not yet acknowledged", so that of two leads acknowledging at once one wins.
  const updated = await tx.handoff.updateMany({
    where: { id, siteId: principal.siteId, acknowledgedAt: null },
    data: { status: "ACKNOWLEDGED", acknowledgedById: principal.userId, acknowledgedAt: now },
  });
  const current = await loadHandoff(tx, principal.siteId, id);
  if (updated.count === 0) {
    const who = current.acknowledgedBy?.name ?? "someone";
    const when = current.acknowledgedAt ? formatLocal(current.acknowledgedAt, parseSnapshot(current).site.timezone) : "earlier";
    throw new DomainError("DUPLICATE", `This handoff was already acknowledged by ${who} (${when}).`, {
      acknowledgedBy: current.acknowledgedBy?.name ?? null,
      acknowledgedAt: current.acknowledgedAt?.toISOString() ?? null,
    });
  }
  return toView(current);
}

export function getHandoff(deps: HandoffDependencies, principal: Principal, id: string): Promise<HandoffView> {
  return inSite(deps.prisma, principal.siteId, async (tx) => toView(await loadHandoff(tx, principal.siteId, id)));
}

export interface HandoffPage {
  items: HandoffHeader[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at ?? "");
  if (!id || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(createdAt.getTime())) {
    throw new DomainError("VALIDATION_FAILED", "That list cursor is not one this server handed out.");
  }
  return { createdAt, id };
}

/** Handoffs of the site, newest first, a page at a time (keyset on created time and id). */
export function listHandoffs(
  deps: HandoffDependencies,
  principal: Principal,
  input: { limit: number; cursor?: string | undefined; status?: HandoffStatus | undefined },
): Promise<HandoffPage> {
  const after = input.cursor ? decodeCursor(input.cursor) : null;
  return inSite(deps.prisma, principal.siteId, async (tx) => {
    const rows = await tx.handoff.findMany({
      where: {
        siteId: principal.siteId,
        ...(input.status ? { status: input.status } : {}),
        ...(after
          ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
          : {}),
      },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: input.limit + 1,
      select: handoffSelect,
    });
    const page = rows.slice(0, input.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => toHeader(row, parseSnapshot(row))),
      nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null,
    };
  });
}

export type HandoffPrint =
  | { format: "html"; mimeType: "text/html"; filename: string; html: string }
  | { format: "pdf"; mimeType: "application/pdf"; filename: string; base64: string };

/**
 * The handoff as it goes on paper. Printing marks it printed (the first print moves DRAFT to
 * PRINTED; reprints only move the time); an acknowledged handoff stays acknowledged.
 */
export async function printHandoff(
  deps: HandoffDependencies,
  principal: Principal,
  input: { id: string; paper: Paper; format: "html" | "pdf" },
): Promise<HandoffPrint> {
  const now = clock(deps);
  const view = await inSite(deps.prisma, principal.siteId, async (tx) => {
    await loadHandoff(tx, principal.siteId, input.id);
    await tx.handoff.updateMany({ where: { id: input.id, siteId: principal.siteId, status: "DRAFT" }, data: { status: "PRINTED" } });
    await tx.handoff.updateMany({ where: { id: input.id, siteId: principal.siteId }, data: { printedAt: now } });
    return toView(await loadHandoff(tx, principal.siteId, input.id));
  });
  const filename = `handoff-${view.periodTo.slice(0, 10)}-${input.paper}.${input.format}`;
  if (input.format === "html") return { format: "html", mimeType: "text/html", filename, html: renderHandoffHtml(view, input.paper) };
  const pdf = await renderHandoffPdf(view, input.paper);
  return { format: "pdf", mimeType: "application/pdf", filename, base64: pdf.toString("base64") };
}
