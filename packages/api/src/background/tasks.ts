// The worker's list of task bodies and their schedule. Adding a task: its payload in
// registry.ts (which types enqueue()), its body next to the domain it serves (defineTask with that
// payload), then one line in TASKS (and one in crontab() if it runs on a schedule).
import { inSite, type TransactionClient } from "@orderdeck/db";
import { withLogContext } from "@orderdeck/logging";
import { parseCronItems, type CronItem, type JobHelpers, type ParsedCronItem, type Task, type TaskList } from "graphile-worker";
import { handoffRemindersTask } from "../handoff/reminders.ts";
import { DEFAULT_INTAKE_SCHEDULE, intakeSweepTask, intakeSyncTask, type IntakeSchedule } from "../intake/tasks.ts";
import { sendMailTask } from "../mail/send-task.ts";
import { retentionSiteTask, retentionSweepTask } from "../retention/tasks.ts";
import { deliverWebhookTask } from "../webhooks/deliver-task.ts";
import type { TASK_PAYLOADS, TaskName } from "./registry.ts";
import { PermanentFailure, type TaskDefinition, type WorkerDependencies } from "./task.ts";

export const TASKS = {
  send_mail: sendMailTask,
  deliver_webhook: deliverWebhookTask,
  retention_sweep: retentionSweepTask,
  retention_site: retentionSiteTask,
  handoff_reminders: handoffRemindersTask,
  intake_sweep: intakeSweepTask,
  intake_sync: intakeSyncTask,
} satisfies { [N in TaskName]: TaskDefinition<(typeof TASK_PAYLOADS)[N]> };

/**
 * The schedule. Each item has a job key, so a slow run and the next tick never make two jobs,
 * and no backfill: a worker that was down does not replay the runs it missed.
 */
export function crontab(intake: IntakeSchedule = DEFAULT_INTAKE_SCHEDULE): CronItem[] {
  const options = (key: string) => ({ backfillPeriod: 0, maxAttempts: 3, jobKey: `cron:${key}` });
  return [
    { task: "retention_sweep", match: "17 * * * *", identifier: "retention_sweep", options: options("retention_sweep") },
    { task: "handoff_reminders", match: "*/10 * * * *", identifier: "handoff_reminders", options: options("handoff_reminders") },
    { task: "intake_sweep", match: intake.incrementalCron, identifier: "intake_incremental", options: options("intake_incremental"), payload: { mode: "incremental" } },
    { task: "intake_sweep", match: intake.fullCron, identifier: "intake_full", options: options("intake_full"), payload: { mode: "full" } },
  ];
}

export function parsedCrontab(intake?: IntakeSchedule): ParsedCronItem[] {
  return parseCronItems(crontab(intake));
}

function siteOf(payload: unknown): string | undefined {
  if (typeof payload !== "object" || payload === null || !("siteId" in payload)) return undefined;
  return typeof payload.siteId === "string" ? payload.siteId : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Ends the running job for good: graphile-worker fails it as usual when the handler throws, and
 * with its attempts at the maximum it is not tried again (what graphile-worker itself does to a
 * running job whose key is taken over).
 */
async function exhaustAttempts(helpers: JobHelpers): Promise<void> {
  await helpers.withPgClient((client) =>
    client.query("UPDATE graphile_worker._private_jobs SET attempts = max_attempts WHERE id = $1", [helpers.job.id]),
  );
}

/**
 * Wraps a task for graphile-worker: validates the payload (a payload that does not fit is a
 * permanent failure, never retried), runs the handler inside a log context carrying the job id,
 * logs start and end with duration and attempt, and records both in /metrics. On the last failed
 * attempt it lets the domain record that the work was given up.
 */
function observed(name: string, definition: TaskDefinition, deps: WorkerDependencies): Task {
  return async (payload, helpers) => {
    const job = helpers.job;
    const context = { task: name, taskId: job.id, siteId: siteOf(payload) };
    await withLogContext(context, async () => {
      const started = performance.now();
      const attempt = { attempt: job.attempts, maxAttempts: job.max_attempts };
      deps.logger.info("task started", attempt);
      const parsed = definition.payload.safeParse(payload);
      try {
        if (!parsed.success) {
          throw new PermanentFailure(`the payload does not fit task ${name}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`).join("; ")}`);
        }
        await definition.run(parsed.data, deps, {
          id: job.id,
          attempt: job.attempts,
          maxAttempts: job.max_attempts,
          withPgClient: (work) => helpers.withPgClient(work),
        });
        const seconds = (performance.now() - started) / 1000;
        deps.metrics.taskDuration.observe({ task: name, outcome: "ok" }, seconds);
        deps.logger.info("task finished", { ...attempt, durationMs: Math.round(seconds * 1000) });
      } catch (error) {
        const seconds = (performance.now() - started) / 1000;
        const permanent = error instanceof PermanentFailure;
        if (permanent) await exhaustAttempts(helpers);
        const final = permanent || job.attempts >= job.max_attempts;
        deps.metrics.taskDuration.observe({ task: name, outcome: "failed" }, seconds);
        deps.metrics.taskFailures.inc({ task: name, final: String(final) });
        deps.logger.log(final ? "error" : "warn", final ? "task failed for good" : "task failed, will retry", {
          ...attempt,
          durationMs: Math.round(seconds * 1000),
          error: messageOf(error),
          stack: error instanceof Error && !permanent ? error.stack : undefined,
        });
        const siteId = context.siteId;
        if (final && definition.giveUp && parsed.success && siteId) {
          await recordGivenUp(deps, definition, siteId, parsed.data, messageOf(error));
        }
        throw error;
      }
    });
  };
}

async function recordGivenUp(deps: WorkerDependencies, definition: TaskDefinition, siteId: string, payload: unknown, reason: string): Promise<void> {
  try {
    await inSite(deps.prisma, siteId, (tx) => definition.giveUp?.(tx, payload, reason) ?? Promise.resolve());
  } catch (error) {
    // The job stays visible as failed in operations, where it can be given up again.
    deps.logger.error("could not record a given-up task in its domain", { error: messageOf(error) });
  }
}

/** graphile-worker's task list: every task of TASKS (and, in tests, `extra`), each wrapped by observed(). */
export function buildTaskList(deps: WorkerDependencies, extra: Record<string, TaskDefinition> = {}): TaskList {
  const all: Record<string, TaskDefinition> = { ...TASKS, ...extra };
  return Object.fromEntries(Object.entries(all).map(([name, definition]) => [name, observed(name, definition, deps)]));
}

/**
 * Records in the domain that a job of `task` was given up (operations' "give up"), in `tx`, which
 * acts for the payload's site. Tasks that keep no record of their own (cron) need nothing.
 */
export async function recordGiveUp(tx: TransactionClient, task: string, payload: unknown, reason: string): Promise<void> {
  const definition = (TASKS as Record<string, TaskDefinition>)[task];
  if (!definition?.giveUp) return;
  const parsed = definition.payload.safeParse(payload);
  if (parsed.success) await definition.giveUp(tx, parsed.data, reason);
}
