import type { TransactionClient } from "@orderdeck/db";
import { appendPositions } from "../jobs/queue.ts";
import { closeInvalidLetters, writeDeadLetter } from "./dead-letters.ts";
import { batchKindOf, insertBatch, type BatchRow } from "./take-batch.ts";
import { emptyCounts, type TakeContext, type TakeCounts } from "./take-context.ts";
import { asksForPlan, isRowRefusal, takeOneRow, type Outcome } from "./take-one.ts";
import { parseRow, type ParsedRow } from "./take-parse.ts";
import { ChunkState } from "./take-state.ts";

/*
 * Takes source rows into jobs, inside a transaction the caller holds for the site (one chunk of
 * a run, or the one row of a retry). Each row is:
 *   - malformed → a dead letter (kind INVALID) with the reason, path by path;
 *   - new → a QUEUED job at the end of the queue, with a pickup code, its customer (matched by
 *     email within the site, else created), a `created` event by the system and an intake record;
 *     paid at the storefront: created PAID, with its payment record (mapping.ts "Payment");
 *   - known and unchanged (same payload hash) → nothing at all;
 *   - known and changed → what mapping.ts's planChange allows, with `updated` / `status_changed`
 *     events, and a CONFLICT dead letter plus an `intake_conflict` event for what it does not.
 * A row the database refuses despite passing validation is rolled back to its own savepoint and
 * dead-lettered, so one such row cannot stop the feed.
 */

/** Takes rows into jobs in the caller's transaction (which acts for ctx.siteId); see the header. */
export function takeRows(tx: TransactionClient, ctx: TakeContext, rows: readonly unknown[]): Promise<TakeCounts> {
  return takeParsedRows(tx, ctx, rows.map((raw) => parseRow(raw)));
}

/**
 * Every row through the per-row path: what the set-based path must come to, row for row (the
 * tests compare the two).
 */
export function takeRowsOneByOne(tx: TransactionClient, ctx: TakeContext, rows: readonly unknown[]): Promise<TakeCounts> {
  return takeParsedRows(tx, ctx, rows.map((raw) => parseRow(raw)), { setBased: false });
}

/** takeRows for rows the caller has already read with parseRow (a run reads a page while the previous chunk commits). */
export async function takeParsedRows(
  tx: TransactionClient,
  ctx: TakeContext,
  parsed: readonly ParsedRow[],
  { setBased = true }: { setBased?: boolean } = {},
): Promise<TakeCounts> {
  const orders = parsed.filter((p): p is ParsedRow & { ok: true } => p.ok);
  const externalIds = [...new Set(orders.map((p) => p.order.externalId))];
  const state = new ChunkState(tx, ctx);

  if (externalIds.length > 0) {
    await state.loadIndex(externalIds);
    // New jobs need queue positions, and the queue lock comes before any job's row lock (the
    // order every position writer keeps): reserve them first, then lock the jobs rows will change.
    const adding = new Set(orders.filter((p) => !state.jobs.has(p.order.externalId) && !p.order.cancelled).map((p) => p.order.externalId));
    state.positions = await appendPositions(tx, ctx.siteId, adding.size);
    const planned = orders.filter((p) => {
      const known = state.jobs.get(p.order.externalId);
      return known !== undefined && asksForPlan(ctx, known, p);
    });
    await state.lockJobs([...new Set(planned.map((p) => p.order.externalId))]);
    const plannedSet = new Set(planned);
    await state.loadCustomers(orders.filter((p) => !state.jobs.has(p.order.externalId) || plannedSet.has(p)).map((p) => p.order.customer.email));
  }

  const counts = emptyCounts();
  const tally = (outcome: Outcome) => {
    counts[outcome.count] += 1;
    if (outcome.flagged) counts.flagged += 1;
  };

  // Rows the set-based path takes, gathered until a row must see their effects first.
  let batch: BatchRow[] = [];
  const batchIds = new Set<string>();
  const batchEmails = new Set<string>();
  const flush = async () => {
    if (batch.length === 0) return;
    const taking = batch;
    batch = [];
    batchIds.clear();
    batchEmails.clear();
    const inserting = taking.filter((r) => r.kind === "insert");
    const closing = [...new Set(taking.map((r) => r.row.order.externalId))].filter((id) => state.lettersMaybeOpen.has(id));
    if (inserting.length === 0) {
      await closeInvalidLetters(tx, ctx, closing);
    } else {
      const restore = state.saveAll();
      await tx.$executeRaw`SAVEPOINT intake_set`;
      try {
        await insertBatch(tx, ctx, state, inserting);
        await closeInvalidLetters(tx, ctx, closing);
        await tx.$executeRaw`RELEASE SAVEPOINT intake_set`;
      } catch (error) {
        if (!isRowRefusal(error)) throw error;
        // Some row's values are refused: take these rows one by one, which dead-letters just that one.
        await tx.$executeRaw`ROLLBACK TO SAVEPOINT intake_set`;
        restore();
        for (const { row } of taking) tally(await takeOneRow(tx, ctx, state, row));
        return;
      }
    }
    for (const id of closing) state.lettersMaybeOpen.delete(id);
    for (const { kind } of taking) counts[kind === "insert" ? "inserted" : "unchanged"] += 1;
  };

  for (const row of parsed) {
    counts.seen += 1;
    if (!row.ok) {
      if (row.externalId !== null && batchIds.has(row.externalId)) await flush();
      await writeDeadLetter(tx, ctx, { kind: "INVALID", externalId: row.externalId, payload: row.raw, reason: row.reason });
      if (row.externalId !== null) state.lettersMaybeOpen.add(row.externalId);
      counts.rejected += 1;
      continue;
    }
    const { externalId, customer } = row.order;
    // A second row of the same order is decided on what the first one did.
    if (batchIds.has(externalId)) await flush();
    const kind = setBased ? batchKindOf(ctx, state, row) : null;
    if (kind === "older") {
      // An older version than the one taken (a repeated page) never overwrites it.
      counts.unchanged += 1;
      continue;
    }
    if (kind !== null) {
      batch.push({ row, kind });
      batchIds.add(externalId);
      if (kind === "insert") batchEmails.add(customer.email);
      continue;
    }
    // The per-row path; it shares only the order and the customer with rows gathered before it.
    if (batchEmails.has(customer.email)) await flush();
    tally(await takeOneRow(tx, ctx, state, row));
  }
  await flush();
  return counts;
}