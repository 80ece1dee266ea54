// Where a webhook may go: by default only to public addresses, so that an admin's URL cannot make
// the worker call machines inside the shop's network. A real receiver on 127.0.0.1 stands for such
// a machine; the delivery task runs directly (no worker), so each run below is exactly one attempt.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverWebhookTask } from "../src/webhooks/deliver-task.ts";
import { isPublicAddress } from "../src/outbound/destination.ts";
import { testWorkerDeps } from "./background-helpers.ts";
import { createApiHarness, type ApiHarness } from "./harness.ts";
import { insertJob } from "./jobs-fixtures.ts";

let harness: ApiHarness;
let server: Server;
let port: number;
let received = 0;

beforeAll(async () => {
  harness = await createApiHarness();
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received += 1;
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await harness.drop();
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
