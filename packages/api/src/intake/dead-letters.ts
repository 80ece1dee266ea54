import type { DeadLetterKind } from "@orderdeck/contracts";
import type { Prisma, TransactionClient } from "@orderdeck/db";

/*
 * Writing dead letters: where a row the intake could not take waits for a person, with its copy
 * and the reason. One letter stays open per row and kind; a later run that takes the row closes
 * it. What a person does with them is dead-letter-review.ts.
 */

/** The source and run a letter belongs to (a TakeContext is one). */
export interface LetterScope {
  siteId: string;
  sourceId: string;
  runId: string | null;
  now: Date;
}

const REASON_MAX = 2000;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// Feed-supplied object keys end up in reasons: keep them printable.
// eslint-disable-next-line no-control-regex
const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f]/g, "?");

/** A reason as a letter stores it: printable, and cut to what the column keeps. */
export function letterReason(text: string): string {
  return clip(printable(text), REASON_MAX);
}

/** A copy of the row that jsonb can hold (no NUL characters) and that stays a reasonable size. */
function storable(raw: unknown): Prisma.InputJsonValue {
  const text = JSON.stringify(raw ?? null) ?? "null";
  if (text.length > 100_000) return { truncated: true, preview: text.slice(0, 10_000).replaceAll("\\u0000", "\\ufffd") };
  const value = JSON.parse(text.replaceAll("\\u0000", "\\ufffd")) as unknown;
  return value === null || typeof value !== "object" ? { value: value as Prisma.InputJsonValue } : (value as Prisma.InputJsonValue);
}

interface LetterInput {
  kind: DeadLetterKind;
  externalId: string | null;
  payload: unknown;
  reason: string;
}

/** Opens a dead letter for the row, or refreshes the open one it already has (one per row and kind). */
export async function writeDeadLetter(tx: TransactionClient, ctx: LetterScope, letter: LetterInput): Promise<string> {
  const payload = storable(letter.payload);
  const reason = letterReason(letter.reason) || "unreadable row";
  let existingId: string | undefined;
  if (letter.externalId !== null) {
    const found = await tx.intakeDeadLetter.findFirst({
      where: { siteId: ctx.siteId, sourceId: ctx.sourceId, externalId: letter.externalId, kind: letter.kind, status: "OPEN" },
      select: { id: true },
    });
    existingId = found?.id;
  } else {
    const found = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id::text AS id FROM intake_dead_letters
       WHERE site_id = ${ctx.siteId}::uuid AND source_id = ${ctx.sourceId}::uuid AND status = 'OPEN'
         AND external_id IS NULL AND kind = ${letter.kind}::dead_letter_kind AND payload = ${JSON.stringify(payload)}::jsonb
       LIMIT 1`;
    existingId = found[0]?.id;
  }
  if (existingId) {
    await tx.intakeDeadLetter.update({
      where: { id: existingId },
      data: { payload, reason, ...(ctx.runId ? { runId: ctx.runId } : {}) },
    });
    return existingId;
  }
  const created = await tx.intakeDeadLetter.create({
    data: {
      siteId: ctx.siteId,
      sourceId: ctx.sourceId,
      runId: ctx.runId,
      kind: letter.kind,
      externalId: letter.externalId,
      payload,
      reason,
    },
    select: { id: true },
  });
  return created.id;
}

/** Closes the row's open letters of these kinds: a later attempt took it in. */
export async function closeDeadLetters(tx: TransactionClient, ctx: LetterScope, externalId: string, kinds: DeadLetterKind[]): Promise<number> {
  const closed = await tx.intakeDeadLetter.updateMany({
    where: { siteId: ctx.siteId, sourceId: ctx.sourceId, externalId, kind: { in: kinds }, status: "OPEN" },
    data: { status: "RETRIED", resolvedAt: ctx.now },
  });
  return closed.count;
}

/** Closes the open INVALID letters of these rows (RETRIED): they are taken in now. */
export async function closeInvalidLetters(tx: TransactionClient, scope: LetterScope, externalIds: string[]): Promise<void> {
  if (externalIds.length === 0) return;
  await tx.$executeRaw`
    UPDATE intake_dead_letters SET status = 'RETRIED', resolved_at = ${scope.now}, updated_at = ${new Date()}
     WHERE site_id = ${scope.siteId}::uuid AND source_id = ${scope.sourceId}::uuid AND status = 'OPEN' AND kind = 'INVALID'
       AND external_id = ANY(${externalIds}::text[])`;
}
