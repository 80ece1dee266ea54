import { Prisma, readInSite, type PrismaClient } from "@orderdeck/db";
import type { TakeContext } from "./take-context.ts";
import type { ParsedRow } from "./take-parse.ts";

/*
 * Most chunks of a full reconciliation are orders the intake already has, unchanged. Such a chunk
 * writes nothing but its checkpoint, so it is recognised before any transaction is opened: one
 * read-only statement, in one round trip, compares the chunk's content hashes with the intake
 * records and answers only whether any row has something to do. A chunk with anything to do is
 * taken as ever (takeParsedRows, in its own transaction, which reads its state again).
 *
 * "Nothing to do" is what the set-based path decides for a row (take-batch.ts batchKindOf) with
 * no open INVALID letter to close: the source's own record of the order's FEED job, with a
 * snapshot, and either the same hash or a version older than the one taken. Anything else (a new
 * order, another source's job, a changed order, an unreadable row, an open letter) is work.
 */

/** True when taking these rows would write nothing at all: every row is one the intake already has, as it is. */
export async function chunkWritesNothing(prisma: PrismaClient, ctx: TakeContext, parsed: readonly ParsedRow[]): Promise<boolean> {
  if (ctx.retry || parsed.length === 0) return false;
  const orders: Array<ParsedRow & { ok: true }> = [];
  for (const row of parsed) {
    if (!row.ok) return false;
    orders.push(row);
  }
  const ids = orders.map((r) => r.order.externalId);
  // The chunk's records are read by one index scan over all its ids (a feed's ids sit together in
  // the index), not probed one by one, and matched to the rows by a hash join. Rows with work are
  // counted rather than looked for with EXISTS, which the planner answers with a nested loop
  // over the records for every row.
  const [rows = []] = await readInSite<{ work: boolean }>(prisma, ctx.siteId, [
    Prisma.sql`
      WITH taken AS MATERIALIZED (
             SELECT r.external_id, r.job_id, r.payload_hash, r.source_updated_at, r.snapshot IS NOT NULL AS has_snapshot
               FROM intake_records r
              WHERE r.source_id = ${ctx.sourceId}::uuid AND r.site_id = ${ctx.siteId}::uuid AND r.external_id = ANY(${ids}::text[]))
      SELECT (SELECT count(*)
                 FROM unnest(${ids}::text[], ${orders.map((r) => r.hash)}::text[], ${orders.map((r) => r.order.updatedAt.toISOString())}::timestamptz[])
                        AS i(external_id, hash, updated_at)
                 LEFT JOIN taken r ON r.external_id = i.external_id
                 LEFT JOIN jobs j ON j.id = r.job_id AND j.site_id = ${ctx.siteId}::uuid
                WHERE j.id IS NULL OR j.source <> 'FEED' OR j.external_id <> i.external_id OR NOT r.has_snapshot
                   OR (r.payload_hash <> i.hash AND i.updated_at >= r.source_updated_at)) > 0
          OR EXISTS (
               SELECT 1 FROM intake_dead_letters l
                WHERE l.site_id = ${ctx.siteId}::uuid AND l.source_id = ${ctx.sourceId}::uuid AND l.status = 'OPEN' AND l.kind = 'INVALID'
                  AND l.external_id = ANY(${ids}::text[])) AS work`,
  ]);
  return rows[0]?.work === false;
}
