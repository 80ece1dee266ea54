import { EventEmitter } from "node:events";
import type { Logger } from "@orderdeck/logging";
import { Logger as GraphileLogger, makeWorkerUtils, run, type WorkerEvents } from "graphile-worker";
import pg from "pg";
import { beat, deadLockHolders, forgetLongGoneWorkers, forgetWorker } from "./heartbeat.ts";
import type { TaskDefinition, WorkerDependencies } from "./task.ts";
import type { IntakeSchedule } from "../intake/tasks.ts";
import { buildTaskList, parsedCrontab } from "./tasks.ts";

export interface WorkerSettings {
  databaseUrl: string;
  /** Jobs this process runs at the same time. */
  concurrency: number;
  /** How often to look for jobs that became due (new jobs are noticed at once, via LISTEN). */
  pollIntervalMs?: number;
  /** How often this worker writes its heartbeat. */
  heartbeatIntervalMs?: number;
  /** A worker whose heartbeat is older than this counts as dead: /readyz fails, its locks are released. */
  staleAfterMs: number;
  /** How often this worker looks for dead workers' locks to release (default: half of staleAfterMs). */
  recoveryIntervalMs?: number;
  /** Run the schedule (crontab()); on by default. Every worker may: graphile-worker schedules each tick once. */
  cron?: boolean;
  /** When the feed syncs run (INTAKE_SYNC_CRON, INTAKE_FULL_SYNC_CRON). */
  intakeSchedule?: IntakeSchedule;
  /** Tasks besides TASKS; only tests pass any. */
  extraTasks?: Record<string, TaskDefinition>;
}

export interface RunningWorker {
  /** graphile-worker's pool id: what this worker writes into locked_by, and its heartbeat row's key. */
  id: string;
  /** Finishes the running jobs (graceful), then leaves: heartbeat row removed, connections (the mail sender's too) closed. */
  stop(): Promise<void>;
}

/** graphile-worker's own log lines, at the level they deserve in ours. */
function graphileLogger(logger: Logger): GraphileLogger {
  return new GraphileLogger((scope) => (level: string, message: string) => {
    // Task outcomes are logged by the task wrapper (tasks.ts), with the job's context.
    if (message.startsWith("Failed task") || message.startsWith("Completed task")) return;
    const target = level === "error" ? "error" : level === "warning" ? "warn" : "debug";
    logger.log(target, message, { component: "graphile-worker", ...(scope.workerId ? { workerId: scope.workerId } : {}) });
  });
}

/**
 * Starts a graphile-worker runner in this process, with its own connection pool, the task list
 * and the schedule, plus what keeps several workers honest: a heartbeat row, and the release of
 * jobs locked by workers that died (graphile-worker alone would wait four hours). Signals are the
 * server's to handle (noHandleSignals): it calls stop().
 */
export async function startWorker(deps: WorkerDependencies, settings: WorkerSettings): Promise<RunningWorker> {
  const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: settings.concurrency + 4 });
  // pg raises errors of idle and of checked-out connections as events; unheard, they end the process.
  // A checked-out connection's error also fails the query running on it, which reports it there.
  pool.on("error", (error) => deps.logger.warn("worker database connection lost", { error: error.message }));
  pool.on("connect", (client) => {
    client.on("error", (error) => deps.logger.debug("worker database connection failed", { error: error.message }));
  });
  // Several beats in every stale window: a beat every 5 s against a 5 s limit would leave the worker
  // counted dead (and /readyz failing) for a moment before every beat.
  const heartbeatIntervalMs = settings.heartbeatIntervalMs ?? Math.min(5_000, Math.floor(settings.staleAfterMs / 3));
  const recoveryIntervalMs = settings.recoveryIntervalMs ?? Math.max(1_000, Math.floor(settings.staleAfterMs / 2));

  const utils = await makeWorkerUtils({ pgPool: pool, logger: graphileLogger(deps.logger) }).catch(async (error: unknown) => {
    await pool.end().catch(() => undefined);
    throw error;
  });
  // A job whose worker died stays locked; once its worker's heartbeat is stale, it is unlocked and
  // runs again on a live worker (its attempt was counted when it was taken).
  const recover = async () => {
    const dead = await deadLockHolders(pool, settings.staleAfterMs);
    if (dead.length > 0) {
      await utils.forceUnlockWorkers(dead);
      deps.logger.warn("released the jobs of workers that stopped beating", { workers: dead });
    }
    await forgetLongGoneWorkers(pool, settings.staleAfterMs);
  };

  try {
    await recover();
    const events: WorkerEvents = new EventEmitter();
    let poolId: string | undefined;
    events.on("pool:create", ({ workerPool }) => {
      poolId = workerPool.id;
    });
    const runner = await run({
      pgPool: pool,
      taskList: buildTaskList(deps, settings.extraTasks),
      parsedCronItems: settings.cron === false ? [] : parsedCrontab(settings.intakeSchedule),
      concurrency: settings.concurrency,
      pollInterval: settings.pollIntervalMs ?? 2_000,
      noHandleSignals: true,
      logger: graphileLogger(deps.logger),
      events,
      preset: {
        worker: {
          // Due jobs are taken a batch at a time, one query for as many jobs as run at once, instead
          // of a query per job: under a backlog (a day's mail after an outage, a bulk status change)
          // the database's part of a short job was mostly finding and locking it. The batch is
          // locked under this worker's id like a running job, so a worker that dies has it
          // released with the rest (recover() below); one that stops returns it.
          localQueue: { size: settings.concurrency },
        },
      },
    });
    if (!poolId) {
      await runner.stop();
      throw new Error("graphile-worker started without announcing its pool");
    }
    const id = poolId;
    await beat(pool, id);
    deps.logger.info("worker started", { workerId: id, concurrency: settings.concurrency });

    let stopped = false;
    let closing: Promise<void> | undefined;
    const heartbeat = setInterval(() => {
      beat(pool, id).catch((error: unknown) => deps.logger.warn("worker heartbeat failed", { error: String(error) }));
    }, heartbeatIntervalMs);
    const recovery = setInterval(() => {
      recover().catch((error: unknown) => deps.logger.warn("releasing dead workers' jobs failed", { error: String(error) }));
    }, recoveryIntervalMs);
    // A runner that ended on its own takes no more jobs: stop beating, so that /readyz and the
    // other workers see it gone (and release what it held) instead of trusting a dead worker.
    const ended = (error?: unknown) => {
      if (stopped) return;
      stopped = true;
      clearInterval(heartbeat);
      clearInterval(recovery);
      deps.logger.error("the worker stopped by itself; this process runs no more background jobs", { workerId: id, error: error === undefined ? undefined : String(error) });
      void forgetWorker(pool, id).catch(() => undefined);
    };
    runner.promise.then(() => ended(), ended);

    return {
      id,
      async stop() {
        if (closing) return closing;
        closing = (async () => {
          const running = !stopped;
          stopped = true;
          clearInterval(heartbeat);
          clearInterval(recovery);
          if (running) await runner.stop().catch((error: unknown) => deps.logger.warn("worker did not stop cleanly", { error: String(error) }));
          // The pooled SMTP connections are the worker's: no task runs any more to need them.
          deps.mail.sender.close();
          await forgetWorker(pool, id).catch(() => undefined);
          await utils.release();
          await pool.end();
          deps.logger.info("worker stopped", { workerId: id });
        })();
        return closing;
      },
    };
  } catch (error) {
    await Promise.resolve(utils.release()).catch(() => undefined);
    await pool.end().catch(() => undefined);
    throw error;
  }
}
