// Where a webhook may go: by default only to public addresses, so that an admin's URL cannot make
// the worker call machines inside the shop's network, whatever IPv6 form hides an IPv4 address;
// never with credentials in the URL; and a URL is logged only as its scheme and host. A real
// receiver on 127.0.0.1 stands for such a machine; the delivery task runs directly (no worker), so
// each run below is exactly one attempt.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listExceptions } from "../src/exceptions/service.ts";
import { deliverWebhookTask } from "../src/webhooks/deliver-task.ts";
import { isPublicAddress } from "../src/outbound/destination.ts";
import { capturingLogger, testWorkerDeps } from "./background-helpers.ts";
import { apiHarnessForFile, createApiHarness, refusalOf, type ApiHarness } from "./harness.ts";
import { insertJob } from "./jobs-fixtures.ts";

let server: Server;
let port: number;
let received = 0;

// This shop saves receivers on its own network (the deliveries below decide per attempt).
const harness = await apiHarnessForFile({ webhookDestinations: { allowPrivateNetworks: true } });

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received += 1;
      res.writeHead(req.url?.includes("/failing") ? 500 : 200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
});

function depsAllowing(allowPrivateNetworks: boolean, secretKey = harness.deps.sessions.secretKey) {
  const deps = testWorkerDeps(harness, undefined);
  return { ...deps, webhooks: { ...deps.webhooks, retry: { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 }, allowPrivateNetworks, secretKey } };
}

/** The worker's view of this one attempt (the delivery task reads none of it but the attempt). */
const ATTEMPT = {
  id: "1",
  attempt: 1,
  maxAttempts: 1,
  withPgClient: () => Promise.reject(new Error("the delivery task does not use the worker's pool")),
};

/** An endpoint at `url` and one delivery to it, waiting for its first attempt. */
async function deliveryTo(url: string) {
  const site = await harness.createSite(`Hooks ${url}`);
  const { endpoint } = await site.as.ADMIN.webhooks.create({ url, eventTypes: ["job.status_changed"] });
  const job = await insertJob(harness, site, { status: "QUEUED", title: "Bracket" });
  await site.as.STAFF.jobs.transition({ id: job.id, to: "IN_PROGRESS" });
  const delivery = await harness.db.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
  return { siteId: site.siteId, deliveryId: delivery.id };
}

