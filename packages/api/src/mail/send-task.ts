import { Prisma, inSite, readInSite, writeInSite, type MailLog } from "@orderdeck/db";
import type { z } from "zod";
import { enqueue } from "../background/enqueue.ts";
import { qrScreenWidth, renderBarcodes } from "../documents/barcodes.ts";
import { ensureStatusLinkStatements, liveStatusToken, statusLinkUrl, type LinkState } from "../pickup/status-link.ts";
import { hasAttemptsLeft, retryDelayMs } from "../background/retry.ts";
import { TASK_PAYLOADS } from "../background/registry.ts";
import { PermanentFailure, defineTask, type WorkerDependencies } from "../background/task.ts";
import { invoicePdf } from "../invoices/service.ts";
import { formatMoney } from "../money/format.ts";
import { receiptPdf } from "../receipts/service.ts";
import type { MoneyCaller } from "../money/common.ts";
import { sendJobKey } from "./queue.ts";
import { READY_MAIL_IMAGES, handoffReminderText, invoiceText, readyForPickupHtml, readyForPickupText, receiptText, type JobFacts } from "./templates.ts";
import { describeMailFailure, type MailAttachment, type MailFailure } from "./transport.ts";

const SendMailPayload = TASK_PAYLOADS.send_mail;
type SendMailPayload = z.output<typeof SendMailPayload>;

interface Composed {
  text: string;
  html?: string;
  attachments: MailAttachment[];
}

/** A Message-ID of the sender's domain, fixed per mail log row. */
function messageIdOf(mailLogId: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? "orderdeck.local";
  return `<mail-${mailLogId}@${domain}>`;
}

function pdfAttachment(file: { filename: string; base64: string }): MailAttachment {
  return { filename: file.filename, content: Buffer.from(file.base64, "base64"), contentType: "application/pdf" };
}

/** The mail log row as sending needs it. */
type LoggedMail = Pick<MailLog, "id" | "siteId" | "kind" | "to" | "subject" | "jobId" | "invoiceId" | "receiptId" | "status" | "attempts">;

interface Facts {
  shop: string;
  job: JobFacts | null;
  invoice: { formattedNumber: string; amountCents: number; currency: string } | null;
  receipt: { formattedNumber: string; amountCents: number; currency: string } | null;
  statusUrl: string | null;
}

/** The mail log row with the facts its text is written from, as one statement reads them. */
interface MailWithFacts extends LoggedMail {
  shop: string | null;
  jobNumber: number | null;
  jobTitle: string;
  pickupCode: string;
  priceCents: number;
  jobCurrency: string;
  paymentStatus: string;
  customerName: string | null;
  invoiceNumber: string | null;
  invoiceAmountCents: number;
  invoiceCurrency: string;
  receiptNumber: string | null;
  receiptAmountCents: number;
  receiptCurrency: string;
  /** Null: the job has no status link yet. */
  linkGeneration: number | null;
  linkRevoked: boolean;
}

// One statement, one snapshot: the row and everything its text says (each join under the site's
// row-level security, as the rows' own reads were).
function mailWithFactsStatement(siteId: string, mailLogId: string): Prisma.Sql {
  return Prisma.sql`
    SELECT m.id::text AS id, m.site_id::text AS "siteId", m.kind::text AS kind, m."to", m.subject,
           m.job_id::text AS "jobId", m.invoice_id::text AS "invoiceId", m.receipt_id::text AS "receiptId",
           m.status::text AS status, m.attempts,
           s.name AS shop,
           j.number AS "jobNumber", j.title AS "jobTitle", j.pickup_code AS "pickupCode", j.price_cents AS "priceCents",
           j.currency AS "jobCurrency", j.payment_status::text AS "paymentStatus", c.name AS "customerName",
           i.formatted_number AS "invoiceNumber", i.amount_cents AS "invoiceAmountCents", i.currency AS "invoiceCurrency",
           r.formatted_number AS "receiptNumber", r.amount_cents AS "receiptAmountCents", r.currency AS "receiptCurrency",
           l.generation AS "linkGeneration", l.token_hash IS NULL AS "linkRevoked"
      FROM mail_log m
      LEFT JOIN sites s ON s.id = m.site_id
      LEFT JOIN jobs j ON j.id = m.job_id AND j.site_id = m.site_id
      LEFT JOIN customers c ON c.id = j.customer_id
      LEFT JOIN invoices i ON i.id = m.invoice_id AND i.site_id = m.site_id
      LEFT JOIN receipts r ON r.id = m.receipt_id AND r.site_id = m.site_id
      LEFT JOIN job_status_links l ON l.job_id = j.id AND l.site_id = m.site_id
     WHERE m.id = ${mailLogId}::uuid AND m.site_id = ${siteId}::uuid`;
}

