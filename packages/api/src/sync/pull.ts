// sync.pull: a console's cache, filled and kept current a page at a time.
//
// The cursor is the crux. change_seq is taken in statement order, not commit order, so "rows with
// change_seq > cursor" would skip a row whose transaction took a smaller seq but committed later.
// Instead every write stamps its transaction id (change_xid) and a round of pages works between
// two database snapshots:
//   prev    the snapshot the previous round ended at (none: a full snapshot for a fresh console);
//   target  taken when this round starts (pg_current_snapshot() in a REPEATABLE READ transaction).
// The round owes exactly the rows written by transactions that target saw and prev did not
// (pg_visible_in_snapshot), whatever their commit order. Within the round, pages go by
// (change_seq, id). A row written again during the round, by a transaction target does not see,
// is left to the next round, which starts at prev = target: nothing is skipped, a row may come
// twice, and the console's upsert makes that harmless.
import {
  DomainError,
  SYNC_CURSOR_MAX_LENGTH,
  type SyncCustomer,
  type SyncPullPage,
  type SyncTombstone,
} from "@orderdeck/contracts";
import { Prisma, plannedPerCall, snapshotInSite, type PrismaClient } from "@orderdeck/db";
import { z } from "zod";
import type { ShiftRulesRow } from "../site/shift-rules.ts";
import {
  changedCustomersStatement,
  customersByIdStatement,
  inScope,
  jobColumns,
  pageCustomerOf,
  recentHandoffsOf,
  recentHandoffsStatements,
  siteOf,
  siteStatements,
  syncCustomerOf,
  syncJobOf,
  windowStart,
  type CustomerRow,
  type HandoffRow,
  type JobRow,
  type PageJobRow,
  type SiteRow,
} from "./rows.ts";

export interface PullCall {
  prisma: PrismaClient;
  siteId: string;
  now?: () => Date;
}

// xmin:xmax:xip,xip,… (pg_snapshot's text form), each a 64-bit transaction id.
const SNAPSHOT = /^(\d{1,19}):(\d{1,19}):((?:\d{1,19})(?:,\d{1,19})*)?$/;
const Snapshot = z.string().max(SYNC_CURSOR_MAX_LENGTH).regex(SNAPSHOT).refine(isCoherentSnapshot);

function isCoherentSnapshot(text: string): boolean {
  const match = SNAPSHOT.exec(text);
  if (!match) return false;
  const xmin = BigInt(match[1] ?? "0");
  const xmax = BigInt(match[2] ?? "0");
  const xip = match[3] ? match[3].split(",").map(BigInt) : [];
  // pg_snapshot's own rules: 1 <= xmin <= xmax, in-progress ids ascending within [xmin, xmax).
  if (xmin < 1n || xmin > xmax || xmax > 9_223_372_036_854_775_807n) return false;
  return xip.every((x, i) => x >= xmin && x < xmax && (i === 0 || x > (xip[i - 1] ?? 0n)));
}

const CursorState = z.strictObject({
  v: z.literal(1),
  site: z.uuid(),
  /** Where the previous round ended; null: this round is a full snapshot. */
  prev: Snapshot.nullable(),
  /** This round's snapshot; null: the round is over and the next starts at `prev`. */
  target: Snapshot.nullable(),
  phase: z.enum(["jobs", "customers"]),
  /** Keyset position within the phase: the last row sent. */
  lastSeq: z.string().regex(/^\d{1,19}$/).nullable(),
  lastId: z.uuid().nullable(),
});
type CursorState = z.infer<typeof CursorState>;

function badCursor(): DomainError {
  return new DomainError(
    "VALIDATION_FAILED",
    "This sync cursor was not handed out by this server (or its database was replaced): drop it and pull again without a cursor for a full snapshot.",
  );
}

export function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify(state)).toString("base64url");
}

export function decodeCursor(cursor: string, siteId: string): CursorState {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw badCursor();
  }
  const parsed = CursorState.safeParse(json);
  // A cursor from another site would page that site's snapshot bookkeeping against this one's rows.
  if (!parsed.success || parsed.data.site !== siteId) throw badCursor();
  if ((parsed.data.lastSeq === null) !== (parsed.data.lastId === null)) throw badCursor();
  if (parsed.data.target === null && (parsed.data.prev === null || parsed.data.lastSeq !== null)) throw badCursor();
  return parsed.data;
}

/**
 * Whether the cursor's snapshots were taken here (a snapshot this database has not reached yet
 * was not: a restored or replaced database), and this transaction's snapshot, the round's target
 * when it starts one.
 */
function snapshotStatement(state: CursorState | null): Prisma.Sql {
  const snapshots = state ? [state.prev, state.target].filter((s): s is string => s !== null) : [];
  return Prisma.sql`
    SELECT COALESCE(bool_and(pg_snapshot_xmax(s::pg_snapshot) <= pg_snapshot_xmax(pg_current_snapshot())), true) AS taken_here,
           pg_current_snapshot()::text AS snapshot
      FROM unnest(${snapshots}::text[]) s`;
}

