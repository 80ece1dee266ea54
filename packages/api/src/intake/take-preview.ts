import { inSite, Prisma, readInSite, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import type { BufferedRow } from "./run-pages.ts";
import type { TakeContext } from "./take-context.ts";
import type { ParsedRow } from "./take-parse.ts";

/*
 * Most chunks of a full reconciliation are orders the intake already has, unchanged. Such a chunk
 * writes nothing but its checkpoint, so it is recognised before any transaction is opened: one
 * read-only statement, in one round trip, compares the chunk's hashes with the intake records and
 * answers only whether any row has something to do. A chunk with anything to do is taken as ever
 * (takeParsedRows, in its own transaction, which reads its state again).
 *
 * "Nothing to do" is what the set-based path decides for a row (take-batch.ts batchKindOf) with
 * no open INVALID letter to close: the source's own record of the order's FEED job, with a
 * snapshot, and either the same hash or a version older than the one taken. Anything else (a new
 * order, another source's job, a changed order, an unreadable row, an open letter) is work.
 *
 * Two hashes answer it. First the row as sent (chunkUnchangedAsSent): the record keeps the raw
 * hash of the row it holds (recordRawHashes), so an unchanged row is known without being checked
 * or mapped. Failing that, the rows are checked and mapped and their content hashes compared
 * (chunkWritesNothing), which also knows an order older than the one taken, or one changed only
 * in what the intake does not read.
 */

/**
 * Whether the rows with these external ids have nothing to do, `changed` deciding a row with a
 * record (`r`: the record, `i`: the row from `rows`, an unnest that names external_id).
 */
async function nothingToDo(prisma: PrismaClient, ctx: TakeContext, ids: string[], rows: Prisma.Sql, changed: Prisma.Sql): Promise<boolean> {
  // The chunk's records are read by one index scan over all its ids (a feed's ids sit together in
  // the index), not probed one by one, and matched to the rows by a hash join. Rows with work are
  // counted rather than looked for with EXISTS, which the planner answers with a nested loop
  // over the records for every row.
  const [answer = []] = await readInSite<{ work: boolean }>(prisma, ctx.siteId, [
    Prisma.sql`
      WITH taken AS MATERIALIZED (
             SELECT r.external_id, r.job_id, r.payload_hash, r.raw_hash, r.source_updated_at, r.snapshot IS NOT NULL AS has_snapshot
               FROM intake_records r
              WHERE r.source_id = ${ctx.sourceId}::uuid AND r.site_id = ${ctx.siteId}::uuid AND r.external_id = ANY(${ids}::text[]))
      SELECT (SELECT count(*)
                 FROM ${rows}
                 LEFT JOIN taken r ON r.external_id = i.external_id
                 LEFT JOIN jobs j ON j.id = r.job_id AND j.site_id = ${ctx.siteId}::uuid
                WHERE j.id IS NULL OR j.source <> 'FEED' OR j.external_id <> i.external_id OR NOT r.has_snapshot OR ${changed}) > 0
          OR EXISTS (
               SELECT 1 FROM intake_dead_letters l
                WHERE l.site_id = ${ctx.siteId}::uuid AND l.source_id = ${ctx.sourceId}::uuid AND l.status = 'OPEN' AND l.kind = 'INVALID'
                  AND l.external_id = ANY(${ids}::text[])) AS work`,
  ]);
  return answer[0]?.work === false;
}

/** The order id a row was sent with, if it is text (the record's is that, trimmed: an id that differs is work). */
function sentId(raw: unknown): string | null {
  if (typeof raw !== "object" || raw === null) return null;
  const id = (raw as Record<string, unknown>).id;
  return typeof id === "string" ? id : null;
}

/** True when every row is one the intake has taken exactly as sent: nothing to check, map or write. */
export async function chunkUnchangedAsSent(prisma: PrismaClient, ctx: TakeContext, rows: readonly BufferedRow[]): Promise<boolean> {
  if (ctx.retry || rows.length === 0) return false;
  const ids: string[] = [];
  for (const row of rows) {
    const id = sentId(row.raw);
    if (id === null) return false;
    ids.push(id);
  }
  const hashes = rows.map((row) => row.rawHash);
  return nothingToDo(prisma, ctx, ids, Prisma.sql`unnest(${ids}::text[], ${hashes}::text[]) AS i(external_id, raw_hash)`, Prisma.sql`r.raw_hash IS DISTINCT FROM i.raw_hash`);
}

/** True when taking these rows would write nothing at all: every row is one the intake already has, as it is. */
export async function chunkWritesNothing(prisma: PrismaClient, ctx: TakeContext, parsed: readonly ParsedRow[]): Promise<boolean> {
  if (ctx.retry || parsed.length === 0) return false;
  const orders: Array<ParsedRow & { ok: true }> = [];
  for (const row of parsed) {
    if (!row.ok) return false;
    orders.push(row);
  }
  const ids = orders.map((r) => r.order.externalId);
  const rows = Prisma.sql`unnest(${ids}::text[], ${orders.map((r) => r.hash)}::text[], ${orders.map((r) => r.order.updatedAt.toISOString())}::timestamptz[])
                          AS i(external_id, hash, updated_at)`;
  return nothingToDo(prisma, ctx, ids, rows, Prisma.sql`(r.payload_hash <> i.hash AND i.updated_at >= r.source_updated_at)`);
}

/**
 * Records the raw hash of each row whose record holds what the row maps to (its content hash),
 * so the row is known as sent next time: for rows taken unchanged, and records from before raw
 * hashes were kept. Rows taken as new or changed had theirs written with them.
 */
export async function recordRawHashes(tx: TransactionClient, ctx: TakeContext, parsed: readonly ParsedRow[]): Promise<void> {
  const orders = parsed.filter((row): row is ParsedRow & { ok: true } => row.ok);
  if (orders.length === 0) return;
  await tx.$executeRaw`
    UPDATE intake_records r SET raw_hash = i.raw_hash
      FROM unnest(${orders.map((o) => o.order.externalId)}::text[], ${orders.map((o) => o.hash)}::text[], ${orders.map((o) => o.rawHash)}::text[])
           AS i(external_id, hash, raw_hash)
     WHERE r.source_id = ${ctx.sourceId}::uuid AND r.site_id = ${ctx.siteId}::uuid AND r.external_id = i.external_id
       AND r.payload_hash = i.hash AND r.raw_hash IS DISTINCT FROM i.raw_hash`;
}

/**
 * A run's chunks, told apart: those with nothing to do, and the rest. A page's rows are compared
 * as sent as soon as the page arrives, while the chunk before it commits, so the answer is there
 * when the chunk's turn comes; it holds until a chunk is taken in a transaction, which may change
 * the records it read. The chunks of a page with any work are compared on their own.
 */
export class ChunkPreview {
  private taken = 0;
  private readonly pages = new WeakMap<BufferedRow, { taken: number; answer: Promise<boolean> }>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly ctx: () => TakeContext,
    private readonly timeoutMs: number,
  ) {}

  /** Compares a page's rows as sent, now. */
  pageArrived(rows: readonly BufferedRow[]): void {
    if (rows.length === 0) return;
    // A failed comparison is no answer: the chunk's own meets the failure again, in the run.
    const check = { taken: this.taken, answer: chunkUnchangedAsSent(this.prisma, this.ctx(), rows).catch(() => false) };
    for (const row of rows) this.pages.set(row, check);
  }

  /** A chunk was taken in a transaction. */
  chunkTaken(): void {
    this.taken++;
  }

  /** Whether the chunk has nothing to do; known only once its rows are checked and mapped, their raw hashes are recorded. */
  async unchanged(rows: BufferedRow[]): Promise<boolean> {
    const ctx = this.ctx();
    if (await this.unchangedAsSent(ctx, rows)) return true;
    const parsed = rows.map((row) => row.parsed);
    if (!(await chunkWritesNothing(this.prisma, ctx, parsed))) return false;
    await inSite(this.prisma, ctx.siteId, (tx) => recordRawHashes(tx, ctx, parsed), { timeout: this.timeoutMs });
    return true;
  }

  private async unchangedAsSent(ctx: TakeContext, rows: BufferedRow[]): Promise<boolean> {
    const checks = [...new Set(rows.map((row) => this.pages.get(row)))];
    const current = checks.every((check) => check?.taken === this.taken);
    if (current && (await Promise.all(checks.map((check) => check?.answer))).every(Boolean)) return true;
    // The page had work somewhere, or its answer is out of date: the chunk's own rows are compared.
    return chunkUnchangedAsSent(this.prisma, ctx, rows);
  }
}