function loggedMailOf(row: MailWithFacts): LoggedMail {
  const { id, siteId, kind, to, subject, jobId, invoiceId, receiptId, status, attempts } = row;
  return { id, siteId, kind, to, subject, jobId, invoiceId, receiptId, status, attempts };
}

/**
 * The facts of the mail's text from its row. A ready mail's status page link is issued here if
 * the job has none yet (a transaction of its own, committed before the mail is sent), so it works
 * before the mail leaves.
 */
async function factsOf(deps: WorkerDependencies, row: MailWithFacts): Promise<Facts> {
  const job: JobFacts | null =
    row.jobNumber === null
      ? null
      : {
          number: row.jobNumber,
          title: row.jobTitle,
          pickupCode: row.pickupCode,
          priceCents: row.priceCents,
          currency: row.jobCurrency,
          paymentStatus: row.paymentStatus,
          customerName: row.customerName,
        };
  const invoice = row.invoiceNumber === null ? null : { formattedNumber: row.invoiceNumber, amountCents: row.invoiceAmountCents, currency: row.invoiceCurrency };
  const receipt = row.receiptNumber === null ? null : { formattedNumber: row.receiptNumber, amountCents: row.receiptAmountCents, currency: row.receiptCurrency };
  const links = deps.mail.statusLinks;
  let statusUrl: string | null = null;
  if (links && row.kind === "READY_FOR_PICKUP" && row.jobId && job) {
    let link: LinkState | undefined = row.linkGeneration === null ? undefined : { generation: row.linkGeneration, revoked: row.linkRevoked };
    if (!link) {
      const statements = ensureStatusLinkStatements(row.siteId, row.jobId, links.secretKey);
      const [, issued] = await writeInSite(deps.prisma, row.siteId, (tx) => tx.finish<LinkState>(statements));
      link = issued?.[0];
    }
    const token = liveStatusToken(links.secretKey, row.jobId, link);
    statusUrl = token ? statusLinkUrl(links.publicBaseUrl, token) : null;
  }
  return { shop: row.shop ?? "OrderDeck", job, invoice, receipt, statusUrl };
}

/** The body and attachments of a logged mail, from the rows as they are now. */
async function compose(deps: WorkerDependencies, mail: LoggedMail, facts: Facts): Promise<Composed> {
  const caller: MoneyCaller = { prisma: deps.prisma, siteId: mail.siteId, actor: { kind: "SYSTEM" }, requestId: `mail-${mail.id}` };
  const missing = (what: string) => new PermanentFailure(`the ${what} of this ${mail.kind} mail no longer exists; nothing to send`);
  switch (mail.kind) {
    case "READY_FOR_PICKUP": {
      if (!facts.job) throw missing("job");
      // The code as the label prints it, so a phone held under the counter's scanner reads like the label.
      const barcodes = await renderBarcodes(facts.job.pickupCode);
      return {
        text: readyForPickupText(facts.shop, facts.job, facts.statusUrl),
        html: readyForPickupHtml(facts.shop, facts.job, qrScreenWidth(barcodes.qr), facts.statusUrl),
        attachments: [
          { filename: "pickup-code-qr.png", content: barcodes.qr, contentType: "image/png", cid: READY_MAIL_IMAGES.qr },
          { filename: "pickup-code-128.png", content: barcodes.code128, contentType: "image/png", cid: READY_MAIL_IMAGES.code128 },
        ],
      };
    }
    case "INVOICE": {
      if (!facts.job || !facts.invoice || !mail.invoiceId) throw missing("invoice");
      const amount = formatMoney(facts.invoice.amountCents, facts.invoice.currency);
      const pdf = await invoicePdf(caller, mail.invoiceId);
      return { text: invoiceText(facts.shop, facts.job, facts.invoice.formattedNumber, amount), attachments: [pdfAttachment(pdf)] };
    }
    case "RECEIPT": {
      if (!facts.job || !facts.receipt || !mail.receiptId) throw missing("receipt");
      const amount = formatMoney(facts.receipt.amountCents, facts.receipt.currency);
      const pdf = await receiptPdf(caller, mail.receiptId);
      return { text: receiptText(facts.shop, facts.job, facts.receipt.formattedNumber, amount), attachments: [pdfAttachment(pdf)] };
    }
    case "HANDOFF_REMINDER":
      return { text: handoffReminderText(facts.shop, mail.subject), attachments: [] };
  }
}

