// Several workers against one database share the load (SKIP LOCKED) and never run a job twice:
// two runners, each with its own connection pool, work through 1 000 jobs.
import { randomUUID } from "node:crypto";
import { inSite } from "@orderdeck/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorker } from "../src/background/runner.ts";
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
