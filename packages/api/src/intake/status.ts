/*
 * How far behind its storefront each source is, read straight from the database so that every
 * instance's /readyz and /metrics tell the same story (runs may happen in any process).
 *
 * Sync lag: 0 when the intake has taken everything the storefront reported having (the cursor
 * stands on or after the newest updated-at the storefront last reported); otherwise the seconds
 * since the last successful run started (or since the source was added, if none ever did) —
 * how long the oldest change not yet taken may have been waiting. A source never read at all
 * counts as behind since it was added.
 */

import type { TakeCounts } from "./take-context.ts";

export interface SourceLagInput {
  createdAt: Date;
  lastSuccessAt: Date | null;
  sourceNewestAt: Date | null;
  syncedThroughAt: Date | null;
}

export function lagSecondsOf(source: SourceLagInput, now: Date): number {
  const behind =
    source.sourceNewestAt === null
      ? source.lastSuccessAt === null
      : source.syncedThroughAt === null || source.syncedThroughAt.getTime() < source.sourceNewestAt.getTime();
  if (!behind) return 0;
  const since = source.lastSuccessAt ?? source.createdAt;
  return Math.max(0, Math.round((now.getTime() - since.getTime()) / 1000));
}

/** A run's stored counts are what its takes counted, added up. */
export type IntakeRowCounts = TakeCounts;

export interface IntakeSourceStatus {
  siteId: string;
  sourceId: string;
  name: string;
  enabled: boolean;
  lagSeconds: number;
  consecutiveFailures: number;
  lastSuccessAt: Date | null;
  /** Rows by outcome of the last run that finished (succeeded or failed); null before the first. */
  lastRun: ({ status: string } & IntakeRowCounts) | null;
}

/** The little of a pg pool or client the status read needs. */
export interface StatusQueryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

interface StatusRow extends Record<string, unknown> {
  site_id: string;
  source_id: string;
  name: string;
  enabled: boolean;
  created_at: Date;
  last_success_at: Date | null;
  source_newest_at: Date | null;
  synced_through_at: Date | null;
  consecutive_failures: number;
  run_status: string | null;
  rows_seen: number | null;
  rows_inserted: number | null;
  rows_updated: number | null;
  rows_unchanged: number | null;
  rows_rejected: number | null;
  rows_flagged: number | null;
}

/**
 * Every source of every site, as the database's owner sees them (not under a site's row-level
 * security): for operations endpoints only, never for an answer to a signed-in user.
 */
export async function readIntakeStatus(db: StatusQueryable, now = new Date()): Promise<IntakeSourceStatus[]> {
  const { rows } = await db.query<StatusRow>(`
    SELECT s.site_id::text AS site_id, s.id::text AS source_id, s.name, s.enabled, s.created_at, s.last_success_at,
           s.source_newest_at, s.synced_through_at, s.consecutive_failures,
           r.status::text AS run_status, r.rows_seen, r.rows_inserted, r.rows_updated, r.rows_unchanged, r.rows_rejected, r.rows_flagged
      FROM intake_sources s
      LEFT JOIN LATERAL (
        SELECT * FROM intake_runs r
         WHERE r.source_id = s.id AND r.status IN ('SUCCEEDED', 'FAILED')
         ORDER BY r.started_at DESC LIMIT 1
      ) r ON true
     ORDER BY s.site_id, s.name, s.id`);
  return rows.map((row) => ({
    siteId: row.site_id,
    sourceId: row.source_id,
    name: row.name,
    enabled: row.enabled,
    lagSeconds: lagSecondsOf(
      {
        createdAt: row.created_at,
        lastSuccessAt: row.last_success_at,
        sourceNewestAt: row.source_newest_at,
        syncedThroughAt: row.synced_through_at,
      },
      now,
    ),
    consecutiveFailures: row.consecutive_failures,
    lastSuccessAt: row.last_success_at,
    lastRun:
      row.run_status === null
        ? null
        : {
            status: row.run_status,
            seen: row.rows_seen ?? 0,
            inserted: row.rows_inserted ?? 0,
            updated: row.rows_updated ?? 0,
            unchanged: row.rows_unchanged ?? 0,
            rejected: row.rows_rejected ?? 0,
            flagged: row.rows_flagged ?? 0,
          },
  }));
}
