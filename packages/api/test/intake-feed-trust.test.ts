// A feed source is set up by an admin, and the server sends the source's secret to the source's
// URL: neither may be turned into a way to read the server's environment or reach inside the
// shop's network. Real storefronts (the fake one, and plain HTTP servers that redirect) on
// 127.0.0.1 stand for a machine inside that network.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readMigrations } from "@orderdeck/db";
import { afterAll, describe, expect, it } from "vitest";
import { runIncrementalSync } from "../src/intake/sync-run.ts";
import { storefrontFeed } from "../src/intake/storefront-feed.ts";
import { apiHarnessForFile, refusalOf, type SiteFixture } from "./harness.ts";
import { addFeed, feedJobCounts, intakeDeps, sourceRow, stopFeeds } from "./intake-helpers.ts";

const servers: Server[] = [];

const harness = await apiHarnessForFile();

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await stopFeeds();
});

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

/** A plain HTTP server on 127.0.0.1 answering with `answer`; it records every request. */
async function httpServer(answer: (url: string, respond: (status: number, headers: Record<string, string>, body?: string) => void) => void) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    req.resume();
    answer(req.url ?? "", (status, headers, body) => res.writeHead(status, headers).end(body ?? ""));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

async function failedRun(site: SiteFixture, sourceId: string, settings: Parameters<typeof intakeDeps>[1] = {}) {
  const outcome = await runIncrementalSync(intakeDeps(harness, settings), { siteId: site.siteId, sourceId });
  if (outcome.status === "DISABLED") throw new Error("the source should be enabled");
  expect(outcome.status).toBe("FAILED");
  return outcome.run;
}

