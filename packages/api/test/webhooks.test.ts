// Outbound webhooks against real HTTP receivers on 127.0.0.1: signed deliveries, retries until a
// 2xx, timeouts, the delivery log, endpoints disabled after deliveries given up in a row (and the
// exception that raises), and the admin procedures that manage endpoints.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { SealedSecretUnreadable, openSecret } from "../src/webhooks/sealed-secret.ts";
import { verifySignature } from "../src/webhooks/signature.ts";
import { eventually, graphileJobs, testWorkerDeps, testWorkerForFile } from "./background-helpers.ts";
import { apiHarnessForFile, refusalOf, type SiteFixture } from "./harness.ts";
import { insertJob } from "./jobs-fixtures.ts";

const TIMEOUT_MS = 400;
const DISABLE_AFTER = 2;

const receivers: Receiver[] = [];

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

interface Receiver {
  url: string;
  requests: Received[];
  server: Server;
}

/** An HTTP receiver answering with the given statuses in turn (then the last one forever); "hang" never answers. */
async function receiver(answers: Array<number | "hang">): Promise<Receiver> {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const answer = answers[Math.min(requests.length - 1, answers.length - 1)];
      if (answer === "hang") return;
      res.writeHead(answer ?? 200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const made = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/orderdeck`, requests, server };
  receivers.push(made);
  return made;
}

// The receivers below listen on 127.0.0.1: this shop delivers inside its own network.
const harness = await apiHarnessForFile({ webhookDestinations: { allowPrivateNetworks: true } });
afterAll(async () => {
  for (const r of receivers) {
    r.server.closeAllConnections();
    r.server.close();
  }
});

// Registered after the receivers are: stopped before they close, as it sends to them.
await testWorkerForFile(
  harness,
  testWorkerDeps(harness, undefined, {
    webhooks: { timeoutMs: TIMEOUT_MS, disableAfter: DISABLE_AFTER, retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 }, userAgent: "OrderDeck-Webhooks/test", allowPrivateNetworks: true, secretKey: harness.deps.sessions.secretKey },
  }),
);

async function deliveriesOf(endpointId: string) {
  return harness.db.prisma.webhookDelivery.findMany({ where: { endpointId }, orderBy: { createdAt: "asc" } });
}

async function settledDeliveries(endpointId: string, count: number) {
  return eventually(`${count} settled deliveries of ${endpointId}`, async () => {
    const rows = await deliveriesOf(endpointId);
    return rows.length === count && rows.every((d) => d.status === "SENT" || d.status === "GAVE_UP") ? rows : undefined;
  });
}

async function moveJob(site: SiteFixture) {
  const job = await insertJob(harness, site, { status: "QUEUED", title: "Drone frame" });
  await site.as.STAFF.jobs.transition({ id: job.id, to: "IN_PROGRESS" });
  return job;
}

describe("delivery", () => {
  it("a receiver that fails twice and then answers 200 gets the event, signed; the log shows three attempts", async () => {
    const site = await harness.createSite("Hooks Retry");
    const target = await receiver([500, 503, 200]);
    const { endpoint, secret } = await site.as.ADMIN.webhooks.create({ url: target.url, eventTypes: ["job.status_changed"] });
    const job = await moveJob(site);

    const [delivery] = await settledDeliveries(endpoint.id, 1);
    expect(delivery).toMatchObject({ status: "SENT", attempts: 3, responseStatus: 200, eventType: "job.status_changed" });
    expect(delivery?.deliveredAt).not.toBeNull();
    expect(target.requests).toHaveLength(3);
    for (const request of target.requests) {
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers["orderdeck-event"]).toBe("job.status_changed");
      expect(request.headers["orderdeck-delivery"]).toBe(delivery?.id);
      const headers = { timestamp: String(request.headers["orderdeck-timestamp"]), signature: String(request.headers["orderdeck-signature"]) };
      expect(headers.signature).toMatch(/^v1=[0-9a-f]{64}$/);
      expect(verifySignature(secret, headers, request.body)).toBe(true);
      // Anyone without the secret, or a changed body, does not verify.
      expect(verifySignature(`${secret}x`, headers, request.body)).toBe(false);
      expect(verifySignature(secret, headers, request.body.replace("IN_PROGRESS", "CANCELLED"))).toBe(false);
    }
    const bodies = target.requests.map((r) => JSON.parse(r.body) as { id: string; type: string; data: { job: { id: string; status: string }; from: string; to: string } });
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(bodies[0]).toMatchObject({ type: "job.status_changed", data: { job: { id: job.id, status: "IN_PROGRESS" }, from: "QUEUED", to: "IN_PROGRESS" } });
    expect(JSON.stringify(bodies[0])).not.toContain(job.pickupCode);
    const page = await site.as.ADMIN.webhooks.deliveries({ endpointId: endpoint.id });
    expect(page.deliveries).toEqual([expect.objectContaining({ id: delivery?.id, status: "SENT", attempts: 3, responseStatus: 200 })]);
  });

  it("a receiver that does not answer in time is a failed attempt; only 2xx counts", async () => {
    const site = await harness.createSite("Hooks Timeout");
    const hanging = await receiver(["hang"]);
    const redirecting = await receiver([302]);
    const slow = await site.as.ADMIN.webhooks.create({ url: hanging.url, eventTypes: ["job.status_changed"] });
    const moved = await site.as.ADMIN.webhooks.create({ url: redirecting.url, eventTypes: ["job.status_changed"] });
    await moveJob(site);

    const [timedOut] = await settledDeliveries(slow.endpoint.id, 1);
    expect(timedOut).toMatchObject({ status: "GAVE_UP", attempts: 3, responseStatus: null, lastError: `no answer within ${TIMEOUT_MS} ms` });
    const [redirected] = await settledDeliveries(moved.endpoint.id, 1);
    expect(redirected).toMatchObject({ status: "GAVE_UP", attempts: 3, responseStatus: 302 });
    expect(redirected?.lastError).toMatch(/^HTTP 302/);
    const exceptions = await site.as.STAFF.exceptions.list({ kinds: ["WEBHOOK_FAILED"] });
    expect(exceptions.items.map((e) => e.refId).sort()).toEqual([timedOut?.id, redirected?.id].sort());
  });

  it(`an endpoint is disabled after ${DISABLE_AFTER} deliveries in a row were given up, raising an exception until re-enabled`, async () => {
    const site = await harness.createSite("Hooks Disable");
    const broken = await receiver([500]);
    const { endpoint } = await site.as.ADMIN.webhooks.create({ url: broken.url, eventTypes: ["job.status_changed"] });
    await moveJob(site);
    await settledDeliveries(endpoint.id, 1);
    expect((await site.as.ADMIN.webhooks.list()).find((e) => e.id === endpoint.id)).toMatchObject({ enabled: true, consecutiveFailures: 1 });
    await moveJob(site);
    await settledDeliveries(endpoint.id, 2);

    const [disabled] = await site.as.ADMIN.webhooks.list();
    expect(disabled).toMatchObject({ id: endpoint.id, enabled: false, consecutiveFailures: 2 });
    expect(disabled?.disabledReason).toMatch(/2 deliveries in a row were given up/);
    const exceptions = await site.as.STAFF.exceptions.list({ kinds: ["WEBHOOK_DISABLED"] });
    expect(exceptions.items).toEqual([expect.objectContaining({ kind: "WEBHOOK_DISABLED", refId: endpoint.id })]);
    // Named by scheme and host only: a receiver's path and query may hold its token.
    expect(exceptions.items[0]?.message).toContain(`${new URL(broken.url).origin} was disabled`);
    expect(exceptions.items[0]?.message).not.toContain("/hooks/orderdeck");

    // A disabled endpoint is sent nothing.
    await moveJob(site);
    expect(await deliveriesOf(endpoint.id)).toHaveLength(2);

    const enabled = await site.as.ADMIN.webhooks.update({ id: endpoint.id, enabled: true });
    expect(enabled).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledAt: null, disabledReason: null });
    expect((await site.as.STAFF.exceptions.list({ kinds: ["WEBHOOK_DISABLED"] })).items).toEqual([]);
  });

  it("a delivered event resets the endpoint's count of deliveries given up", async () => {
    const site = await harness.createSite("Hooks Reset");
    const flaky = await receiver([500, 500, 500, 200]);
    const { endpoint } = await site.as.ADMIN.webhooks.create({ url: flaky.url, eventTypes: ["job.status_changed"] });
    await moveJob(site);
    await settledDeliveries(endpoint.id, 1);
    await moveJob(site);
    const rows = await settledDeliveries(endpoint.id, 2);
    expect(rows.map((d) => d.status)).toEqual(["GAVE_UP", "SENT"]);
    expect((await site.as.ADMIN.webhooks.list())[0]).toMatchObject({ enabled: true, consecutiveFailures: 0 });
  });

  it("handovers and invoices have events of their own, sent only to endpoints that subscribed", async () => {
    const site = await harness.createSite("Hooks Events");
    const all = await receiver([200]);
    const pickupsOnly = await receiver([200]);
    const everything = await site.as.ADMIN.webhooks.create({ url: all.url, eventTypes: ["job.status_changed", "job.picked_up", "invoice.issued"] });
    const pickups = await site.as.ADMIN.webhooks.create({ url: pickupsOnly.url, eventTypes: ["job.picked_up"] });
    const job = await insertJob(harness, site, { status: "READY_FOR_PICKUP", paymentStatus: "PAID" });
    await harness.db.prisma.job.update({ where: { id: job.id }, data: { priceCents: 900 } });
    await site.as.STAFF.invoices.create({ jobId: job.id });
    await site.as.STAFF.pickup.confirm({ code: job.pickupCode, clientMutationId: randomUUID(), scannedAt: new Date().toISOString() });

    const sent = await settledDeliveries(everything.endpoint.id, 3);
    expect(sent.map((d) => d.eventType).sort()).toEqual(["invoice.issued", "job.picked_up", "job.status_changed"]);
    const [picked] = await settledDeliveries(pickups.endpoint.id, 1);
    expect(picked?.eventType).toBe("job.picked_up");
    const body = JSON.parse(pickupsOnly.requests[0]?.body ?? "{}") as { data: { job: { status: string }; receipts: string[] } };
    expect(body.data.job.status).toBe("PICKED_UP");
    expect(body.data.receipts[0]).toMatch(/^RCT-\d{4}-\d{4}$/);
    await eventually("no delivery job left", async () => (await graphileJobs(harness, site.siteId)).length === 0);
  });
});

describe("endpoint administration", () => {
  it("is for admins; the secret is shown once, on create and rotate", async () => {
    const site = await harness.createSite("Hooks Admin");
    const target = await receiver([200]);
    expect((await refusalOf(site.as.LEAD.webhooks.create({ url: target.url, eventTypes: ["job.status_changed"] }))).code).toBe("FORBIDDEN");
    expect((await refusalOf(site.as.LEAD.webhooks.list())).code).toBe("FORBIDDEN");

    const created = await site.as.ADMIN.webhooks.create({ url: target.url, eventTypes: ["job.status_changed", "job.status_changed"] });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.endpoint).toMatchObject({ url: target.url, eventTypes: ["job.status_changed"], enabled: true, secretHint: `…${created.secret.slice(-4)}` });
    expect(JSON.stringify(await site.as.ADMIN.webhooks.list())).not.toContain(created.secret);

    // The database holds the secret sealed with the server's key, bound to the site.
    const stored = await harness.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: created.endpoint.id } });
    expect(stored.secret).not.toContain(created.secret.slice(6, -4));
    expect(stored.secret).toMatch(/^sealed\.v1\./);
    expect(openSecret(harness.deps.sessions.secretKey, site.siteId, stored.secret)).toBe(created.secret);
    expect(() => openSecret(`${harness.deps.sessions.secretKey}-changed`, site.siteId, stored.secret)).toThrow(SealedSecretUnreadable);
    expect(() => openSecret(harness.deps.sessions.secretKey, randomUUID(), stored.secret)).toThrow(SealedSecretUnreadable);
    const [prefix, version, hint, body] = stored.secret.split(".");
    const altered = Buffer.from(body ?? "", "base64url");
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 0x01;
    expect(() => openSecret(harness.deps.sessions.secretKey, site.siteId, [prefix, version, hint, altered.toString("base64url")].join("."))).toThrow(SealedSecretUnreadable);
    // The last character of an unpadded seal carries spare bits a decoder ignores; a seal that differs only there is refused too.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const spareBitFlipped = stored.secret.replace(/.$/, (c) => alphabet[alphabet.indexOf(c) ^ 0x01] ?? c);
    expect(Buffer.from(spareBitFlipped.split(".")[3] ?? "", "base64url")).toEqual(Buffer.from(body ?? "", "base64url"));
    expect(() => openSecret(harness.deps.sessions.secretKey, site.siteId, spareBitFlipped)).toThrow(SealedSecretUnreadable);

    const rotated = await site.as.ADMIN.webhooks.rotateSecret({ id: created.endpoint.id });
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.endpoint.secretHint).toBe(`…${rotated.secret.slice(-4)}`);
    const audit = await harness.db.prisma.auditLog.findMany({ where: { siteId: site.siteId, action: { startsWith: "webhook." } }, orderBy: { at: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["webhook.create", "webhook.rotate_secret"]);
    expect(JSON.stringify(audit)).not.toContain(created.secret);
    expect(JSON.stringify(audit)).not.toContain("/hooks/orderdeck");

    await site.as.ADMIN.webhooks.delete({ id: created.endpoint.id });
    expect(await site.as.ADMIN.webhooks.list()).toEqual([]);
  });

  it("takes only http(s) URLs and known event types, and another site's endpoint does not exist here", async () => {
    const site = await harness.createSite("Hooks Validation");
    const other = await harness.createSite("Hooks Elsewhere");
    for (const url of ["ftp://example.com/x", "javascript:alert(1)", "not a url", "/relative/path", `https://example.com/${"x".repeat(2000)}`]) {
      expect((await refusalOf(site.as.ADMIN.webhooks.create({ url, eventTypes: ["job.status_changed"] }))).code, url).toBe("BAD_REQUEST");
    }
    expect((await refusalOf(site.as.ADMIN.webhooks.create({ url: "https://example.com/h", eventTypes: [] }))).code).toBe("BAD_REQUEST");
    const created = await site.as.ADMIN.webhooks.create({ url: "HTTPS://Example.COM/Hook", eventTypes: ["invoice.issued"] });
    expect(created.endpoint.url).toBe("https://example.com/Hook");
    for (const call of [
      () => other.as.ADMIN.webhooks.update({ id: created.endpoint.id, enabled: false }),
      () => other.as.ADMIN.webhooks.delete({ id: created.endpoint.id }),
      () => other.as.ADMIN.webhooks.rotateSecret({ id: created.endpoint.id }),
    ]) {
      expect((await refusalOf(call())).code).toBe("NOT_FOUND");
    }
    expect(await other.as.ADMIN.webhooks.list()).toEqual([]);
  });
});