/**
 * Records a refused or failed send and, while attempts are left, schedules the next one with the
 * configured backoff, in one transaction: the log never says "will retry" without a job to do it.
 * The new job takes this job's key, which also keeps graphile-worker from retrying this one.
 */
async function recordFailedAttempt(deps: WorkerDependencies, mail: LoggedMail, failure: MailFailure): Promise<void> {
  const { siteId, id } = mail;
  await inSite(deps.prisma, siteId, async (tx) => {
    const updated = await tx.mailLog.update({
      where: { id, siteId },
      data: { attempts: { increment: 1 }, lastError: failure.message },
      select: { attempts: true },
    });
    const retry = deps.mail.retry;
    if (failure.permanent || !hasAttemptsLeft(retry, updated.attempts)) {
      await tx.mailLog.update({ where: { id, siteId }, data: { status: "GAVE_UP" } });
      deps.logger.warn("mail given up", { mailLogId: id, kind: mail.kind, attempts: updated.attempts, error: failure.message });
      return;
    }
    await tx.mailLog.update({ where: { id, siteId }, data: { status: "FAILED" } });
    const runAt = new Date(deps.now().getTime() + retryDelayMs(retry, updated.attempts));
    await enqueue(tx, "send_mail", { siteId, mailLogId: id }, { jobKey: sendJobKey(id), runAt });
    deps.logger.info("mail refused, will retry", { mailLogId: id, attempts: updated.attempts, retryAt: runAt.toISOString(), error: failure.message });
  });
}

/**
 * Sends one mail of the mail log. A mail already SENT is not sent again, so a repeated job is
 * harmless; a crash between the SMTP server's acceptance and the log's update can still send it
 * twice, with the same Message-ID, which mail systems use to drop the copy.
 */
export const sendMailTask = defineTask({
  payload: SendMailPayload,
  async run({ siteId, mailLogId }: SendMailPayload, deps) {
    // The log row and the facts of its text in one statement, one round trip.
    const [rows] = await readInSite<MailWithFacts>(deps.prisma, siteId, [mailWithFactsStatement(siteId, mailLogId)]);
    const row = rows?.[0];
    if (!row) {
      deps.logger.info("mail is no longer in the mail log; nothing to send", { mailLogId });
      return;
    }
    if (row.status === "SENT") return;
    const mail = loggedMailOf(row);
    const facts = await factsOf(deps, row);
    const content = await compose(deps, mail, facts);
    let messageId: string;
    try {
      ({ messageId } = await deps.mail.sender.send({
        from: deps.mail.from,
        to: mail.to,
        subject: mail.subject,
        text: content.text,
        ...(content.html === undefined ? {} : { html: content.html }),
        attachments: content.attachments,
        messageId: messageIdOf(mail.id, deps.mail.from),
      }));
    } catch (error) {
      await recordFailedAttempt(deps, mail, describeMailFailure(error));
      return;
    }
    await writeInSite(deps.prisma, siteId, (tx) =>
      tx.finish([
        Prisma.sql`UPDATE mail_log SET status = 'SENT', attempts = attempts + 1, sent_at = ${deps.now()}, message_id = ${messageId} WHERE id = ${mail.id}::uuid AND site_id = ${siteId}::uuid`,
      ]),
    );
    deps.logger.info("mail sent", { mailLogId: mail.id, kind: mail.kind, attempts: mail.attempts + 1 });
  },
  async giveUp(tx, { siteId, mailLogId }, reason) {
    await tx.mailLog.updateMany({ where: { id: mailLogId, siteId, status: { not: "SENT" } }, data: { status: "GAVE_UP", lastError: reason.slice(0, 1000) } });
  },
});
