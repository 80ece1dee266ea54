import http from "node:http";
import https from "node:https";
import { inSite, type TransactionClient } from "@orderdeck/db";
import type { z } from "zod";
import { enqueue } from "../background/enqueue.ts";
import { hasAttemptsLeft, retryDelayMs } from "../background/retry.ts";
import { TASK_PAYLOADS } from "../background/registry.ts";
import { defineTask, type WorkerDependencies } from "../background/task.ts";
import { publicOnlyLookup, redactedUrl, refusedCredentials, refusedLiteral } from "../outbound/destination.ts";
import { deliveryJobKey } from "./events.ts";
import { SealedSecretUnreadable, openSecret } from "./sealed-secret.ts";
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signPayload } from "./signature.ts";

const DeliverPayload = TASK_PAYLOADS.deliver_webhook;
type DeliverPayload = z.output<typeof DeliverPayload>;

type Outcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

function errorText(error: unknown, timeoutMs: number): string {
  if (error instanceof DeliveryTimeout) return `no answer within ${timeoutMs} ms`;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  return (typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message).slice(0, 1000);
}

class DeliveryTimeout extends Error {}

/**
 * One POST: only a 2xx answer within the timeout counts; redirects are not followed. Through
 * node:http rather than fetch, because only it lets the connection use the address the
 * destination check passed (see destination.ts).
 */
async function post(deps: WorkerDependencies, url: string, headers: Record<string, string>, body: string): Promise<Outcome> {
  const { timeoutMs, allowPrivateNetworks } = deps.webhooks;
  const target = new URL(url);
  const refused = refusedCredentials(target) ?? (allowPrivateNetworks ? null : refusedLiteral(target));
  if (refused) return { ok: false, status: null, error: refused.message };
  return new Promise<Outcome>((resolve) => {
    const request = (target.protocol === "https:" ? https : http).request(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        ...(allowPrivateNetworks ? {} : { lookup: publicOnlyLookup }),
      },
      (response) => {
        clearTimeout(timer);
        // The answer's body is not read: only its status counts.
        response.destroy();
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve({ ok: true, status });
        else resolve({ ok: false, status, error: `HTTP ${status} ${response.statusMessage ?? ""}`.trim() });
      },
    );
    const timer = setTimeout(() => request.destroy(new DeliveryTimeout()), timeoutMs);
    request.on("error", (error) => {
      clearTimeout(timer);
      resolve({ ok: false, status: null, error: errorText(error, timeoutMs) });
    });
    request.end(body);
  });
}

/**
 * A delivery was given up: count it against its endpoint, and disable the endpoint once
 * `disableAfter` deliveries in a row were given up (any delivered one resets the count). The
 * disabled endpoint is listed in the exceptions until an admin enables it again.
 */
async function countGivenUp(tx: TransactionClient, deps: WorkerDependencies, siteId: string, endpointId: string): Promise<void> {
  const endpoint = await tx.webhookEndpoint.update({
    where: { id: endpointId, siteId },
    data: { consecutiveFailures: { increment: 1 } },
    select: { consecutiveFailures: true, enabled: true, url: true },
  });
  if (!endpoint.enabled || endpoint.consecutiveFailures < deps.webhooks.disableAfter) return;
  await tx.webhookEndpoint.update({
    where: { id: endpointId, siteId },
    data: {
      enabled: false,
      disabledAt: deps.now(),
      disabledReason: `${endpoint.consecutiveFailures} deliveries in a row were given up after ${deps.webhooks.retry.maxAttempts} attempts each`,
    },
  });
  deps.logger.warn("webhook endpoint disabled", { endpointId, url: redactedUrl(endpoint.url), consecutiveFailures: endpoint.consecutiveFailures });
}

