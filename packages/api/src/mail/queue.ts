import { randomUUID } from "node:crypto";
import type { MailKind } from "@orderdeck/contracts";
import { Prisma, type TransactionClient } from "@orderdeck/db";
import { enqueueCall } from "../background/enqueue.ts";

export interface QueuedMail {
  siteId: string;
  kind: MailKind;
  to: string;
  subject: string;
  jobId?: string | null;
  invoiceId?: string | null;
  receiptId?: string | null;
  /** Makes the mail one of a kind at the site: queueing the same key again queues nothing. */
  dedupeKey?: string;
}

// The mail_log CHECKs: an address the column cannot hold is not an address.
const ADDRESS = /^[^\s@]+@[^\s@]+$/;
const SUBJECT_MAX = 300;

export function isMailAddress(value: string | null | undefined): value is string {
  return typeof value === "string" && value.length >= 3 && value.length <= 254 && ADDRESS.test(value);
}

/** Keeps a subject (built from job titles and site names) within the mail log's bound. */
export function clipSubject(subject: string): string {
  return subject.length > SUBJECT_MAX ? `${subject.slice(0, SUBJECT_MAX - 1)}…` : subject;
}

/** The graphile job key of a mail's send job: one waiting send per mail. */
export function sendJobKey(mailLogId: string): string {
  return `mail:${mailLogId}`;
}

/**
 * Puts a mail in the mail log (PENDING) and enqueues its sending, both inside `tx`, the
 * transaction of the change the mail is about: a rolled-back change leaves no row and no job.
 * Returns the mail log id, or null when the dedupe key was taken (the mail exists already).
 */
export async function queueMail(tx: TransactionClient, mail: QueuedMail): Promise<string | null> {
  const { id, statement } = queueMailStatement(mail);
  return queuedMailOf(id, await tx.$queryRaw<QueuedMailRow[]>(statement));
}

/** What queueMailStatement answers: the row and its send job, or no row when the dedupe key was taken. */
export interface QueuedMailRow {
  id: string;
  job: string | null;
}

/**
 * queueMail as one statement, for a caller that sends it with the change's other statements:
 * the send job is enqueued only when the row was inserted (a taken dedupe key inserts nothing, so
 * nothing is enqueued).
 */
export function queueMailStatement(mail: QueuedMail): { id: string; statement: Prisma.Sql } {
  const id = randomUUID();
  const statement = Prisma.sql`
    WITH mail AS (
      INSERT INTO mail_log (id, site_id, kind, "to", subject, job_id, invoice_id, receipt_id, status, attempts, dedupe_key)
      VALUES (${id}::uuid, ${mail.siteId}::uuid, ${mail.kind}::mail_kind, ${mail.to}, ${clipSubject(mail.subject)},
              ${mail.jobId ?? null}::uuid, ${mail.invoiceId ?? null}::uuid, ${mail.receiptId ?? null}::uuid,
              'PENDING', 0, ${mail.dedupeKey ?? null})
      ON CONFLICT (site_id, dedupe_key) DO NOTHING
      RETURNING id
    )
    SELECT mail.id::text AS id, ${enqueueCall("send_mail", { siteId: mail.siteId, mailLogId: id }, { jobKey: sendJobKey(id) })} AS job FROM mail`;
  return { id, statement };
}

/** The mail's id from queueMailStatement's rows, or null when it was queued before. */
function queuedMailOf(id: string, inserted: QueuedMailRow[]): string | null {
  if (inserted.length === 0) return null;
  if (!inserted[0]?.job) throw new Error("app_enqueue returned no job id for send_mail");
  return id;
}
