/** When a job counts as stuck, and a worker as gone. */
export interface OperationsPolicy {
  /** A worker whose heartbeat is older than this is gone (WORKER_HEARTBEAT_STALE_SECONDS). */
  heartbeatStaleMs: number;
  /** A job running longer than this is listed as stuck even if its worker still beats. */
  stuckAfterMs: number;
}

export const DEFAULT_OPERATIONS_POLICY: OperationsPolicy = { heartbeatStaleMs: 30_000, stuckAfterMs: 30 * 60_000 };