describe("webhook destinations", () => {
  it("tells public addresses from loopback, private, link-local and reserved ones, IPv4 and IPv6", () => {
    for (const address of ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2001:4860:4860::8888", "::ffff:8.8.8.8"]) {
      expect(isPublicAddress(address), address).toBe(true);
    }
    for (const address of [
      "127.0.0.1",
      "127.1.2.3",
      "10.0.0.5",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.10",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "255.255.255.255",
      "::1",
      "::",
      "fe80::1",
      "fd00::1",
      "fc00::abcd",
      "ff02::1",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "::ffff:a00:5",
      "not an address",
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    expect(isPublicAddress("172.32.0.1")).toBe(true);
  });

  it("judges an IPv6 address that carries an IPv4 one by that IPv4 address, and refuses the tunnelled forms outright", () => {
    for (const address of [
      "64:ff9b::808:808", // NAT64 of 8.8.8.8
      "64:ff9b::8.8.8.8",
      "2002:808:808::1", // 6to4 of 8.8.8.8
      "::ffff:808:808",
    ]) {
      expect(isPublicAddress(address), address).toBe(true);
    }
    for (const address of [
      "64:ff9b::7f00:1", // NAT64 of 127.0.0.1
      "64:ff9b::127.0.0.1",
      "64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254, the metadata service
      "64:ff9b::c0a8:101",
      "64:ff9b:1::808:808", // local-use NAT64
      "2002:7f00:1::", // 6to4 of 127.0.0.1
      "2002:a00:5:1::1",
      "2002:c0a8:101::",
      "::127.0.0.1", // IPv4-compatible
      "::8.8.8.8",
      "::a00:5",
      "::ffff:0:7f00:1", // IPv4-translated
      "::ffff:0:808:808",
      "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
      "2001::1",
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
  });

  for (const host of ["[64:ff9b::7f00:1]", "[2002:7f00:1::]", "[::127.0.0.1]", "[2001::7f00:1]"]) {
    it(`refuses to deliver to ${host}, an IPv6 form of a private or hidden address`, async () => {
      const payload = await deliveryTo(`http://${host}:${port}/hook`);
      await deliverWebhookTask.run(payload, depsAllowing(false), ATTEMPT);
      const refused = await harness.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: payload.deliveryId } });
      expect(refused).toMatchObject({ status: "FAILED", attempts: 1, responseStatus: null });
      expect(refused.lastError).toMatch(/^not sent: .* is a private, loopback or reserved address/);
    });
  }

  it("never sends to a URL with credentials in it, even one stored before they were refused", async () => {
    const site = await harness.createSite("Hooks with credentials");
    const url = `http://hook-user:hook-pass@127.0.0.1:${port}/creds`;
    for (const call of [
      site.as.ADMIN.webhooks.create({ url, eventTypes: ["job.status_changed"] }),
      site.as.ADMIN.webhooks.create({ url: `https://user@example.com/h`, eventTypes: ["job.status_changed"] }),
    ]) {
      const refused = await refusalOf(call);
      expect(refused.code).toBe("BAD_REQUEST");
      expect(refused.message).toMatch(/cannot carry a user name or password/);
    }
    const { endpoint } = await site.as.ADMIN.webhooks.create({ url: `http://127.0.0.1:${port}/creds`, eventTypes: ["job.status_changed"] });
    expect((await refusalOf(site.as.ADMIN.webhooks.update({ id: endpoint.id, url }))).code).toBe("BAD_REQUEST");
    expect((await harness.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).url).toBe(`http://127.0.0.1:${port}/creds`);

    // A row that already holds such a URL is refused at delivery.
    await harness.db.prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { url } });
    const job = await insertJob(harness, site, { status: "QUEUED" });
    await site.as.STAFF.jobs.transition({ id: job.id, to: "IN_PROGRESS" });
    const delivery = await harness.db.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
    const before = received;
    await deliverWebhookTask.run({ siteId: site.siteId, deliveryId: delivery.id }, depsAllowing(true), ATTEMPT);
    expect(received).toBe(before);
    const refused = await harness.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
    expect(refused).toMatchObject({ status: "FAILED", attempts: 1 });
    expect(refused.lastError).toMatch(/^not sent: a webhook URL cannot carry a user name or password/);
  });

  it("logs and lists an endpoint by its scheme and host only, never its path, query or credentials", async () => {
    const site = await harness.createSite("Hooks redacted");
    const secretUrl = `http://127.0.0.1:${port}/failing/T0ACME/B0SECRETPATH?token=sekrit-query`;
    const { endpoint } = await site.as.ADMIN.webhooks.create({ url: secretUrl, eventTypes: ["job.status_changed"] });
    // Stored before credentials were refused: it must not reach a log line either.
    await harness.db.prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { url: secretUrl.replace("http://", "http://hook-user:hook-pass@") } });
    const job = await insertJob(harness, site, { status: "QUEUED" });
    await site.as.STAFF.jobs.transition({ id: job.id, to: "IN_PROGRESS" });
    const delivery = await harness.db.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
    const { logger, lines } = capturingLogger();
    const deps = depsAllowing(true);
    const once = { ...deps, logger, webhooks: { ...deps.webhooks, disableAfter: 1, retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 } } };
    await deliverWebhookTask.run({ siteId: site.siteId, deliveryId: delivery.id }, once, ATTEMPT);

    const disabled = lines.find((line) => line.message === "webhook endpoint disabled");
    expect(disabled).toMatchObject({ endpointId: endpoint.id, url: `http://127.0.0.1:${port}` });
    const text = JSON.stringify(lines);
    for (const secret of ["T0ACME", "B0SECRETPATH", "sekrit-query", "hook-user", "hook-pass"]) expect(text).not.toContain(secret);

    const exceptions = await listExceptions(harness.db.prisma, site.siteId, { kinds: ["WEBHOOK_DISABLED"], perKind: 10 });
    expect(exceptions.items[0]?.message).toMatch(new RegExp(`^Webhook endpoint http://127\\.0\\.0\\.1:${port} was disabled`));
    for (const secret of ["T0ACME", "sekrit-query", "hook-pass"]) expect(exceptions.items[0]?.message).not.toContain(secret);
    const audit = await harness.db.pool.query<{ details: unknown }>("SELECT details FROM audit_log WHERE action = 'webhook.create' AND target = $1", [`webhook:${endpoint.id}`]);
    expect(JSON.stringify(audit.rows)).not.toMatch(/T0ACME|sekrit/);
  });

  for (const host of ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"]) {
    it(`refuses to deliver to ${host} by default, says why in the delivery log, and delivers when the shop allows its own network`, async () => {
      const url = `http://${host}:${port}/hook`;
      const payload = await deliveryTo(url);
      const before = received;

      await deliverWebhookTask.run(payload, depsAllowing(false), ATTEMPT);

      expect(received).toBe(before);
      const refused = await harness.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: payload.deliveryId } });
      expect(refused).toMatchObject({ status: "FAILED", attempts: 1, responseStatus: null });
      expect(refused.lastError).toMatch(/private, loopback or reserved address.*WEBHOOK_ALLOW_PRIVATE_NETWORKS/);

      await deliverWebhookTask.run(payload, depsAllowing(true), ATTEMPT);

      expect(received).toBe(before + 1);
      const sent = await harness.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: payload.deliveryId } });
      expect(sent).toMatchObject({ status: "SENT", attempts: 2, responseStatus: 200 });
    });
  }

  it("a worker whose server key cannot open the endpoint's secret sends nothing and says to rotate the secret", async () => {
    const payload = await deliveryTo(`http://127.0.0.1:${port}/sealed`);
    const before = received;

    await deliverWebhookTask.run(payload, depsAllowing(true, "another-server-key-0123456789-0123456789"), ATTEMPT);

    expect(received).toBe(before);
    const refused = await harness.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: payload.deliveryId } });
    expect(refused).toMatchObject({ status: "FAILED", attempts: 1 });
    expect(refused.lastError).toMatch(/cannot be read with this server's ORDERDECK_SECRET_KEY.*rotate the endpoint's secret/);
  });
});

