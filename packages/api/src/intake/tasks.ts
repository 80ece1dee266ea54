import type { PrismaClient } from "@orderdeck/db";

/*
 * The intake's background work, ready for the worker (graphile-worker) to run:
 *
 *   every INTAKE_SYNC_CRON   (default every minute)  a tick task enqueues, for each enabled
 *                            source (enabledSources), INTAKE_TASKS.incremental with payload
 *                            { siteId, sourceId } and job key intakeJobKey(sourceId);
 *   every INTAKE_FULL_SYNC_CRON (default 02:30 nightly) the same with INTAKE_TASKS.full.
 *
 * The handlers are runIncrementalSync / runFullReconciliation (sync-run.ts), given
 * { prisma, logger, withConnection } — withConnection from the worker's own pool, e.g.
 * graphile-worker's helpers.withPgClient. The job key keeps one queued run per source; the
 * source's advisory lock keeps one running, also against a console's "sync now".
 */

export const INTAKE_TASKS = {
  incremental: "intake_incremental",
  full: "intake_full",
} as const;

export interface IntakeSchedule {
  /** crontab line fields for incremental runs. */
  incrementalCron: string;
  /** crontab line fields for the nightly full reconciliation. */
  fullCron: string;
}

export const DEFAULT_INTAKE_SCHEDULE: IntakeSchedule = {
  incrementalCron: "* * * * *",
  fullCron: "30 2 * * *",
};

export function intakeJobKey(sourceId: string): string {
  return `intake:${sourceId}`;
}

/** Every enabled source of every site (read as the database owner: the worker acts for no one site). */
export async function enabledSources(prisma: PrismaClient): Promise<Array<{ siteId: string; sourceId: string }>> {
  const sources = await prisma.intakeSource.findMany({ where: { enabled: true }, select: { id: true, siteId: true }, orderBy: { id: "asc" } });
  return sources.map((s) => ({ siteId: s.siteId, sourceId: s.id }));
}
