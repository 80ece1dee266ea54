import {
  DomainError,
  formatJobNumber,
  type DeadLetterKind,
  type DeadLetterListInput,
  type DeadLetterPage,
  type DeadLetterResolveInput,
  type DeadLetterRetryResult,
  type DeadLetterStatus,
  type DeadLetterView,
} from "@orderdeck/contracts";
import { Prisma, inSite, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import type { z } from "zod";
import { writeCallerAudit } from "../audit/log.ts";
import { decodeKeyset, encodeKeyset } from "./keyset.ts";
import type { IntakeCall } from "./service.ts";
import { LOCKED, withSourceLock } from "./source-lock.ts";
import { FeedError, storefrontFeed } from "./storefront-feed.ts";
import { settingsOf } from "./sync-run.ts";
import { takeRows } from "./take.ts";

/*
 * The dead-letter table is where rows the intake could not take wait for a person; the open
 * ones are listed as exceptions (INTAKE_DEAD_LETTER). A person can:
 *   - retry: the row is asked for again from the storefront by its order id (the stored copy is
 *     used when the storefront no longer has it, or the row had no id), then taken like any row
 *     of a run — under the source's lock, so never beside a run. A row now taken in closes its
 *     letter (RETRIED); a CONFLICT letter closes when nothing stands between order and job.
 *   - resolve: close it without taking the row in (RESOLVED), with a note.
 * A run that later brings the row in valid closes its INVALID letter by itself.
 */

const NOT_FOUND_MESSAGE = "That dead letter does not exist (or not at this site).";

interface LetterRow {
  id: string;
  source_id: string;
  source_name: string;
  run_id: string | null;
  kind: DeadLetterKind;
  status: DeadLetterStatus;
  external_id: string | null;
  job_id: string | null;
  job_number: number | null;
  reason: string;
  payload: unknown;
  attempts: number;
  created_at: Date;
  updated_at: Date;
  last_attempt_at: Date | null;
  resolved_at: Date | null;
  resolved_by_id: string | null;
  resolution_note: string | null;
}

function present(row: LetterRow): DeadLetterView {
  return {
    id: row.id,
    sourceId: row.source_id,
    sourceName: row.source_name,
    runId: row.run_id,
    kind: row.kind,
    status: row.status,
    externalId: row.external_id,
    job: row.job_id && row.job_number !== null ? { id: row.job_id, displayNumber: formatJobNumber(row.job_number) } : null,
    reason: row.reason,
    payload: row.payload,
    attempts: row.attempts,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
    resolvedAt: row.resolved_at?.toISOString() ?? null,
    resolvedById: row.resolved_by_id,
    resolutionNote: row.resolution_note,
  };
}

function selectLetters(where: Prisma.Sql, limit: number): Prisma.Sql {
  return Prisma.sql`
    SELECT l.id::text AS id, l.source_id::text AS source_id, s.name AS source_name, l.run_id::text AS run_id,
           l.kind::text AS kind, l.status::text AS status, l.external_id, j.id::text AS job_id, j.number AS job_number,
           l.reason, l.payload, l.attempts, l.created_at, l.updated_at, l.last_attempt_at, l.resolved_at,
           l.resolved_by_id::text AS resolved_by_id, l.resolution_note
      FROM intake_dead_letters l
      JOIN intake_sources s ON s.id = l.source_id AND s.site_id = l.site_id
      LEFT JOIN jobs j ON j.site_id = l.site_id AND j.source = 'FEED' AND j.external_id = l.external_id
     WHERE ${where}
     ORDER BY l.created_at DESC, l.id DESC
     LIMIT ${limit}`;
}

async function letterOf(tx: TransactionClient, siteId: string, id: string): Promise<DeadLetterView> {
  const rows = await tx.$queryRaw<LetterRow[]>(selectLetters(Prisma.sql`l.site_id = ${siteId}::uuid AND l.id = ${id}::uuid`, 1));
  const row = rows[0];
  if (!row) throw new DomainError("NOT_FOUND", NOT_FOUND_MESSAGE);
  return present(row);
}

export async function listDeadLetters(prisma: PrismaClient, siteId: string, input: z.output<typeof DeadLetterListInput>): Promise<DeadLetterPage> {
  const after = input.cursor ? decodeKeyset(input.cursor) : null;
  const where = [Prisma.sql`l.site_id = ${siteId}::uuid`, Prisma.sql`l.status = ${input.status}::dead_letter_status`];
  if (input.sourceId) where.push(Prisma.sql`l.source_id = ${input.sourceId}::uuid`);
  if (after) where.push(Prisma.sql`(l.created_at, l.id) < (${after.at.toISOString()}::timestamptz, ${after.id}::uuid)`);
  const rows = await inSite(prisma, siteId, (tx) => tx.$queryRaw<LetterRow[]>(selectLetters(Prisma.join(where, " AND "), input.limit + 1)));
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: page.map(present),
    nextCursor: rows.length > input.limit && last ? encodeKeyset({ at: last.created_at, id: last.id }) : null,
  };
}