describe("credentialsRef names only a variable under ORDERDECK_FEED_", { timeout: 60_000 }, () => {
  const serverVariables = ["DATABASE_URL", "ORDERDECK_SECRET_KEY", "SMTP_PASSWORD", "METRICS_TOKEN", "PATH", "ORDERDECK_FEED_", "orderdeck_feed_shop"];

  it("refuses any other name at create, saying which prefix is allowed", async () => {
    const site = await harness.createSite();
    for (const credentialsRef of serverVariables) {
      const error = await refusalOf(site.as.ADMIN.intake.sources.create({ name: "Shop", baseUrl: "https://shop.example", credentialsRef }));
      expect(error.code, credentialsRef).toBe("BAD_REQUEST");
      expect(error.message, credentialsRef).toContain("starting with ORDERDECK_FEED_");
    }
    expect(await harness.db.prisma.intakeSource.count({ where: { siteId: site.siteId } })).toBe(0);
    const allowed = await site.as.ADMIN.intake.sources.create({ name: "Shop", baseUrl: "https://shop.example", credentialsRef: "ORDERDECK_FEED_SHOP_TOKEN" });
    expect(allowed.credentialsRef).toBe("ORDERDECK_FEED_SHOP_TOKEN");
  });

  it("refuses any other name at update, and the source keeps its own", async () => {
    const site = await harness.createSite();
    const source = await site.as.ADMIN.intake.sources.create({ name: "Shop", baseUrl: "https://shop.example", credentialsRef: "ORDERDECK_FEED_SHOP_TOKEN" });
    for (const credentialsRef of serverVariables) {
      const error = await refusalOf(site.as.ADMIN.intake.sources.update({ id: source.id, credentialsRef }));
      expect(error.code, credentialsRef).toBe("BAD_REQUEST");
      expect(error.message, credentialsRef).toContain("starting with ORDERDECK_FEED_");
    }
    expect((await sourceRow(harness, source.id)).credentialsRef).toBe("ORDERDECK_FEED_SHOP_TOKEN");
  });

  it("the database refuses such a name too", async () => {
    const site = await harness.createSite();
    await expect(
      harness.db.pool.query(
        `INSERT INTO intake_sources (id, site_id, name, kind, base_url, credentials_ref, updated_at) VALUES (gen_random_uuid(), $1, 'Sneaky', 'storefront-json', 'https://shop.example', 'DATABASE_URL', now())`,
        [site.siteId],
      ),
    ).rejects.toThrow(/intake_sources_credentials_ref_format_check/);
  });

  it("the feed never reads a variable outside the prefix, whatever the row says, and sends nothing", async () => {
    const storefront = await httpServer((_url, respond) => respond(200, { "content-type": "application/json" }, '{"orders":[],"next_cursor":null,"has_more":false}'));
    const asked: string[] = [];
    const feed = storefrontFeed(
      { baseUrl: storefront.url, credentialsRef: "DATABASE_URL", pageSize: 10 },
      {
        resolveSecret: (ref) => {
          asked.push(ref);
          return "postgres://orderdeck:secret@db/orderdeck";
        },
      },
      { timeoutMs: 2_000, retries: 0, retryDelayMs: 10, maxBodyBytes: 1024, allowPrivateNetworks: true },
    );
    await expect(feed.page(null)).rejects.toThrow(/credentialsRef DATABASE_URL is not under ORDERDECK_FEED_/);
    expect(asked).toEqual([]);
    expect(storefront.seen).toEqual([]);
  });

  it("the upgrade disables a source that named another variable, clears the name and records why; the demo feed is renamed", async () => {
    const site = await harness.createSite();
    const migration = (await readMigrations()).find((m) => m.name.endsWith("_feed_credentials_prefix"));
    expect(migration, "the migration that brings in the prefix").toBeDefined();
    const client = await harness.db.pool.connect();
    try {
      await client.query("BEGIN");
      // The sources as they could be before the rule.
      await client.query("ALTER TABLE intake_sources DROP CONSTRAINT intake_sources_credentials_ref_format_check");
      const { rows } = await client.query<{ id: string; name: string }>(
        `INSERT INTO intake_sources (id, site_id, name, kind, base_url, credentials_ref, updated_at)
         SELECT gen_random_uuid(), $1, v.name, 'storefront-json', 'https://shop.example', v.ref, now()
           FROM (VALUES ('Leaky', 'DATABASE_URL'), ('Demo', 'ORDERDECK_DEMO_FEED_TOKEN'), ('Fine', 'ORDERDECK_FEED_SHOP_TOKEN'), ('Open', NULL)) AS v(name, ref)
         RETURNING id::text, name`,
        [site.siteId],
      );
      await client.query(migration?.sql ?? "");
      await client.query("COMMIT");
      const byName = new Map(rows.map((r) => [r.name, r.id]));
      const leaky = await sourceRow(harness, byName.get("Leaky") ?? "");
      expect(leaky).toMatchObject({ enabled: false, credentialsRef: null, consecutiveFailures: 1 });
      const runs = await harness.db.prisma.intakeRun.findMany({ where: { sourceId: leaky.id } });
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: "FAILED" });
      expect(runs[0]?.error).toMatch(/credentialsRef named DATABASE_URL, which is not under ORDERDECK_FEED_.*enable the source again/);
      expect(await sourceRow(harness, byName.get("Demo") ?? "")).toMatchObject({ enabled: true, credentialsRef: "ORDERDECK_FEED_DEMO_TOKEN" });
      expect(await sourceRow(harness, byName.get("Fine") ?? "")).toMatchObject({ enabled: true, credentialsRef: "ORDERDECK_FEED_SHOP_TOKEN" });
      expect(await sourceRow(harness, byName.get("Open") ?? "")).toMatchObject({ enabled: true, credentialsRef: null });
      expect(await harness.db.prisma.intakeRun.count({ where: { siteId: site.siteId } })).toBe(1);
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  });
});

describe("the base URL", { timeout: 60_000 }, () => {
  it("is an http(s) address without credentials, at create and at update", async () => {
    const site = await harness.createSite();
    const source = await site.as.ADMIN.intake.sources.create({ name: "Shop", baseUrl: "https://shop.example/api" });
    for (const baseUrl of ["https://user@shop.example", "http://user:secret@shop.example/api", "https://:secret@shop.example", "file:///etc/passwd", "gopher://shop.example", "javascript:alert(1)"]) {
      expect((await refusalOf(site.as.ADMIN.intake.sources.create({ name: "Bad", baseUrl }))).code, baseUrl).toBe("BAD_REQUEST");
      expect((await refusalOf(site.as.ADMIN.intake.sources.update({ id: source.id, baseUrl }))).code, baseUrl).toBe("BAD_REQUEST");
    }
    expect((await sourceRow(harness, source.id)).baseUrl).toBe("https://shop.example/api");
  });
});

