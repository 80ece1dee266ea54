// What every part of taking rows shares: the chunk's context and what it counts.

export interface TakeContext {
  siteId: string;
  sourceId: string;
  runId: string | null;
  requestId: string | null;
  now: Date;
  /**
   * A retry a person asked for: an unchanged row is planned again, and its CONFLICT letters are
   * closed when nothing stands between the order and the job any more.
   */
  retry: boolean;
}

export interface TakeCounts {
  seen: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  flagged: number;
}

export const emptyCounts = (): TakeCounts => ({ seen: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0, flagged: 0 });

export function addCounts(a: TakeCounts, b: TakeCounts): TakeCounts {
  return {
    seen: a.seen + b.seen,
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    rejected: a.rejected + b.rejected,
    flagged: a.flagged + b.flagged,
  };
}