describe("saving a webhook URL where the shop keeps to public addresses (the default)", () => {
  let strict: ApiHarness;
  beforeAll(async () => {
    strict = await createApiHarness();
  });
  afterAll(async () => strict.drop());

  it("refuses a host that is a private IP literal at once, and keeps a host name for the delivery to judge", async () => {
    const site = await strict.createSite("Strict hooks");
    for (const url of ["http://10.0.0.5/hook", "http://127.0.0.1:8080/hook", "http://[::ffff:127.0.0.1]/hook", "http://[64:ff9b::a9fe:a9fe]/latest", "http://169.254.169.254/"]) {
      const refused = await refusalOf(site.as.ADMIN.webhooks.create({ url, eventTypes: ["job.status_changed"] }));
      expect(refused.code, url).toBe("BAD_REQUEST");
      expect(refused.message, url).toMatch(/^This URL is refused: .* is a private, loopback or reserved address; .*WEBHOOK_ALLOW_PRIVATE_NETWORKS/);
    }
    const { endpoint } = await site.as.ADMIN.webhooks.create({ url: "https://hooks.example.com/orderdeck", eventTypes: ["job.status_changed"] });
    expect((await refusalOf(site.as.ADMIN.webhooks.update({ id: endpoint.id, url: "http://192.168.1.20/hook" }))).code).toBe("BAD_REQUEST");
    expect(await strict.db.prisma.webhookEndpoint.count({ where: { siteId: site.siteId } })).toBe(1);
  });
});
