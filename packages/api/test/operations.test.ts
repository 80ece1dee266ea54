// The operations procedures: a site's background jobs by state (queued, running, retrying,
// failed, stuck) with their errors, counts by task and state, and retry / reschedule / give up,
// never reaching another site's jobs. And the task wrapper every job runs in: start and end logged
// with the job id, a payload of the wrong shape failed for good at once, metrics recorded.
import { randomUUID } from "node:crypto";
import { inSite } from "@orderdeck/db";
import { beforeAll, describe, expect, it } from "vitest";
import { enqueue } from "../src/background/enqueue.ts";
import { queueMail } from "../src/mail/queue.ts";
import { capturingLogger, eventually, graphileJobs, startTestWorker, testWorkerDeps } from "./background-helpers.ts";
import { apiHarnessForFile, refusalOf, type SiteFixture } from "./harness.ts";

const harness = await apiHarnessForFile({ background: { heartbeatStaleMs: 5_000, stuckAfterMs: 60 * 60_000 } });
const site = await harness.createSite("Ops Süd");
const other = await harness.createSite("Ops Nord");

const LATER = () => new Date(Date.now() + 3_600_000);

/** A retention job of the site, parked an hour ahead so no worker takes it; answers its id. */
async function parkedJob(fixture: SiteFixture): Promise<string> {
  return inSite(harness.db.prisma, fixture.siteId, (tx) =>
    enqueue(tx, "retention_site", { siteId: fixture.siteId }, { jobKey: `ops-${randomUUID()}`, runAt: LATER() }),
  );
}

async function setJob(id: string, sql: string, params: unknown[] = []) {
  await harness.db.pool.query(`UPDATE graphile_worker._private_jobs SET ${sql} WHERE id = $1`, [id, ...params]);
}

