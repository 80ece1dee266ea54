import { randomUUID } from "node:crypto";
import { formatJobNumber, type Fulfilment, type JobStatus, type PaymentStatus, type WebhookEventType } from "@orderdeck/contracts";
import { Prisma, type TransactionClient } from "@orderdeck/db";
import { enqueueCall } from "../background/enqueue.ts";

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
  const endpoints = await tx.$queryRaw<SubscribedEndpoint[]>(subscribedEndpointsStatement(siteId, events));
  const deliveries = webhookDeliveryStatements(siteId, events, endpoints);
  for (const delivery of deliveries) await tx.$queryRaw(delivery);
  return deliveries.length;
}

/** An enabled endpoint of the site and the event types it subscribed to. */
export interface SubscribedEndpoint {
  id: string;
  event_types: string[];
}

/** The site's enabled endpoints subscribed to any of `events`' types, read once for all of them. */
export function subscribedEndpointsStatement(siteId: string, events: readonly Pick<WebhookEvent, "type">[]): Prisma.Sql {
  return Prisma.sql`
    SELECT id::text AS id, event_types FROM webhook_endpoints
     WHERE site_id = ${siteId}::uuid AND enabled AND event_types && ${events.map((e) => e.type)}::text[]
     ORDER BY id`;
}

/**
 * One statement per delivery, each writing the delivery row and enqueueing its job. A delivery is
 * dated when it is made (as job events are), so a change's events list in the order they happened.
 */
export function webhookDeliveryStatements(siteId: string, events: readonly Omit<WebhookEvent, "siteId">[], endpoints: readonly SubscribedEndpoint[]): Prisma.Sql[] {
  return events.flatMap((event) => {
    const subscribed = endpoints.filter((endpoint) => endpoint.event_types.includes(event.type));
    if (subscribed.length === 0) return [];
    const envelope = JSON.stringify({ id: randomUUID(), type: event.type, occurredAt: event.occurredAt.toISOString(), siteId, data: event.data });
    return subscribed.map((endpoint) => {
      const deliveryId = randomUUID();
      return Prisma.sql`
        WITH delivery AS (
          INSERT INTO webhook_deliveries (id, site_id, endpoint_id, event_type, payload, created_at)
          VALUES (${deliveryId}::uuid, ${siteId}::uuid, ${endpoint.id}::uuid, ${event.type}, ${envelope}::jsonb, ${new Date()}::timestamptz)
          RETURNING id
        )
        SELECT ${enqueueCall("deliver_webhook", { siteId, deliveryId }, { jobKey: deliveryJobKey(deliveryId) })} AS job FROM delivery`;
    });
  });
}
