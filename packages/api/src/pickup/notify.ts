import type { JobStatus } from "@orderdeck/contracts";
import type { TransactionClient } from "@orderdeck/db";
import { isMailAddress, queueMail } from "../mail/queue.ts";
import { subjects } from "../mail/templates.ts";
import type { ReceiptView } from "../receipts/service.ts";
import { emitWebhookEvents, statusChangedEvent, webhookJob, type WebhookJobSource } from "../webhooks/events.ts";

export interface Handover {
  siteId: string;
  siteName: string;
  job: WebhookJobSource & { customer: { email: string | null } | null };
  from: JobStatus;
  at: Date;
  /** The job's receipts after the handover, newest first. */
  receipts: ReceiptView[];
  stationId: string;
}

/**
 * What a handover sets off, in its own transaction: the receipt mail (the newest receipt, as a
 * PDF) when the customer has an address, and the job.status_changed and job.picked_up webhooks.
 * A job is handed over once, so its job id keys the mail.
 */
export async function afterHandover(tx: TransactionClient, handover: Handover): Promise<void> {
  const { siteId, job } = handover;
  const receipt = handover.receipts[0];
  const email = job.customer?.email;
  if (receipt && isMailAddress(email)) {
    await queueMail(tx, {
      siteId,
      kind: "RECEIPT",
      to: email,
      subject: subjects.receipt(handover.siteName, receipt.number, job),
      jobId: job.id,
      receiptId: receipt.id,
      dedupeKey: `pickup-receipt:${job.id}`,
    });
  }
  await emitWebhookEvents(tx, siteId, [
    statusChangedEvent(job, handover.from, handover.at),
    {
      type: "job.picked_up",
      occurredAt: handover.at,
      data: { job: { ...webhookJob(job) }, pickedUpAt: handover.at.toISOString(), stationId: handover.stationId, receipts: receipt ? [receipt.number] : [] },
    },
  ]);
}
