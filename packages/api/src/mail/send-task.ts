import { inSite, type MailLog, type TransactionClient } from "@orderdeck/db";
import type { z } from "zod";
import { enqueue } from "../background/enqueue.ts";
import { renderBarcodes } from "../documents/barcodes.ts";
import { ensureStatusLink, statusLinkUrl } from "../pickup/status-link.ts";
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

type Facts = Awaited<ReturnType<typeof loadFacts>>;

/**
 * The facts a mail's text is written from, as they are now, in the caller's transaction. A ready
 * mail's status page link is issued here if the job has none yet, so it works before the mail leaves.
 */
async function loadFacts(tx: TransactionClient, mail: MailLog, links: WorkerDependencies["mail"]["statusLinks"]) {
  const site = await tx.site.findFirst({ where: { id: mail.siteId }, select: { name: true } });
  const job = mail.jobId
    ? await tx.job.findFirst({
        where: { id: mail.jobId, siteId: mail.siteId },
        select: {
          number: true,
          title: true,
          pickupCode: true,
          priceCents: true,
          currency: true,
          paymentStatus: true,
          customer: { select: { name: true } },
        },
      })
    : null;
  const invoice = mail.invoiceId
    ? await tx.invoice.findFirst({ where: { id: mail.invoiceId, siteId: mail.siteId }, select: { formattedNumber: true, amountCents: true, currency: true } })
    : null;
  const receipt = mail.receiptId
    ? await tx.receipt.findFirst({ where: { id: mail.receiptId, siteId: mail.siteId }, select: { formattedNumber: true, amountCents: true, currency: true } })
    : null;
  const jobFacts: JobFacts | null = job
    ? {
        number: job.number,
        title: job.title,
        pickupCode: job.pickupCode,
        priceCents: job.priceCents,
        currency: job.currency,
        paymentStatus: job.paymentStatus,
        customerName: job.customer?.name ?? null,
      }
    : null;
  const statusToken = links && mail.kind === "READY_FOR_PICKUP" && mail.jobId && job ? await ensureStatusLink(tx, mail.siteId, mail.jobId, links.secretKey) : null;
  const statusUrl = statusToken ? statusLinkUrl(links?.publicBaseUrl, statusToken) : null;
  return { shop: site?.name ?? "OrderDeck", job: jobFacts, invoice, receipt, statusUrl };
}

/** The body and attachments of a logged mail, from the rows as they are now. */
async function compose(deps: WorkerDependencies, mail: MailLog, facts: Facts): Promise<Composed> {
  const caller: MoneyCaller = { prisma: deps.prisma, siteId: mail.siteId, actor: { kind: "SYSTEM" }, requestId: `mail-${mail.id}` };
  const missing = (what: string) => new PermanentFailure(`the ${what} of this ${mail.kind} mail no longer exists; nothing to send`);
  switch (mail.kind) {
    case "READY_FOR_PICKUP": {
      if (!facts.job) throw missing("job");
      // The code as the label prints it, so a phone held under the counter's scanner reads like the label.
      const barcodes = await renderBarcodes(facts.job.pickupCode);
      return {
        text: readyForPickupText(facts.shop, facts.job, facts.statusUrl),
        html: readyForPickupHtml(facts.shop, facts.job, facts.statusUrl),
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
async function recordFailedAttempt(deps: WorkerDependencies, mail: MailLog, failure: MailFailure): Promise<void> {
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
    // The log row and the facts of its text in one transaction (one snapshot, one round of
    // BEGIN/COMMIT); the PDFs are rendered by money's own reads after it.
    const found = await inSite(deps.prisma, siteId, async (tx) => {
      const row = await tx.mailLog.findFirst({ where: { id: mailLogId, siteId } });
      if (!row || row.status === "SENT") return { mail: row, facts: null };
      return { mail: row, facts: await loadFacts(tx, row, deps.mail.statusLinks) };
    });
    const { mail, facts } = found;
    if (!mail) {
      deps.logger.info("mail is no longer in the mail log; nothing to send", { mailLogId });
      return;
    }
    if (mail.status === "SENT" || !facts) return;
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
    await inSite(deps.prisma, siteId, (tx) =>
      tx.mailLog.update({
        where: { id: mail.id, siteId },
        data: { status: "SENT", attempts: { increment: 1 }, sentAt: deps.now(), messageId },
        select: { id: true },
      }),
    );
    deps.logger.info("mail sent", { mailLogId: mail.id, kind: mail.kind, attempts: mail.attempts + 1 });
  },
  async giveUp(tx, { siteId, mailLogId }, reason) {
    await tx.mailLog.updateMany({ where: { id: mailLogId, siteId, status: { not: "SENT" } }, data: { status: "GAVE_UP", lastError: reason.slice(0, 1000) } });
  },
});
