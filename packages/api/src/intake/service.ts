import {
  DomainError,
  type IntakeRunNowInput,
  type IntakeRunNowResult,
  type IntakeRunsListInput,
  type IntakeRunsPage,
  type IntakeSourceCreateInput,
  type IntakeSourceUpdateInput,
  type IntakeSourceView,
} from "@orderdeck/contracts";
import { Prisma, inSite, type IntakeSource, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import type { z } from "zod";
import { writeCallerAudit } from "../audit/log.ts";
import type { Principal } from "../auth/principal.ts";
import { decodeKeyset, encodeKeyset } from "./keyset.ts";
import { lagSecondsOf } from "./status.ts";
import { presentRun, runSync, type IntakeDependencies } from "./sync-run.ts";

/** A signed-in person calling the intake, with what the process gives it. */
export interface IntakeCall {
  deps: IntakeDependencies;
  principal: Principal;
  requestId: string;
  ip: string;
}

const SOURCE_NOT_FOUND = "That intake source does not exist (or not at this site).";

function presentSource(source: IntakeSource, now: Date): IntakeSourceView {
  return {
    id: source.id,
    name: source.name,
    kind: source.kind,
    baseUrl: source.baseUrl,
    credentialsRef: source.credentialsRef,
    pageSize: source.pageSize,
    enabled: source.enabled,
    cursor: source.cursor,
    lastSuccessAt: source.lastSuccessAt?.toISOString() ?? null,
    consecutiveFailures: source.consecutiveFailures,
    sourceNewestAt: source.sourceNewestAt?.toISOString() ?? null,
    syncedThroughAt: source.syncedThroughAt?.toISOString() ?? null,
    lagSeconds: lagSecondsOf(source, now),
    createdAt: source.createdAt.toISOString(),
  };
}

async function sourceOf(tx: TransactionClient, siteId: string, id: string): Promise<IntakeSource> {
  const source = await tx.intakeSource.findFirst({ where: { id, siteId } });
  if (!source) throw new DomainError("NOT_FOUND", SOURCE_NOT_FOUND);
  return source;
}

export async function listSources(prisma: PrismaClient, siteId: string, now = new Date()): Promise<IntakeSourceView[]> {
  const sources = await inSite(prisma, siteId, (tx) => tx.intakeSource.findMany({ where: { siteId }, orderBy: [{ name: "asc" }, { id: "asc" }] }));
  return sources.map((s) => presentSource(s, now));
}

export async function createSource(call: IntakeCall, input: z.output<typeof IntakeSourceCreateInput>): Promise<IntakeSourceView> {
  const { siteId } = call.principal;
  return inSite(call.deps.prisma, siteId, async (tx) => {
    const source = await tx.intakeSource.create({
      data: {
        siteId,
        name: input.name,
        kind: input.kind,
        baseUrl: input.baseUrl,
        credentialsRef: input.credentialsRef,
        pageSize: input.pageSize,
        enabled: input.enabled,
      },
    });
    await writeCallerAudit(tx, call, {
      action: "intake.source_create",
      target: `intake_source:${source.id}`,
      details: { name: source.name, kind: source.kind, baseUrl: source.baseUrl, credentialsRef: source.credentialsRef },
    });
    return presentSource(source, new Date());
  });
}

export async function updateSource(call: IntakeCall, input: z.output<typeof IntakeSourceUpdateInput>): Promise<IntakeSourceView> {
  const { siteId } = call.principal;
  return inSite(call.deps.prisma, siteId, async (tx) => {
    const current = await sourceOf(tx, siteId, input.id);
    const data: Prisma.IntakeSourceUpdateInput = {};
    const changed: Record<string, Prisma.InputJsonValue | null> = {};
    for (const key of ["name", "baseUrl", "credentialsRef", "pageSize", "enabled"] as const) {
      const value = input[key];
      if (value === undefined || value === current[key]) continue;
      (data as Record<string, unknown>)[key] = value;
      changed[key] = value;
    }
    if (input.resetCursor) {
      Object.assign(data, { cursor: null, checkpoint: Prisma.DbNull, syncedThroughAt: null });
      changed.resetCursor = true;
    }
    if (Object.keys(changed).length === 0) return presentSource(current, new Date());
    const source = await tx.intakeSource.update({ where: { id: current.id, siteId }, data });
    await writeCallerAudit(tx, call, { action: "intake.source_update", target: `intake_source:${source.id}`, details: changed });
    return presentSource(source, new Date());
  });
}

/** Only a source that has taken nothing in can go: its records tie jobs to their orders. */
export async function deleteSource(call: IntakeCall, id: string): Promise<{ id: string }> {
  const { siteId } = call.principal;
  return inSite(call.deps.prisma, siteId, async (tx) => {
    const source = await sourceOf(tx, siteId, id);
    const taken = await tx.intakeRecord.count({ where: { siteId, sourceId: id } });
    if (taken > 0) {
      throw new DomainError(
        "INVALID_TRANSITION",
        `${source.name} has taken in ${taken} job${taken === 1 ? "" : "s"}; disable it instead, so those jobs keep their link to their orders.`,
        { jobs: taken },
      );
    }
    await tx.intakeSource.delete({ where: { id, siteId } });
    await writeCallerAudit(tx, call, { action: "intake.source_delete", target: `intake_source:${id}`, details: { name: source.name } });
    return { id };
  });
}

function describeRun(name: string, run: IntakeRunNowResult["run"]): string {
  const counts = `${run.rowsSeen} seen, ${run.rowsInserted} new, ${run.rowsUpdated} updated, ${run.rowsUnchanged} unchanged, ${run.rowsRejected} rejected, ${run.rowsFlagged} flagged`;
  if (run.status === "SUCCEEDED") return `${name} is up to date: ${counts}.`;
  return `${name} stopped: ${run.error ?? "unknown error"} (${counts}; the next run goes on from the last saved point).`;
}

/**
 * The console's "sync now": it runs in the request, so the lead sees the run's counts at once;
 * the worker's schedule (tasks.ts) does the rest. A run already in progress answers LOCKED at once.
 */
export async function runNow(call: IntakeCall, input: z.output<typeof IntakeRunNowInput>): Promise<IntakeRunNowResult> {
  const { siteId } = call.principal;
  const source = await inSite(call.deps.prisma, siteId, (tx) => sourceOf(tx, siteId, input.sourceId));
  if (!source.enabled) {
    throw new DomainError("INVALID_TRANSITION", `${source.name} is disabled; enable it before running it.`);
  }
  const outcome = await runSync(
    call.deps,
    { siteId, sourceId: source.id, requestedById: call.principal.userId, requestId: call.requestId },
    input.mode,
  );
  if (outcome.status === "DISABLED") {
    throw new DomainError("INVALID_TRANSITION", `${source.name} was disabled meanwhile; enable it before running it.`);
  }
  if (outcome.status === "LOCKED") {
    return { status: "LOCKED", message: `${source.name} is already being synced; this run did not start. Try again when it has finished.`, run: outcome.run };
  }
  return { status: outcome.status, message: describeRun(source.name, outcome.run), run: outcome.run };
}

export async function listRuns(prisma: PrismaClient, siteId: string, input: z.output<typeof IntakeRunsListInput>): Promise<IntakeRunsPage> {
  const after = input.cursor ? decodeKeyset(input.cursor) : null;
  const rows = await inSite(prisma, siteId, (tx) =>
    tx.intakeRun.findMany({
      where: {
        siteId,
        ...(input.sourceId ? { sourceId: input.sourceId } : {}),
        ...(after ? { OR: [{ startedAt: { lt: after.at } }, { startedAt: after.at, id: { lt: after.id } }] } : {}),
      },
      orderBy: [{ startedAt: "desc" }, { id: "desc" }],
      take: input.limit + 1,
    }),
  );
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: page.map(presentRun),
    nextCursor: rows.length > input.limit && last ? encodeKeyset({ at: last.startedAt, id: last.id }) : null,
  };
}