/**
 * The round's target snapshot as the page's statements read it: the cursor's, or at a round's
 * start this transaction's own (pg_current_snapshot(), the very snapshot the rows are read with),
 * so that the page need not wait for the snapshot's answer.
 */
function targetOf(state: CursorState): Prisma.Sql {
  return state.target !== null ? Prisma.sql`${state.target}::pg_snapshot` : Prisma.sql`pg_current_snapshot()`;
}

// The planner methods that would read every job left after the cursor and sort them all: off for
// a full snapshot's page (see snapshotPage).
const READ_ALL_AND_SORT = ["enable_seqscan", "enable_bitmapscan", "enable_sort"];

/** The statements that read a page of jobs, and which of their answers holds the page's rows. */
interface PageStatements {
  statements: Prisma.Sql[];
  rowsAt: number;
}

/**
 * A full snapshot's page: every job in scope as the target snapshot saw it, read straight off the
 * (site_id, change_seq) index in order until the page is full, so that a page's work is the page's
 * whatever is left of the site. The planner misjudges the page's filters (the visibility test is a
 * function, guessed to keep a third of the rows), expects fewer rows than the page holds, and then
 * prefers reading every job after the cursor, by a sequential or bitmap scan, and sorting them
 * all, wide rows and all: 30 ms more a page at the middle of a site of 100 000 jobs, over 600 ms
 * when the sort spilled to disk (docs/benchmarks.md). So scans that need a sort are off for this
 * one statement, and back on for the rest of the transaction. Its rows carry their columns
 * directly: as a page of ids joined back by key (the increment's plan), each row was one more
 * primary-key probe. Planned per call, like the increment: the plan knows where the page starts.
 */
function snapshotPage(siteId: string, state: CursorState, target: Prisma.Sql, since: Date, limit: number): PageStatements {
  const statements = [
    Prisma.sql`SELECT set_config(name, 'off', true) FROM pg_settings WHERE name = ANY(${READ_ALL_AND_SORT}::text[])`,
    plannedPerCall(Prisma.sql`
      SELECT ${jobColumns(since)}
       WHERE j.site_id = ${siteId}::uuid AND ${inScope(since)} AND ${visibleIn(target)} ${afterPosition(state)}
       ORDER BY j.change_seq, j.id
       LIMIT ${limit}`),
    Prisma.sql`SELECT set_config(name, reset_val, true) FROM pg_settings WHERE name = ANY(${READ_ALL_AND_SORT}::text[])`,
  ];
  return { statements, rowsAt: 1 };
}

function afterPosition(state: CursorState): Prisma.Sql {
  return state.lastSeq !== null && state.lastId !== null
    ? // The plain bound lets the (site_id, change_seq) index start at the page; the pair breaks ties.
      Prisma.sql`AND j.change_seq >= ${state.lastSeq}::bigint AND (j.change_seq, j.id) > (${state.lastSeq}::bigint, ${state.lastId}::uuid)`
    : Prisma.empty;
}

function visibleIn(target: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`pg_visible_in_snapshot(j.change_xid::text::xid8, ${target})`;
}

function incrementPageStatement(siteId: string, prev: string, state: CursorState, target: Prisma.Sql, since: Date, limit: number): Prisma.Sql {
  // An increment: jobs written by transactions prev did not see and target did. Transaction ids
  // below prev's xmin were all visible to prev, so the index on change_xid bounds the search.
  // Planned per call: a generic plan, made without the snapshots, cannot tell how few transactions
  // they leave, and walks the site's whole (site_id, change_seq) index testing each job's
  // visibility (70–160 ms a round at a site of 100 000 jobs, against well under a millisecond).
  // Its rows carry their customers: the page is small, and that ends the call in one round trip.
  // A full snapshot's 500 rows read theirs by id in a second, once each: as columns of every row
  // they made its page 14 % slower (18.7–19.4 against 16.7–17.0 ms, docs/benchmarks.md).
  return plannedPerCall(Prisma.sql`
    SELECT ${jobColumns(
      since,
      Prisma.sql`(SELECT j.id FROM site_jobs j
        WHERE j.site_id = ${siteId}::uuid
          AND j.change_xid >= pg_snapshot_xmin(${prev}::pg_snapshot)::text::bigint
          AND NOT pg_visible_in_snapshot(j.change_xid::text::xid8, ${prev}::pg_snapshot)
          AND ${visibleIn(target)} ${afterPosition(state)}
        ORDER BY j.change_seq, j.id
        LIMIT ${limit}) page`,
      true,
    )}
     ORDER BY j.change_seq, j.id`);
}

