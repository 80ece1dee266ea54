import type { JobStatus } from "@orderdeck/contracts";
import type { WebhookEventType } from "@orderdeck/contracts";
import type { Prisma } from "@orderdeck/db";
import { isMailAddress, queueMailStatement } from "../mail/queue.ts";
import { subjects } from "../mail/templates.ts";
import type { ReceiptView } from "../receipts/service.ts";
import {
  statusChangedEvent,
  subscribedEndpointsStatement,
  webhookDeliveryStatements,
  webhookJob,
  type SubscribedEndpoint,
  type WebhookJobSource,
} from "../webhooks/events.ts";

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

// What a handover tells webhook receivers, in this order.
const HANDOVER_EVENTS: ReadonlyArray<{ type: WebhookEventType }> = [{ type: "job.status_changed" }, { type: "job.picked_up" }];

/** The site's endpoints subscribed to a handover's events, read with the handover's first batch. */
export function handoverEndpointsStatement(siteId: string): Prisma.Sql {
  return subscribedEndpointsStatement(siteId, HANDOVER_EVENTS);
}

/**
 * What a handover sets off, as statements of its own transaction: the receipt mail (the newest
 * receipt, as a PDF) when the customer has an address, and the job.status_changed and
 * job.picked_up webhooks to `endpoints` (handoverEndpointsStatement's rows). A job is handed over
 * once, so its job id keys the mail.
 */
export function afterHandoverStatements(handover: Handover, endpoints: readonly SubscribedEndpoint[]): Prisma.Sql[] {
  const { siteId, job } = handover;
  const receipt = handover.receipts[0];
  const email = job.customer?.email;
  const mail =
    receipt && isMailAddress(email)
      ? [
          queueMailStatement({
            siteId,
            kind: "RECEIPT",
            to: email,
            subject: subjects.receipt(handover.siteName, receipt.number, job),
            jobId: job.id,
            receiptId: receipt.id,
            dedupeKey: `pickup-receipt:${job.id}`,
          }).statement,
        ]
      : [];
  return [
    ...mail,
    ...webhookDeliveryStatements(siteId, [
      statusChangedEvent(job, handover.from, handover.at),
      {
        type: "job.picked_up",
        occurredAt: handover.at,
        data: { job: { ...webhookJob(job) }, pickedUpAt: handover.at.toISOString(), stationId: handover.stationId, receipts: receipt ? [receipt.number] : [] },
      },
    ], endpoints),
  ];
}
