import { randomUUID } from "node:crypto";
import { formatJobNumber, type Fulfilment, type JobStatus, type PaymentStatus, type WebhookEventType } from "@orderdeck/contracts";
import type { Prisma, TransactionClient } from "@orderdeck/db";
import { enqueue } from "../background/enqueue.ts";

/** The job as webhook receivers see it: no pickup code (it hands the job over) and no customer details. */
export interface WebhookJob {
  id: string;
  number: string;
  title: string;
  status: JobStatus;
  fulfilment: Fulfilment;
  paymentStatus: PaymentStatus;
}

export function webhookJob(job: { id: string; number: number; title: string; status: JobStatus; fulfilment: Fulfilment; paymentStatus: PaymentStatus }): WebhookJob {
  return {
    id: job.id,
    number: formatJobNumber(job.number),
    title: job.title,
    status: job.status,
    fulfilment: job.fulfilment,
    paymentStatus: job.paymentStatus,
  };
}

export interface WebhookEvent {
  siteId: string;
  type: WebhookEventType;
  occurredAt: Date;
  data: Prisma.InputJsonObject;
}

/** The graphile job key of a delivery's job: one waiting attempt per delivery. */
export function deliveryJobKey(deliveryId: string): string {
  return `webhook:${deliveryId}`;
}

/**
 * Fans an event out to every enabled endpoint of the site that subscribed to its type: one
 * delivery row and one job each, inside `tx`, the transaction of the change the event reports.
 * The body each endpoint receives is stored with its delivery, so every attempt sends (and
 * signs) the same bytes.
 */
export async function emitWebhookEvent(tx: TransactionClient, event: WebhookEvent): Promise<number> {
  const endpoints = await tx.webhookEndpoint.findMany({
    where: { siteId: event.siteId, enabled: true, eventTypes: { has: event.type } },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  if (endpoints.length === 0) return 0;
  const envelope = { id: randomUUID(), type: event.type, occurredAt: event.occurredAt.toISOString(), siteId: event.siteId, data: event.data };
  for (const endpoint of endpoints) {
    const delivery = await tx.webhookDelivery.create({
      data: { siteId: event.siteId, endpointId: endpoint.id, eventType: event.type, payload: envelope },
      select: { id: true },
    });
    await enqueue(tx, "deliver_webhook", { siteId: event.siteId, deliveryId: delivery.id }, { jobKey: deliveryJobKey(delivery.id) });
  }
  return endpoints.length;
}
