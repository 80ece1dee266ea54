import { inSite } from "@orderdeck/db";
import { enqueue } from "../background/enqueue.ts";
import { TASK_PAYLOADS } from "../background/registry.ts";
import { defineTask } from "../background/task.ts";
import { applyRetention, pruneUnsitedAudit } from "./service.ts";

// One retention run per site at a time, across every worker: the job key keeps a second one from
// queueing, this advisory lock (held on a connection for the whole run) keeps a second one from
// running, e.g. when an operator retries a run that is still going. The connection is the worker
// runner's own (DATABASE_DIRECT_URL), a real session, as a session lock needs.
const RETENTION_LOCK_PREFIX = "orderdeck:retention:";

/** Cron (hourly): one retention job per site, each acting for its site only. */
export const retentionSweepTask = defineTask({
  payload: TASK_PAYLOADS.retention_sweep,
  async run(_payload, deps) {
    // Listing the sites is the one cross-site read; everything after acts for one site.
    const sites = await deps.prisma.site.findMany({ select: { id: true }, orderBy: { id: "asc" } });
    for (const site of sites) {
      await inSite(deps.prisma, site.id, (tx) => enqueue(tx, "retention_site", { siteId: site.id }, { jobKey: "retention" }));
    }
    const unsited = await pruneUnsitedAudit(deps.prisma, { now: deps.now(), batchSize: deps.retention.batchSize });
    deps.logger.info("retention queued for every site", { sites: sites.length, unsitedAuditRowsPruned: unsited });
  },
});

export const retentionSiteTask = defineTask({
  payload: TASK_PAYLOADS.retention_site,
  async run({ siteId }, deps, job) {
    await job.withPgClient(async (client) => {
      const key = `${RETENTION_LOCK_PREFIX}${siteId}`;
      const locked = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok", [key]);
      if (!locked.rows[0]?.ok) {
        deps.logger.info("retention already running for this site; this run ends", { siteId });
        return;
      }
      try {
        const result = await applyRetention(deps.prisma, siteId, { ...deps.retention, now: deps.now() });
        deps.logger.info("retention applied", { siteId, ...result });
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]);
      }
    });
  },
});
