// Several workers against one database share the load (SKIP LOCKED) and never run a job twice:
// two runners, each with its own connection pool, work through 1 000 jobs. A worker takes due
// jobs a batch at a time, locked under its own id.
import { randomUUID } from "node:crypto";
import { inSite } from "@orderdeck/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorker } from "../src/background/runner.ts";
import { z } from "zod";
import { defineTask } from "../src/background/task.ts";
import { eventually, graphileJobs, startTestWorker, testWorkerDeps } from "./background-helpers.ts";
import { recordTask, TEST_TASK_RUNS_TABLE } from "./fixtures/test-tasks.ts";
import { apiHarnessForFile } from "./harness.ts";

const JOBS = 1_000;

const workers: RunningWorker[] = [];

const harness = await apiHarnessForFile();
const site = await harness.createSite("Scale Werft");

beforeAll(async () => {
  await harness.db.pool.query(TEST_TASK_RUNS_TABLE);
});

afterAll(async () => {
  for (const worker of workers) await worker.stop();
});

describe("two workers on one database", () => {
  it(`process ${JOBS} jobs between them, none twice`, { timeout: 60_000 }, async () => {
    for (const name of ["first", "second"]) {
      workers.push(await startTestWorker(harness, testWorkerDeps(harness, undefined), { concurrency: 4, extraTasks: { test_record: recordTask(name) } }));
    }
    const runId = randomUUID();
    await inSite(harness.db.prisma, site.siteId, (tx) => tx.$executeRaw`
      SELECT app_enqueue('test_record', json_build_object('siteId', ${site.siteId}::text, 'runId', ${runId}::text, 'n', n))
        FROM generate_series(1, ${JOBS}) AS n`);

    await eventually("every job done", async () => (await graphileJobs(harness, site.siteId)).length === 0, 45_000);
    const result = await harness.db.pool.query<{ runs: number; distinct_n: number; first: number; second: number; retried: number }>(
      `SELECT count(*)::int AS runs, count(DISTINCT n)::int AS distinct_n,
              count(*) FILTER (WHERE worker = 'first')::int AS first, count(*) FILTER (WHERE worker = 'second')::int AS second,
              count(*) FILTER (WHERE attempt > 1)::int AS retried
         FROM test_task_runs WHERE run_id = $1`,
      [runId],
    );
    const counts = result.rows[0];
    expect(counts).toMatchObject({ runs: JOBS, distinct_n: JOBS, retried: 0 });
    expect(counts?.first).toBeGreaterThan(0);
    expect(counts?.second).toBeGreaterThan(0);
  });
});

describe("a worker under a backlog", () => {
  it("locks due jobs a batch at a time, under its own id, beyond those it runs", { timeout: 30_000 }, async () => {
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const held = defineTask({ payload: z.object({ siteId: z.uuid(), n: z.int() }), run: () => gate });
    const worker = await startTestWorker(harness, testWorkerDeps(harness, undefined), { concurrency: 2, extraTasks: { test_held: held } });
    workers.push(worker);
    await inSite(harness.db.prisma, site.siteId, (tx) => tx.$executeRaw`
      SELECT app_enqueue('test_held', json_build_object('siteId', ${site.siteId}::text, 'n', n)) FROM generate_series(1, 10) AS n`);
    const lockedBy = async () =>
      (await harness.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM graphile_worker._private_jobs WHERE locked_by = $1", [worker.id])).rows[0]?.n ?? 0;
    // Two run; two more wait in the worker, taken with them in one query rather than one by one.
    await eventually("a batch locked beyond the two running", async () => (await lockedBy()) === 4, 10_000);
    open();
    await eventually("every held job done", async () => (await graphileJobs(harness, site.siteId)).length === 0, 15_000);
  });
});
