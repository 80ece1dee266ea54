// A worker process killed with SIGKILL in the middle of a task: its job stays locked by a worker
// that no longer beats; another worker notices the stale heartbeat, releases the lock
// (forceUnlockWorkers) and runs the task again, which completes. Nothing is lost, nothing runs twice
// to completion.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { inSite } from "@orderdeck/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorker } from "../src/background/runner.ts";
import { eventually, graphileJobs, startTestWorker, testWorkerDeps } from "./background-helpers.ts";
import { slowTask, TEST_TASK_RUNS_TABLE } from "./fixtures/test-tasks.ts";
import { apiHarnessForFile } from "./harness.ts";

const CRASH_WORKER = fileURLToPath(new URL("./fixtures/crash-worker.ts", import.meta.url));
const STALE_AFTER_MS = 1_500;

let child: ChildProcess | undefined;
let survivor: RunningWorker | undefined;

const harness = await apiHarnessForFile();
const site = await harness.createSite("Crash Hafen");

beforeAll(async () => {
  await harness.db.pool.query(TEST_TASK_RUNS_TABLE);
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await survivor?.stop();
});

/** Starts the worker process and resolves with its worker id once it takes jobs. */
function startChildWorker(): Promise<{ process: ChildProcess; workerId: string }> {
  const started = spawn(process.execPath, ["--import", "tsx", CRASH_WORKER], {
    env: { ...process.env, TEST_DATABASE_URL: harness.db.url, TEST_STALE_AFTER_MS: String(STALE_AFTER_MS) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = started;
  return new Promise((resolve, reject) => {
    let output = "";
    let errors = "";
    started.stderr?.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    started.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready (\S+)/.exec(output);
      if (ready?.[1]) resolve({ process: started, workerId: ready[1] });
    });
    started.on("exit", (code, signal) => reject(new Error(`the worker process ended before it was ready (${code ?? signal}): ${errors}`)));
    // A worker that neither starts nor ends is a failure to name, not a test left to time out.
    setTimeout(() => reject(new Error(`the worker process printed no "ready" line in 60 s: ${output} ${errors}`)), 60_000).unref();
  });
}

async function runs(runId: string) {
  const result = await harness.db.pool.query<{ attempt: number; phase: string; worker: string; job_id: string }>(
    "SELECT attempt, phase, worker, job_id FROM test_task_runs WHERE run_id = $1 ORDER BY id",
    [runId],
  );
  return result.rows;
}

describe("a worker killed mid-task", () => {
  it("the task runs again on another worker and completes; nothing is lost", { timeout: 60_000 }, async () => {
    const { process: worker, workerId } = await startChildWorker();
    const runId = randomUUID();
    const jobId = await inSite(harness.db.prisma, site.siteId, async (tx) => {
      const rows = await tx.$queryRaw<Array<{ id: string }>>`
        SELECT app_enqueue('test_slow', ${JSON.stringify({ siteId: site.siteId, runId })}::json)::text AS id`;
      return rows[0]?.id;
    });
    await eventually("the child worker to start the task", async () => (await runs(runId)).length === 1);
    expect(await runs(runId)).toEqual([{ attempt: 1, phase: "started", worker: "child", job_id: jobId }]);
    const heartbeat = await harness.db.pool.query("SELECT 1 FROM worker_heartbeats WHERE worker_id = $1", [workerId]);
    expect(heartbeat.rowCount).toBe(1);

    const exited = new Promise((resolve) => worker.once("exit", resolve));
    worker.kill("SIGKILL");
    await exited;
    const [locked] = await graphileJobs(harness, site.siteId);
    expect(locked).toMatchObject({ id: jobId, task: "test_slow", attempts: 1 });
    expect(locked?.locked_at).not.toBeNull();

    survivor = await startTestWorker(harness, testWorkerDeps(harness, undefined), {
      staleAfterMs: STALE_AFTER_MS,
      recoveryIntervalMs: 250,
      extraTasks: { test_slow: slowTask("survivor") },
    });
    await eventually("the task to finish on the surviving worker", async () => (await runs(runId)).some((r) => r.phase === "finished"), 20_000);
    expect(await runs(runId)).toEqual([
      { attempt: 1, phase: "started", worker: "child", job_id: jobId },
      { attempt: 2, phase: "started", worker: "survivor", job_id: jobId },
      { attempt: 2, phase: "finished", worker: "survivor", job_id: jobId },
    ]);
    await eventually("the job to be complete", async () => (await graphileJobs(harness, site.siteId)).length === 0);
    // Only the survivor counts as alive.
    const alive = await harness.db.pool.query<{ worker_id: string }>(
      "SELECT worker_id FROM worker_heartbeats WHERE last_beat_at >= now() - $1 * interval '1 millisecond'",
      [STALE_AFTER_MS],
    );
    expect(alive.rows.map((r) => r.worker_id)).toEqual([survivor.id]);
  });
});

describe("a live worker", () => {
  it("beats several times in every stale window, so it never counts as dead between beats", { timeout: 30_000 }, async () => {
    // The beat's own interval is left to the worker: it follows from the stale window.
    const worker = await startTestWorker(harness, testWorkerDeps(harness, undefined), { staleAfterMs: STALE_AFTER_MS, heartbeatIntervalMs: undefined });
    try {
      let oldest = 0;
      for (let i = 0; i < 30; i++) {
        const age = await harness.db.pool.query<{ age_ms: number }>(
          "SELECT (extract(epoch FROM clock_timestamp() - last_beat_at) * 1000)::float8 AS age_ms FROM worker_heartbeats WHERE worker_id = $1",
          [worker.id],
        );
        oldest = Math.max(oldest, age.rows[0]?.age_ms ?? Number.POSITIVE_INFINITY);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(oldest).toBeLessThan(STALE_AFTER_MS);
    } finally {
      await worker.stop();
    }
  });
});
