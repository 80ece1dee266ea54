import {
  DomainError,
  type DeliveryStatus,
  type WebhookDeliveryPage,
  type WebhookEndpointView,
  type WebhookEndpointWithSecret,
  type WebhookEventType,
} from "@orderdeck/contracts";
import { inSite, type Prisma, type TransactionClient } from "@orderdeck/db";
import { writeCallerAudit } from "../audit/log.ts";
import type { AuthedContext } from "../context.ts";
import { redactedUrl, unsavableUrl } from "../outbound/destination.ts";
import { sealSecret, storedHint } from "./sealed-secret.ts";
import { newWebhookSecret } from "./signature.ts";

const endpointSelect = {
  id: true,
  url: true,
  secret: true,
  eventTypes: true,
  enabled: true,
  consecutiveFailures: true,
  disabledAt: true,
  disabledReason: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.WebhookEndpointSelect;

type EndpointRow = Prisma.WebhookEndpointGetPayload<{ select: typeof endpointSelect }>;

function viewOf(row: EndpointRow): WebhookEndpointView {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.eventTypes as WebhookEventType[],
    enabled: row.enabled,
    consecutiveFailures: row.consecutiveFailures,
    disabledAt: row.disabledAt?.toISOString() ?? null,
    disabledReason: row.disabledReason,
    secretHint: `…${storedHint(row.secret)}`,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

async function endpointOf(tx: TransactionClient, siteId: string, id: string): Promise<EndpointRow> {
  const row = await tx.webhookEndpoint.findFirst({ where: { id, siteId }, select: endpointSelect });
  if (!row) throw new DomainError("NOT_FOUND", "That webhook endpoint does not exist (or not at this site).");
  return row;
}

/** Refuses a URL no delivery could use (destination.ts decides), before it is saved. */
function checkSavable(ctx: AuthedContext, url: string): void {
  const problem = unsavableUrl(new URL(url), ctx.webhookDestinations?.allowPrivateNetworks ?? false);
  if (problem) throw new DomainError("VALIDATION_FAILED", problem, { field: "url" });
}

export async function listEndpoints(ctx: AuthedContext): Promise<WebhookEndpointView[]> {
  const { siteId } = ctx.principal;
  const rows = await inSite(ctx.prisma, siteId, (tx) =>
    tx.webhookEndpoint.findMany({ where: { siteId }, select: endpointSelect, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
  );
  return rows.map(viewOf);
}

export async function createEndpoint(ctx: AuthedContext, input: { url: string; eventTypes: WebhookEventType[] }): Promise<WebhookEndpointWithSecret> {
  const { siteId } = ctx.principal;
  checkSavable(ctx, input.url);
  const secret = newWebhookSecret();
  return inSite(ctx.prisma, siteId, async (tx) => {
    const row = await tx.webhookEndpoint.create({ data: { siteId, url: input.url, eventTypes: input.eventTypes, secret: sealSecret(ctx.sessions.secretKey, siteId, secret) }, select: endpointSelect });
    await writeCallerAudit(tx, ctx, {
      action: "webhook.create",
      target: `webhook:${row.id}`,
      details: { url: redactedUrl(row.url), eventTypes: row.eventTypes },
    });
    return { endpoint: viewOf(row), secret };
  });
}

export interface EndpointUpdate {
  id: string;
  url?: string | undefined;
  eventTypes?: WebhookEventType[] | undefined;
  enabled?: boolean | undefined;
}

/** Enabling an endpoint (again) clears its failure count and the exception its disabling raised. */
export async function updateEndpoint(ctx: AuthedContext, input: EndpointUpdate): Promise<WebhookEndpointView> {
  const { siteId } = ctx.principal;
  if (input.url !== undefined) checkSavable(ctx, input.url);
  return inSite(ctx.prisma, siteId, async (tx) => {
    const current = await endpointOf(tx, siteId, input.id);
    const data: Prisma.WebhookEndpointUpdateInput = {};
    if (input.url !== undefined) data.url = input.url;
    if (input.eventTypes !== undefined) data.eventTypes = input.eventTypes;
    if (input.enabled === true && !current.enabled) {
      Object.assign(data, { enabled: true, consecutiveFailures: 0, disabledAt: null, disabledReason: null });
    } else if (input.enabled === false && current.enabled) {
      data.enabled = false;
    }
    if (Object.keys(data).length === 0) return viewOf(current);
    const row = await tx.webhookEndpoint.update({ where: { id: current.id, siteId }, data, select: endpointSelect });
    await writeCallerAudit(tx, ctx, {
      action: "webhook.update",
      target: `webhook:${row.id}`,
      details: {
        ...(input.url !== undefined ? { url: redactedUrl(row.url) } : {}),
        ...(input.eventTypes !== undefined ? { eventTypes: row.eventTypes } : {}),
        ...(data.enabled !== undefined ? { enabled: row.enabled } : {}),
      },
    });
    return viewOf(row);
  });
}

/** Deletes the endpoint and its delivery log; waiting deliveries find nothing to send and end. */
export async function deleteEndpoint(ctx: AuthedContext, input: { id: string }): Promise<{ id: string }> {
  const { siteId } = ctx.principal;
  return inSite(ctx.prisma, siteId, async (tx) => {
    const current = await endpointOf(tx, siteId, input.id);
    await tx.webhookEndpoint.delete({ where: { id: current.id, siteId } });
    await writeCallerAudit(tx, ctx, { action: "webhook.delete", target: `webhook:${current.id}`, details: { url: redactedUrl(current.url) } });
    return { id: current.id };
  });
}

/** A new secret takes effect for every attempt from now on, retries of older events included. */
export async function rotateSecret(ctx: AuthedContext, input: { id: string }): Promise<WebhookEndpointWithSecret> {
  const { siteId } = ctx.principal;
  const secret = newWebhookSecret();
  return inSite(ctx.prisma, siteId, async (tx) => {
    const current = await endpointOf(tx, siteId, input.id);
    const row = await tx.webhookEndpoint.update({ where: { id: current.id, siteId }, data: { secret: sealSecret(ctx.sessions.secretKey, siteId, secret) }, select: endpointSelect });
    await writeCallerAudit(tx, ctx, { action: "webhook.rotate_secret", target: `webhook:${row.id}` });
    return { endpoint: viewOf(row), secret };
  });
}

/** The delivery log, newest first, a page at a time (keyset on creation time and id). */
export async function listDeliveries(
  ctx: AuthedContext,
  input: { endpointId?: string | undefined; status?: DeliveryStatus | undefined; cursor?: string | undefined; limit: number },
): Promise<WebhookDeliveryPage> {
  const { siteId } = ctx.principal;
  return inSite(ctx.prisma, siteId, async (tx) => {
    const where: Prisma.WebhookDeliveryWhereInput = { siteId };
    if (input.endpointId) where.endpointId = input.endpointId;
    if (input.status) where.status = input.status;
    if (input.cursor) {
      const after = await tx.webhookDelivery.findFirst({ where: { id: input.cursor, siteId }, select: { createdAt: true, id: true } });
      if (!after) throw new DomainError("VALIDATION_FAILED", "That cursor is not a delivery of this site; start again from the first page.");
      where.OR = [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }];
    }
    const rows = await tx.webhookDelivery.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: input.limit + 1,
      select: {
        id: true,
        endpointId: true,
        eventType: true,
        status: true,
        attempts: true,
        responseStatus: true,
        lastError: true,
        createdAt: true,
        lastAttemptAt: true,
        deliveredAt: true,
      },
    });
    const page = rows.slice(0, input.limit);
    return {
      deliveries: page.map((d) => ({
        ...d,
        createdAt: d.createdAt.toISOString(),
        lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
        deliveredAt: d.deliveredAt?.toISOString() ?? null,
      })),
      nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
    };
  });
}