/** One page of the site's changes since the cursor (or of the full snapshot). */
export async function pullPage(call: PullCall, input: { cursor?: string | undefined; limit: number }): Promise<SyncPullPage> {
  const { siteId } = call;
  const now = call.now?.() ?? new Date();
  const since = windowStart(now);
  const incoming = input.cursor !== undefined ? decodeCursor(input.cursor, siteId) : null;

  // One snapshot for the whole page (REPEATABLE READ): pg_current_snapshot() answers the very
  // snapshot the rows are read with, so the target and the rows agree exactly. The first round
  // trip carries the cursor's check, the round's site and handoffs, the page of jobs and, in an
  // increment, the customers edited in the round's window; an increment's COMMIT goes with them, a
  // full snapshot's with its page's customers. The statements after the check read with the cursor
  // before it is known to be good; they only read, and nothing they answer is sent when it is not.
  return snapshotInSite(call.prisma, siteId, async (tx) => {
    const roundStart = incoming === null || incoming.target === null;
    const state: CursorState = roundStart
      ? { v: 1, site: siteId, prev: incoming?.prev ?? null, target: null, phase: "jobs", lastSeq: null, lastId: null }
      : incoming;
    const target = targetOf(state);
    const jobsPhase = state.phase === "jobs";
    const { prev } = state;
    const full = prev === null;
    // An edit of a customer changes no job, so an increment also sends the customers edited in its
    // window, by id, after its jobs: read with the jobs' page, and sent when that page is the last.
    const changedCustomers = prev !== null ? changedCustomersStatement(siteId, prev, target, jobsPhase ? null : state.lastId, input.limit + 1) : null;
    const jobsPage: PageStatements = !jobsPhase
      ? { statements: [], rowsAt: 0 }
      : prev === null
        ? snapshotPage(siteId, state, target, since, input.limit + 1)
        : { statements: [incrementPageStatement(siteId, prev, state, target, since, input.limit + 1)], rowsAt: 0 };
    const first = [
      snapshotStatement(incoming),
      ...(roundStart ? [...siteStatements(siteId), ...recentHandoffsStatements(siteId, now)] : []),
      ...jobsPage.statements,
      ...(changedCustomers ? [changedCustomers] : []),
    ];
    const [snapshotRows = [], ...answers] = full ? await tx.run<unknown>(first) : await tx.finish<unknown>(first);
    const snapshot = (snapshotRows as Array<{ taken_here: boolean; snapshot: string }>)[0];
    if (!snapshot?.taken_here) throw badCursor();
    const [siteRows = [], shiftRows = [], recentRows = [], acknowledgedRows = []] = roundStart ? answers.splice(0, 4) : [];
    const jobRows = (answers.splice(0, jobsPage.statements.length)[jobsPage.rowsAt] ?? []) as JobRow[];
    const changedRows = (answers.shift() ?? []) as CustomerRow[];
    const roundTarget = state.target ?? snapshot.snapshot;

    const page = jobRows.slice(0, input.limit);
    const jobs = page.filter((r) => r.in_scope).map(syncJobOf);
    const tombstones: SyncTombstone[] = page.filter((r) => !r.in_scope).map((r) => ({ id: r.id }));
    const customers = new Map<string, SyncCustomer>();
    if (full) {
      const referenced = [...new Set(jobs.flatMap((j) => (j.customerId ? [j.customerId] : [])))];
      const [customerRows = []] = await tx.finish<CustomerRow>(referenced.length > 0 ? [customersByIdStatement(siteId, referenced)] : []);
      for (const row of customerRows) customers.set(row.id, syncCustomerOf(row));
    } else {
      for (const row of page as PageJobRow[]) {
        const customer = row.in_scope ? pageCustomerOf(row) : null;
        if (customer) customers.set(customer.id, customer);
      }
    }
    const roundOver: CursorState = { v: 1, site: siteId, prev: roundTarget, target: null, phase: "jobs", lastSeq: null, lastId: null };
    let next: CursorState;
    const lastJob = page[page.length - 1];
    if (jobRows.length > input.limit && lastJob) {
      next = { ...state, target: roundTarget, lastSeq: lastJob.change_seq, lastId: lastJob.id };
    } else if (full) {
      next = roundOver;
    } else {
      const changed = changedRows.slice(0, input.limit).map(syncCustomerOf);
      for (const customer of changed) customers.set(customer.id, customer);
      const lastCustomer = changed[changed.length - 1];
      // Customers page by id alone; lastSeq keeps the cursor's pair rule (both or neither).
      next = changedRows.length > input.limit && lastCustomer ? { ...state, target: roundTarget, phase: "customers", lastSeq: "0", lastId: lastCustomer.id } : roundOver;
    }

    return {
      jobs,
      customers: [...customers.values()],
      tombstones,
      site: roundStart ? siteOf(siteRows as SiteRow[], shiftRows as ShiftRulesRow[], now) : null,
      handoffs: roundStart ? recentHandoffsOf(recentRows as HandoffRow[], acknowledgedRows as HandoffRow[]) : null,
      full,
      cursor: encodeCursor(next),
      hasMore: next !== roundOver,
      serverTime: now.toISOString(),
    };
  });
}