async function record(deps: WorkerDependencies, payload: DeliverPayload, endpointId: string, outcome: Outcome): Promise<void> {
  const { siteId, deliveryId } = payload;
  const now = deps.now();
  await inSite(deps.prisma, siteId, async (tx) => {
    if (outcome.ok) {
      await tx.webhookDelivery.update({
        where: { id: deliveryId, siteId },
        data: { status: "SENT", attempts: { increment: 1 }, responseStatus: outcome.status, lastAttemptAt: now, deliveredAt: now },
      });
      await tx.webhookEndpoint.updateMany({ where: { id: endpointId, siteId, consecutiveFailures: { gt: 0 } }, data: { consecutiveFailures: 0 } });
      return;
    }
    const delivery = await tx.webhookDelivery.update({
      where: { id: deliveryId, siteId },
      data: { attempts: { increment: 1 }, responseStatus: outcome.status, lastError: outcome.error, lastAttemptAt: now },
      select: { attempts: true },
    });
    const retry = deps.webhooks.retry;
    if (!hasAttemptsLeft(retry, delivery.attempts)) {
      await tx.webhookDelivery.update({ where: { id: deliveryId, siteId }, data: { status: "GAVE_UP" } });
      await countGivenUp(tx, deps, siteId, endpointId);
      deps.logger.warn("webhook delivery given up", { deliveryId, attempts: delivery.attempts, error: outcome.error });
      return;
    }
    await tx.webhookDelivery.update({ where: { id: deliveryId, siteId }, data: { status: "FAILED" } });
    const runAt = new Date(now.getTime() + retryDelayMs(retry, delivery.attempts));
    await enqueue(tx, "deliver_webhook", payload, { jobKey: deliveryJobKey(deliveryId), runAt });
    deps.logger.info("webhook delivery failed, will retry", { deliveryId, attempts: delivery.attempts, retryAt: runAt.toISOString(), error: outcome.error });
  });
}

/** Delivers one event to one endpoint (one attempt per job; see record() for what follows). */
export const deliverWebhookTask = defineTask({
  payload: DeliverPayload,
  async run(payload: DeliverPayload, deps) {
    const { siteId, deliveryId } = payload;
    const delivery = await inSite(deps.prisma, siteId, (tx) =>
      tx.webhookDelivery.findFirst({
        where: { id: deliveryId, siteId },
        select: { status: true, eventType: true, payload: true, endpoint: { select: { id: true, url: true, secret: true, enabled: true } } },
      }),
    );
    // Deleted with its endpoint, or pruned: nobody is waiting for it any more.
    if (!delivery || delivery.status === "SENT") return;
    if (!delivery.endpoint.enabled) {
      await inSite(deps.prisma, siteId, (tx) =>
        tx.webhookDelivery.update({
          where: { id: deliveryId, siteId },
          data: { status: "FAILED", lastError: "not sent: the endpoint was disabled before this delivery's turn" },
        }),
      );
      return;
    }
    let secret: string;
    try {
      secret = openSecret(deps.webhooks.secretKey, siteId, delivery.endpoint.secret);
    } catch (error) {
      if (!(error instanceof SealedSecretUnreadable)) throw error;
      await record(deps, payload, delivery.endpoint.id, { ok: false, status: null, error: `not sent: ${error.message}` });
      return;
    }
    const body = JSON.stringify(delivery.payload);
    const timestamp = Math.floor(deps.now().getTime() / 1000);
    const headers = {
      "content-type": "application/json",
      "user-agent": deps.webhooks.userAgent,
      [EVENT_HEADER]: delivery.eventType,
      [DELIVERY_HEADER]: deliveryId,
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signPayload(secret, timestamp, body),
    };
    const outcome = await post(deps, delivery.endpoint.url, headers, body);
    await record(deps, payload, delivery.endpoint.id, outcome);
  },
  async giveUp(tx, { siteId, deliveryId }, reason) {
    await tx.webhookDelivery.updateMany({ where: { id: deliveryId, siteId, status: { not: "SENT" } }, data: { status: "GAVE_UP", lastError: reason.slice(0, 1000) } });
  },
});
