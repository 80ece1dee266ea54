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

/** What a job must carry to be told to webhook receivers (and, with its customer, mailed about). */
export interface WebhookJobSource {
  id: string;
  number: number;
  title: string;
  status: JobStatus;
  fulfilment: Fulfilment;
  paymentStatus: PaymentStatus;
}

export function webhookJob(job: WebhookJobSource): WebhookJob {
  return {
    id: job.id,
    number: formatJobNumber(job.number),
    title: job.title,
    status: job.status,
    fulfilment: job.fulfilment,
    paymentStatus: job.paymentStatus,
  };
}

/** job.status_changed: every path that moves a job's status tells it the same way. */
export function statusChangedEvent(job: WebhookJobSource, from: JobStatus, at: Date): Omit<WebhookEvent, "siteId"> {
  return { type: "job.status_changed", occurredAt: at, data: { job: { ...webhookJob(job) }, from, to: job.status } };
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
  return emitWebhookEvents(tx, event.siteId, [event]);
}

/**
 * Several events of one change (e.g. a handover's job.status_changed and job.picked_up), in
 * order: the site's subscribed endpoints are read once for all of them.
 */
export async function emitWebhookEvents(tx: TransactionClient, siteId: string, events: readonly Omit<WebhookEvent, "siteId">[]): Promise<number> {
  if (events.length === 0) return 0;
  const endpoints = await tx.webhookEndpoint.findMany({
    where: { siteId, enabled: true, eventTypes: { hasSome: events.map((e) => e.type) } },
    select: { id: true, eventTypes: true },
    orderBy: { id: "asc" },
  });
  let delivered = 0;
  for (const event of events) {
    const subscribed = endpoints.filter((endpoint) => endpoint.eventTypes.includes(event.type));
    if (subscribed.length === 0) continue;
    const envelope = { id: randomUUID(), type: event.type, occurredAt: event.occurredAt.toISOString(), siteId, data: event.data };
    for (const endpoint of subscribed) {
      const delivery = await tx.webhookDelivery.create({
        data: { siteId, endpointId: endpoint.id, eventType: event.type, payload: envelope },
        select: { id: true },
      });
      await enqueue(tx, "deliver_webhook", { siteId, deliveryId: delivery.id }, { jobKey: deliveryJobKey(delivery.id) });
      delivered++;
    }
  }
  return delivered;
}
