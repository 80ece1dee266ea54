// Shared by the background-work test files: a real graphile-worker runner against the test
// file's database, mail over SMTP into a real local server (the mail sink), a short retry
// schedule so that retries take milliseconds, and polling helpers that wait for an outcome.
import { Writable } from "node:stream";
import { createLogger, type Logger } from "@orderdeck/logging";
import { startMailSink, type MailSink } from "@orderdeck/mail-sink";
import { afterAll } from "vitest";
import winston from "winston";
import { startWorker, type RunningWorker, type WorkerSettings } from "../src/background/runner.ts";
import type { RetryPolicy } from "../src/background/retry.ts";
import type { WorkerDependencies } from "../src/background/task.ts";
import { createMailSender } from "../src/mail/transport.ts";
import { SERVER_RETENTION_DEFAULTS } from "../src/retention/service.ts";
import type { ApiHarness } from "./harness.ts";

export const FAST_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 200 };
export const MAIL_FROM = "Test Workshop <orders@orderdeck.test>";

/** Nothing listens on port 9 (discard) on the test machines: mail sent there fails to connect. */
const NOWHERE = 9;

export function testWorkerDeps(harness: ApiHarness, sink: Pick<MailSink, "port"> | undefined, overrides: Partial<WorkerDependencies> = {}): WorkerDependencies {
  return {
    prisma: harness.db.prisma,
    logger: createLogger({ silent: true }),
    metrics: harness.deps.metrics,
    mail: { sender: createMailSender({ host: "127.0.0.1", port: sink?.port ?? NOWHERE, secure: false }), from: MAIL_FROM, retry: FAST_RETRY },
    webhooks: { timeoutMs: 2_000, disableAfter: 5, retry: FAST_RETRY, userAgent: "OrderDeck-Webhooks/test", allowPrivateNetworks: true, secretKey: harness.deps.sessions.secretKey },
    // The fake storefront, like the test receivers, runs on 127.0.0.1.
    intake: { settings: { allowPrivateNetworks: true } },
    retention: { ...SERVER_RETENTION_DEFAULTS, batchSize: 100 },
    handoffReminders: { graceMs: 10 * 60_000 },
    now: () => new Date(),
    ...overrides,
  };
}

/** A worker as production runs it, but polling often and beating fast, and no schedule. */
export function startTestWorker(harness: ApiHarness, deps: WorkerDependencies, settings: Partial<WorkerSettings> = {}): Promise<RunningWorker> {
  return startWorker(deps, {
    databaseUrl: harness.db.url,
    concurrency: 4,
    pollIntervalMs: 50,
    heartbeatIntervalMs: 200,
    staleAfterMs: 5_000,
    cron: false,
    ...settings,
  });
}

/**
 * A mail sink for the calling test file, awaited at its top level after the file's harness, and
 * stopped after the file's tests (before the harness: vitest runs afterAll hooks last-registered first).
 */
export async function mailSinkForFile(): Promise<MailSink> {
  const sink = await startMailSink();
  afterAll(async () => sink.stop());
  return sink;
}

/** startTestWorker for the calling test file, awaited at its top level; stopped after the file's tests, before what it was given. */
export async function testWorkerForFile(harness: ApiHarness, deps: WorkerDependencies, settings: Partial<WorkerSettings> = {}): Promise<RunningWorker> {
  const worker = await startTestWorker(harness, deps, settings);
  afterAll(async () => worker.stop());
  return worker;
}

/** Polls until `probe` answers something truthy; fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface GraphileJob {
  id: string;
  task: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  locked_at: Date | null;
  key: string | null;
  run_at: Date;
  payload: Record<string, unknown>;
}

/** The graphile-worker jobs whose payload names the site (all of them when no site is given). */
export async function graphileJobs(harness: ApiHarness, siteId?: string): Promise<GraphileJob[]> {
  const result = await harness.db.pool.query<GraphileJob>(
    `SELECT j.id::text AS id, t.identifier AS task, j.attempts, j.max_attempts, j.last_error, j.locked_at, j.key, j.run_at, j.payload
       FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
      WHERE $1::text IS NULL OR j.payload->>'siteId' = $1
      ORDER BY j.id`,
    [siteId ?? null],
  );
  return result.rows;
}

export interface MailRow {
  id: string;
  kind: string;
  to: string;
  subject: string;
  status: string;
  attempts: number;
  last_error: string | null;
  message_id: string | null;
  invoice_id: string | null;
  receipt_id: string | null;
}

export async function mailsOf(harness: ApiHarness, where: { jobId?: string; siteId?: string }): Promise<MailRow[]> {
  const result = await harness.db.pool.query<MailRow>(
    `SELECT id::text, kind::text, "to", subject, status::text, attempts, last_error, message_id, invoice_id::text, receipt_id::text
       FROM mail_log WHERE ($1::uuid IS NULL OR job_id = $1::uuid) AND ($2::uuid IS NULL OR site_id = $2::uuid) ORDER BY created_at, id`,
    [where.jobId ?? null, where.siteId ?? null],
  );
  return result.rows;
}

/** The product's logger (its formats attach the log context), writing into an array the test reads. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: "debug" });
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        objectMode: true,
        write(info: Record<string, unknown>, _encoding, done) {
          lines.push(info);
          done();
        },
      }),
    }),
  );
  return { logger, lines };
}