describe("operations", () => {
  let queued: string;
  let retrying: string;
  let failed: string;
  let running: string;
  let stuck: string;
  let theirs: string;

  beforeAll(async () => {
    queued = await parkedJob(site);
    retrying = await parkedJob(site);
    await setJob(retrying, "attempts = 1, last_error = 'database went away'");
    failed = await parkedJob(site);
    await setJob(failed, "attempts = max_attempts, last_error = 'no such thing'");
    running = await parkedJob(site);
    await harness.db.pool.query("INSERT INTO worker_heartbeats (worker_id) VALUES ('pool-alive')");
    await setJob(running, "attempts = 1, locked_at = now(), locked_by = 'pool-alive'");
    stuck = await parkedJob(site);
    await setJob(stuck, "attempts = 1, locked_at = now() - interval '1 minute', locked_by = 'pool-dead'");
    theirs = await parkedJob(other);
    await setJob(theirs, "attempts = max_attempts, last_error = 'theirs'");
  });

  it("lists the site's jobs with their state and last error, newest first, and nothing of another site", async () => {
    const page = await site.as.LEAD.operations.list({});
    const byId = Object.fromEntries(page.tasks.map((t) => [t.id, t]));
    expect(Object.keys(byId).sort()).toEqual([queued, retrying, failed, running, stuck].sort());
    expect(byId[queued]).toMatchObject({ task: "retention_site", state: "QUEUED", attempts: 0, lastError: null });
    expect(byId[queued]?.key).toMatch(/^ops-/);
    expect(byId[retrying]).toMatchObject({ state: "RETRYING", attempts: 1, lastError: "database went away" });
    expect(byId[failed]).toMatchObject({ state: "FAILED", lastError: "no such thing" });
    expect(byId[running]).toMatchObject({ state: "RUNNING", lockedBy: "pool-alive" });
    expect(byId[stuck]).toMatchObject({ state: "STUCK", lockedBy: "pool-dead" });
    expect(page.tasks.map((t) => Number(t.id))).toEqual([...page.tasks.map((t) => Number(t.id))].sort((a, b) => b - a));

    const failing = await site.as.LEAD.operations.list({ states: ["FAILED", "STUCK"] });
    expect(failing.tasks.map((t) => t.id).sort()).toEqual([failed, stuck].sort());
    const first = await site.as.LEAD.operations.list({ limit: 2 });
    const next = await site.as.LEAD.operations.list({ limit: 2, cursor: first.nextCursor ?? undefined });
    expect([...first.tasks, ...next.tasks].map((t) => t.id)).toEqual(page.tasks.slice(0, 4).map((t) => t.id));
  });

  it("counts the site's jobs by task and state, and says whether a worker is alive", async () => {
    const view = await site.as.LEAD.operations.overview();
    expect(view.counts).toEqual(
      expect.arrayContaining([
        { task: "retention_site", state: "QUEUED", count: 1 },
        { task: "retention_site", state: "RETRYING", count: 1 },
        { task: "retention_site", state: "FAILED", count: 1 },
        { task: "retention_site", state: "RUNNING", count: 1 },
        { task: "retention_site", state: "STUCK", count: 1 },
      ]),
    );
    expect(view.counts.reduce((n, c) => n + c.count, 0)).toBe(5);
    expect(view.workers.alive).toBe(1);
  });

  it("retries a failed job now with fresh attempts; a running job and another site's job are refused", async () => {
    const result = await site.as.LEAD.operations.retry({ ids: [failed, running, theirs] });
    expect(result.results).toEqual([
      { id: failed, ok: true },
      expect.objectContaining({ id: running, ok: false, reason: "RUNNING" }),
      expect.objectContaining({ id: theirs, ok: false, reason: "NOT_FOUND" }),
    ]);
    const [job] = (await graphileJobs(harness, site.siteId)).filter((j) => j.id === failed);
    expect(job?.attempts).toBe(0);
    expect(job?.run_at.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    const [untouched] = (await graphileJobs(harness, other.siteId)).filter((j) => j.id === theirs);
    expect(untouched?.last_error).toBe("theirs");
    // Parked again, so no worker of another test could take it.
    await setJob(failed, "run_at = now() + interval '1 hour'");
    const audit = await harness.db.prisma.auditLog.findFirst({ where: { siteId: site.siteId, action: "operations.retry" } });
    expect(audit?.target).toBe(`jobs:${failed}`);
  });

  it("reschedules jobs to a given time", async () => {
    const runAt = "2030-01-02T03:04:05.000Z";
    const result = await site.as.LEAD.operations.reschedule({ ids: [queued, retrying], runAt });
    expect(result.succeeded).toBe(2);
    const jobs = (await graphileJobs(harness, site.siteId)).filter((j) => [queued, retrying].includes(j.id));
    expect(jobs.map((j) => j.run_at.toISOString())).toEqual([runAt, runAt]);
  });

  it("gives a mail's job up: the job is failed for good and the mail is given up, which lists it in the exceptions", async () => {
    const mailLogId = await inSite(harness.db.prisma, site.siteId, (tx) =>
      queueMail(tx, { siteId: site.siteId, kind: "HANDOFF_REMINDER", to: "lead@example.com", subject: "Reminder" }),
    );
    const [job] = (await graphileJobs(harness, site.siteId)).filter((j) => j.payload.mailLogId === mailLogId);
    expect(job?.task).toBe("send_mail");
    const result = await site.as.LEAD.operations.giveUp({ ids: [job?.id ?? "0"], reason: "the lead left the company" });
    expect(result.succeeded).toBe(1);
    const [after] = (await graphileJobs(harness, site.siteId)).filter((j) => j.id === job?.id);
    expect(after?.attempts).toBe(after?.max_attempts);
    expect(after?.last_error).toBe("Given up by an operator: the lead left the company");
    const mail = await harness.db.prisma.mailLog.findUniqueOrThrow({ where: { id: mailLogId ?? "" } });
    expect(mail).toMatchObject({ status: "GAVE_UP", lastError: "Given up by an operator: the lead left the company" });
    const exceptions = await site.as.STAFF.exceptions.list({ kinds: ["MAIL_FAILED"] });
    expect(exceptions.items.map((e) => e.refId)).toContain(mailLogId);
  });

  it("is for leads and admins only", async () => {
    expect((await refusalOf(site.as.STAFF.operations.list({}))).code).toBe("FORBIDDEN");
    expect((await refusalOf(site.as.STAFF.operations.retry({ ids: [queued] }))).code).toBe("FORBIDDEN");
    expect((await site.as.ADMIN.operations.overview()).counts.length).toBeGreaterThan(0);
    expect((await refusalOf(site.as.LEAD.operations.retry({ ids: ["99999999999999999999"] }))).code).toBe("BAD_REQUEST");
  });
});

describe("the task wrapper", () => {
  it("logs start and end with the job id and attempt, fails a malformed payload for good at once, and records metrics", async () => {
    const { logger, lines } = capturingLogger();
    const worker = await startTestWorker(harness, testWorkerDeps(harness, undefined, { logger }));
    try {
      const good = await inSite(harness.db.prisma, other.siteId, (tx) => enqueue(tx, "retention_site", { siteId: other.siteId }));
      const bad = await inSite(harness.db.prisma, other.siteId, async (tx) => {
        const rows = await tx.$queryRaw<Array<{ id: string }>>`
          SELECT app_enqueue('send_mail', ${JSON.stringify({ siteId: other.siteId, mailLogId: "not-a-uuid" })}::json, NULL, NULL, 5)::text AS id`;
        return rows[0]?.id ?? "";
      });
      const failedForGood = await eventually("the malformed job to fail for good", async () => {
        const [job] = (await graphileJobs(harness, other.siteId)).filter((j) => j.id === bad);
        return job && job.locked_at === null && job.attempts > 0 ? job : undefined;
      });
      // Out of attempts after its first: graphile-worker will not try it again.
      expect(failedForGood.attempts).toBe(failedForGood.max_attempts);
      expect(lines.filter((l) => l.taskId === bad && l.message === "task started")).toHaveLength(1);
      expect(failedForGood.last_error).toMatch(/payload does not fit task send_mail: mailLogId/);
      await eventually("the good job to finish", async () => lines.some((l) => l.taskId === good && l.message === "task finished"));

      const ofGood = lines.filter((l) => l.taskId === good);
      expect(ofGood.map((l) => l.message)).toEqual(expect.arrayContaining(["task started", "task finished"]));
      expect(ofGood.find((l) => l.message === "task started")).toMatchObject({ task: "retention_site", siteId: other.siteId, attempt: 1, maxAttempts: 5 });
      expect(ofGood.find((l) => l.message === "task finished")?.durationMs).toEqual(expect.any(Number));
      expect(lines.find((l) => l.taskId === bad && l.message === "task failed for good")).toMatchObject({ level: "error", task: "send_mail", attempt: 1 });

      const metrics = await harness.deps.metrics.registry.metrics();
      expect(metrics).toMatch(/orderdeck_task_failures_total\{task="send_mail",final="true"\} 1/);
      expect(metrics).toMatch(/orderdeck_task_duration_seconds_count\{task="retention_site",outcome="ok"\} [1-9]/);
    } finally {
      await worker.stop();
    }
  });
});