function closedMessage(letter: DeadLetterView): string {
  return `This dead letter is already closed (${letter.status}); there is nothing left to do with it.`;
}

export async function retryDeadLetter(call: IntakeCall, id: string): Promise<DeadLetterRetryResult> {
  const { deps, principal } = call;
  const { siteId } = principal;
  const letter = await inSite(deps.prisma, siteId, (tx) =>
    tx.intakeDeadLetter.findFirst({ where: { id, siteId }, include: { source: true } }),
  );
  if (!letter) throw new DomainError("NOT_FOUND", NOT_FOUND_MESSAGE);
  if (letter.status !== "OPEN") throw new DomainError("INVALID_TRANSITION", closedMessage(await inSite(deps.prisma, siteId, (tx) => letterOf(tx, siteId, id))));

  const attempt = await withSourceLock(deps.withConnection, letter.sourceId, async () => {
    let raw: unknown = letter.payload;
    let note = "";
    if (letter.externalId !== null) {
      try {
        const fetched = await storefrontFeed(letter.source, deps, settingsOf(deps)).order(letter.externalId);
        if (fetched === null) note = ` The storefront no longer has order ${letter.externalId}; its stored copy was tried instead.`;
        else raw = fetched;
      } catch (error) {
        if (!(error instanceof FeedError)) throw error;
        return { unreachable: `The storefront could not be asked for the order again: ${error.message}.` };
      }
    }
    const now = deps.now ? deps.now() : new Date();
    await inSite(deps.prisma, siteId, async (tx) => {
      const current = await tx.intakeDeadLetter.findFirst({ where: { id, siteId }, select: { status: true } });
      // A run may have taken the row in between the first read and the lock.
      if (current?.status !== "OPEN") return;
      await tx.intakeDeadLetter.update({ where: { id }, data: { attempts: { increment: 1 }, lastAttemptAt: now } });
      await takeRows(tx, { siteId, sourceId: letter.sourceId, runId: null, requestId: call.requestId, now, retry: true }, [raw]);
      await writeCallerAudit(tx, call, { action: "intake.dead_letter_retry", target: `intake_dead_letter:${id}`, details: { kind: letter.kind } });
    });
    return { note };
  });

  if (attempt === LOCKED) {
    const current = await inSite(deps.prisma, siteId, (tx) => letterOf(tx, siteId, id));
    return { outcome: "LOCKED", message: `${current.sourceName} is being synced right now; retry when the run has finished.`, deadLetter: current };
  }
  if ("unreachable" in attempt) {
    const now = deps.now ? deps.now() : new Date();
    const current = await inSite(deps.prisma, siteId, async (tx) => {
      await tx.intakeDeadLetter.updateMany({ where: { id, siteId, status: "OPEN" }, data: { attempts: { increment: 1 }, lastAttemptAt: now } });
      await writeCallerAudit(tx, call, { action: "intake.dead_letter_retry", target: `intake_dead_letter:${id}`, details: { kind: letter.kind, unreachable: true } });
      return letterOf(tx, siteId, id);
    });
    return { outcome: "STILL_OPEN", message: attempt.unreachable ?? "", deadLetter: current };
  }
  const current = await inSite(deps.prisma, siteId, (tx) => letterOf(tx, siteId, id));
  if (current.status !== "OPEN") {
    return { outcome: "TAKEN", message: `The order is taken in${current.job ? ` as ${current.job.displayNumber}` : ""}.${attempt.note}`, deadLetter: current };
  }
  return { outcome: "STILL_OPEN", message: `It still cannot be taken in: ${current.reason}${attempt.note}`, deadLetter: current };
}

export async function resolveDeadLetter(call: IntakeCall, input: z.output<typeof DeadLetterResolveInput>): Promise<DeadLetterView> {
  const { siteId, userId } = call.principal;
  const now = call.deps.now ? call.deps.now() : new Date();
  return inSite(call.deps.prisma, siteId, async (tx) => {
    const locked = await tx.$queryRaw<Array<{ status: DeadLetterStatus }>>`
      SELECT status::text AS status FROM intake_dead_letters WHERE site_id = ${siteId}::uuid AND id = ${input.id}::uuid FOR UPDATE`;
    const status = locked[0]?.status;
    if (!status) throw new DomainError("NOT_FOUND", NOT_FOUND_MESSAGE);
    if (status !== "OPEN") throw new DomainError("INVALID_TRANSITION", closedMessage(await letterOf(tx, siteId, input.id)));
    await tx.intakeDeadLetter.update({
      where: { id: input.id },
      data: { status: "RESOLVED", resolvedAt: now, resolvedById: userId, resolutionNote: input.note ?? null },
    });
    await writeCallerAudit(tx, call, { action: "intake.dead_letter_resolve", target: `intake_dead_letter:${input.id}`, details: { note: input.note ?? null } });
    return letterOf(tx, siteId, input.id);
  });
}