describe("where the feed may connect", { timeout: 60_000 }, () => {
  it("refuses a storefront on a loopback address unless INTAKE_ALLOW_PRIVATE_NETWORKS, and asks it nothing", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 3, pageSize: 10 });
    const refused = await failedRun(site, feed.sourceId, { allowPrivateNetworks: false, retries: 2 });
    expect(refused.error).toMatch(/127\.0\.0\.1 is a private, loopback or reserved address; the feed reads storefronts on public addresses only/);
    expect(refused.error).toContain("INTAKE_ALLOW_PRIVATE_NETWORKS=true");
    expect(feed.store.control.requests).toEqual([]);
    expect((await feedJobCounts(harness, site.siteId)).size).toBe(0);

    // A name that resolves to a loopback address is refused the same way (checked after DNS).
    await site.as.ADMIN.intake.sources.update({ id: feed.sourceId, baseUrl: feed.store.url.replace("127.0.0.1", "localhost") });
    const byName = await failedRun(site, feed.sourceId, { allowPrivateNetworks: false });
    expect(byName.error).toMatch(/localhost \(at (127\.0\.0\.1|::1)\) is a private, loopback or reserved address/);
    expect(feed.store.control.requests).toEqual([]);

    // The shop's own network, opened on purpose.
    const opened = await runIncrementalSync(intakeDeps(harness, { allowPrivateNetworks: true }), { siteId: site.siteId, sourceId: feed.sourceId });
    expect(opened.status).toBe("SUCCEEDED");
    expect((await feedJobCounts(harness, site.siteId)).size).toBe(3);
  });

  it("follows no redirect to another origin: the token does not go along", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 2, pageSize: 10 });
    const elsewhere = feed.store.url.replace("127.0.0.1", "localhost");
    const redirector = await httpServer((url, respond) => respond(302, { location: `${elsewhere}${url}` }));
    await site.as.ADMIN.intake.sources.update({ id: feed.sourceId, baseUrl: redirector.url });
    const run = await failedRun(site, feed.sourceId, { retries: 2 });
    expect(run.error).toMatch(/the storefront redirected to http:\/\/localhost:\d+, away from http:\/\/127\.0\.0\.1:\d+; the feed follows no redirect to another address/);
    expect(run.error).not.toContain(feed.token);
    expect(redirector.seen).toHaveLength(1);
    expect(feed.store.control.requests).toEqual([]);
    expect((await feedJobCounts(harness, site.siteId)).size).toBe(0);
  });

  it("follows a redirect within the storefront's own origin a few times, and no more", async () => {
    const site = await harness.createSite();
    const token = randomBytes(12).toString("hex");
    const ref = `ORDERDECK_FEED_MOVED_${randomBytes(6).toString("hex").toUpperCase()}`;
    process.env[ref] = token;
    const storefront = await httpServer((url, respond) => {
      if (url.startsWith("/old/")) return respond(308, { location: url.replace("/old/", "/new/") });
      if (url.startsWith("/loop/")) return respond(307, { location: url });
      return respond(200, { "content-type": "application/json" }, '{"orders":[],"next_cursor":null,"has_more":false}');
    });
    const moved = await site.as.ADMIN.intake.sources.create({ name: "Moved", baseUrl: `${storefront.url}/old`, credentialsRef: ref });
    const followed = await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: moved.id });
    expect(followed.status).toBe("SUCCEEDED");
    expect(storefront.seen.map((s) => s.url.split("?")[0])).toEqual(["/old/orders", "/new/orders"]);
    expect(storefront.seen.every((s) => s.headers.authorization === `Bearer ${token}`)).toBe(true);

    storefront.seen.length = 0;
    const looping = await site.as.ADMIN.intake.sources.create({ name: "Looping", baseUrl: `${storefront.url}/loop`, credentialsRef: ref });
    const run = await failedRun(site, looping.id, { retries: 2 });
    expect(run.error).toMatch(/redirected more than 3 times/);
    // The first request and three redirects, once: the refusal is not retried.
    expect(storefront.seen).toHaveLength(4);
    delete process.env[ref];
  });
});
