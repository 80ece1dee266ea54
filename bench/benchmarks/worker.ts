// Background work: tasks per second through the product's worker process (the real task wrapper:
// payload validation, log context, log lines, metrics) against graphile-worker's own `run` with
// a trivial task list, same concurrency, pool size and database. Jobs are added in one commit
// while the worker waits (it hears of them through LISTEN, as in production); the clock runs from
// that commit until the last job is gone. Mail goes over SMTP into the local mail sink.
import { startMailSink } from "@orderdeck/mail-sink";
import type pg from "pg";
import { mailStatuses, queueMails } from "../../reliability/shop.ts";
import { nodeArgsFrom, type BenchEnvironment } from "../environment.ts";
import type { LoadShape } from "../load.ts";
import type { BenchResult } from "../report.ts";

export const WORKER_CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 4);
const NOOP_TASK = "bench_noop";
const BARE_TASK = "bench_bare_noop";

async function waitingJobs(pool: pg.Pool, task: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = $1`,
    [task],
  );
  return rows[0]?.n ?? 0;
}

/** Polls until `done` holds; answers the seconds since `since` at that moment. */
async function secondsUntil(done: () => Promise<boolean>, since: number, timeoutS: number, what: string): Promise<number> {
  for (;;) {
    if (await done()) return (performance.now() - since) / 1000;
    if (performance.now() - since > timeoutS * 1000) throw new Error(`${what} did not finish within ${timeoutS} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Waits until no job is left to run now: the benchmarks before this one (handovers) queued
 * receipt mails, which the product's worker takes first and which would otherwise share its
 * measured runs. Jobs waiting for a later retry or given up stay; they take no turn.
 */
async function drainBacklog(pool: pg.Pool, log: (line: string) => void): Promise<void> {
  const runnable = async () => {
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM graphile_worker._private_jobs WHERE run_at <= now() AND attempts < max_attempts");
    return rows[0]?.n ?? 0;
  };
  const before = await runnable();
  if (before === 0) return;
  const since = performance.now();
  const seconds = await secondsUntil(async () => (await runnable()) === 0, since, 900, `the ${before} jobs queued before the worker benchmark`);
  log(`worker: first ran the ${before} jobs the benchmarks before it had queued (${seconds.toFixed(1)} s)`);
}

/** `count` no-op jobs of `task` in one commit; answers the moment of the commit. */
async function addNoopJobs(pool: pg.Pool, task: string, count: number): Promise<number> {
  await pool.query(`SELECT graphile_worker.add_job($1, json_build_object('n', n)) FROM generate_series(1, $2::int) AS n`, [task, count]);
  return performance.now();
}

async function noopRun(env: BenchEnvironment, task: string, count: number, log: (line: string) => void): Promise<number> {
  const committed = await addNoopJobs(env.pool, task, count);
  const seconds = await secondsUntil(async () => (await waitingJobs(env.pool, task)) === 0, committed, 600, `${count} ${task} jobs`);
  log(`worker: ${count} ${task} jobs in ${seconds.toFixed(2)} s`);
  return seconds;
}

export async function benchWorker(env: BenchEnvironment, shape: LoadShape, log: (line: string) => void): Promise<BenchResult> {
  const count = shape.quick ? 2_000 : 10_000;
  const workerEnv = { WORKER_CONCURRENCY: String(WORKER_CONCURRENCY), LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info" };

  log(`worker: bare graphile-worker, concurrency ${WORKER_CONCURRENCY}`);
  const bare = await env.spawn("bare graphile-worker", { role: "worker", script: "bench/processes/bare-worker.ts", extra: workerEnv });
  // A first small batch warms the connections and the task's row up, for both.
  await noopRun(env, BARE_TASK, 200, () => undefined);
  const bareSeconds = await noopRun(env, BARE_TASK, count, log);
  await bare.stop();

  const sink = await startMailSink();
  try {
    log(`worker: the product's worker process, concurrency ${WORKER_CONCURRENCY}, mail to the sink at port ${sink.port}`);
    await env.spawn("worker", {
      role: "worker",
      script: "bench/processes/worker.ts",
      nodeArgs: nodeArgsFrom("BENCH_WORKER_NODE_ARGS"),
      extra: { ...workerEnv, SMTP_PORT: String(sink.port), MAIL_FROM: "Bench Workshop <orders@orderdeck.test>" },
    });
    await drainBacklog(env.pool, log);
    await noopRun(env, NOOP_TASK, 200, () => undefined);
    const noopSeconds = await noopRun(env, NOOP_TASK, count, log);

    // Mail-shaped: a "ready for pickup" mail for each of `count` jobs, queued as the product queues mail.
    const jobIds = await env.pool.query<{ id: string }>("SELECT id::text FROM jobs WHERE site_id = $1 ORDER BY number LIMIT $2", [env.shop.siteId, count]);
    const sinkBefore = sink.messages.length;
    const { committedAt, batch } = await queueMails(env.pool, env.shop.siteId, jobIds.rows.map((r) => r.id));
    const sent = async () => (await mailStatuses(env.pool, env.shop.siteId, batch)).SENT ?? 0;
    const mailSeconds = await secondsUntil(async () => (await sent()) === count, committedAt, 900, `${count} mails`);
    const received = sink.messages.slice(sinkBefore);
    const batchIds = await env.pool.query<{ message_id: string | null }>(`SELECT message_id FROM mail_log WHERE site_id = $1 AND dedupe_key LIKE $2 || ':%'`, [env.shop.siteId, batch]);
    const arrived = new Set(received.map((m) => m.messageId));
    const missing = batchIds.rows.filter((r) => !r.message_id || !arrived.has(r.message_id)).length;
    log(`worker: ${count} mails sent in ${mailSeconds.toFixed(2)} s; the sink received ${received.length}, ${missing} of the batch missing`);

    const rate = (seconds: number) => count / seconds;
    return {
      id: "worker",
      title: "Background worker — mail and no-op tasks",
      about:
        `${count.toLocaleString("en")} jobs per run, added in one commit while the worker waits (and has run every job queued before it); tasks per second from that commit until the last job is done. ` +
        `The product's worker is its own process (\`startServer\` with the worker role, production settings, JSON logs at info to a file, concurrency ${WORKER_CONCURRENCY}) with one task added for the benchmark, \`${NOOP_TASK}\`, which does nothing inside the product's task wrapper (payload validation, log context, start and end lines, metrics). ` +
        "Mail-shaped tasks are the product's `send_mail`: read the mail log row and the job, compose the mail, send it over SMTP to the local mail sink, mark the row SENT. " +
        `The floor is graphile-worker's own \`run\` with a trivial task list in a process of its own: same concurrency, same pool size, same database.`,
      runs: [],
      facts: [
        ["bare graphile-worker, no-op", `${rate(bareSeconds).toFixed(0)} tasks/s (${bareSeconds.toFixed(2)} s)`],
        ["our worker, no-op task", `${rate(noopSeconds).toFixed(0)} tasks/s (${noopSeconds.toFixed(2)} s)`],
        ["our worker, mail to the SMTP sink", `${rate(mailSeconds).toFixed(0)} tasks/s (${mailSeconds.toFixed(2)} s); the sink received ${received.length} messages, ${count - missing} of the ${count} mails under their Message-IDs`],
      ],
      ratios: [
        { what: "no-op rate, ours ÷ bare graphile-worker", value: bareSeconds / noopSeconds },
        { what: "mail rate ÷ bare no-op rate", value: bareSeconds / mailSeconds },
      ],
      targets: [
        { what: "our no-op rate at least 0.8× bare graphile-worker's", value: bareSeconds / noopSeconds, limit: 0.8, unit: "×", atLeast: true },
        { what: "mail rate at least 0.3× the bare no-op rate", value: bareSeconds / mailSeconds, limit: 0.3, unit: "×", atLeast: true },
      ],
    };
  } finally {
    await sink.stop();
  }
}
