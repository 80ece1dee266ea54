import { inSite, type PrismaClient } from "@orderdeck/db";
import { enqueue } from "../background/enqueue.ts";
import { TASK_PAYLOADS } from "../background/registry.ts";
import { defineTask } from "../background/task.ts";
import { runFullReconciliation, runIncrementalSync } from "./sync-run.ts";

/*
 * The intake's background work:
 *
 *   every INTAKE_SYNC_CRON      (default every minute)  intake_sweep enqueues, for each enabled
 *                               source, intake_sync { siteId, sourceId, mode: "incremental" };
 *   every INTAKE_FULL_SYNC_CRON (default 02:30 nightly) the same with mode "full".
 *
 * The job key keeps one queued run per source and mode; the source's advisory lock keeps one
 * running, also against a lead's "sync now" (intake.runNow, which runs in its request).
 */

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

/** Cron: one intake_sync job per enabled source of every site, each acting for its own site. */
export const intakeSweepTask = defineTask({
  payload: TASK_PAYLOADS.intake_sweep,
  async run({ mode }, deps) {
    const sources = await enabledSources(deps.prisma);
    for (const source of sources) {
      await inSite(deps.prisma, source.siteId, (tx) =>
        // One attempt: a failed run is recorded on its run row, and the next tick tries again.
        enqueue(tx, "intake_sync", { ...source, mode }, { jobKey: `${intakeJobKey(source.sourceId)}:${mode}`, maxAttempts: 1 }),
      );
    }
    deps.logger.info("intake runs queued", { mode, sources: sources.length });
  },
});

export const intakeSyncTask = defineTask({
  payload: TASK_PAYLOADS.intake_sync,
  async run({ siteId, sourceId, mode }, deps, job) {
    const intake = {
      prisma: deps.prisma,
      logger: deps.logger,
      now: () => deps.now(),
      // The source's advisory lock is held on one of the worker's own connections for the run.
      withConnection: <T>(work: Parameters<typeof job.withPgClient<T>>[0]) => job.withPgClient(work),
      ...deps.intake,
    };
    const outcome = mode === "full" ? await runFullReconciliation(intake, { siteId, sourceId }) : await runIncrementalSync(intake, { siteId, sourceId });
    deps.logger.info("intake run ended", { siteId, sourceId, mode, status: outcome.status });
  },
});
