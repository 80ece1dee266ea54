// What the cluster scenario reads once the faults are over: the background queue drained, and
// every mail sent once in the log and at the SMTP sink.
import type { MailSink } from "@orderdeck/mail-sink";
import { WORKER_SCHEMA } from "@orderdeck/db";
import type pg from "pg";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Jobs still queued, running or waiting for a retry, by task (cron ticks of the schedule left out). */
async function pendingWork(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ task: string; n: number }>(
    `SELECT t.identifier AS task, count(*)::int AS n
       FROM ${WORKER_SCHEMA}._private_jobs j JOIN ${WORKER_SCHEMA}._private_tasks t ON t.id = j.task_id
      WHERE t.identifier NOT IN ('retention_sweep', 'handoff_reminders', 'intake_sweep')
      GROUP BY t.identifier`,
  );
  return Object.fromEntries(rows.map((r) => [r.task, r.n]));
}

async function mailByStatus(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: number }>(`SELECT status::text, count(*)::int AS n FROM mail_log GROUP BY status`);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Waits until no background job is left and every mail of the log is SENT; fails naming what is left. */
export async function backgroundDrained(pool: pg.Pool, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [work, mail] = await Promise.all([pendingWork(pool), mailByStatus(pool)]);
    const unsent = Object.entries(mail).filter(([status]) => status !== "SENT");
    if (Object.keys(work).length === 0 && unsent.length === 0) return;
    if (Date.now() > deadline) throw new Error(`background work left after ${timeoutMs} ms: jobs ${JSON.stringify(work)}, mail ${JSON.stringify(mail)}`);
    await sleep(250);
  }
}

/** Jobs graphile-worker gave up on (every attempt failed): none may be. */
export async function failedJobs(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ task: string; last_error: string | null }>(
    `SELECT t.identifier AS task, j.last_error FROM ${WORKER_SCHEMA}._private_jobs j JOIN ${WORKER_SCHEMA}._private_tasks t ON t.id = j.task_id
      WHERE j.attempts >= j.max_attempts`,
  );
  return rows.map((r) => `${r.task}: ${r.last_error ?? ""}`);
}

export interface MailReport {
  logged: number;
  /** Mails of the log that never reached the sink under their Message-ID, or reached it under another. */
  missing: string[];
  /** Messages at the sink that no mail of the log names. */
  strangers: string[];
  /** Extra copies of a mail, under its own Message-ID (which a receiving mail system drops). */
  copies: number;
}

/**
 * Every mail of the log reached the sink under its own Message-ID, and nothing else did. A mail
 * can arrive twice only as the very same message: accepted by the SMTP server, then its worker
 * killed (or its database gone) before the log recorded it, so the next attempt sends it again.
 */
export async function mailDelivery(pool: pg.Pool, sink: MailSink): Promise<MailReport> {
  const { rows } = await pool.query<{ id: string; message_id: string | null }>(`SELECT id::text, message_id FROM mail_log WHERE status = 'SENT'`);
  const received = new Map<string, number>();
  for (const message of sink.messages) if (message.messageId) received.set(message.messageId, (received.get(message.messageId) ?? 0) + 1);
  const logged = new Set(rows.map((r) => r.message_id));
  return {
    logged: rows.length,
    missing: rows.filter((r) => !r.message_id || !received.has(r.message_id)).map((r) => r.id),
    strangers: [...received.keys()].filter((id) => !logged.has(id)),
    copies: sink.messages.length - received.size,
  };
}
