// sync.events: a change committed through any connection (another API instance's included) pokes
// the consoles of that site, through Postgres NOTIFY and each process's one LISTEN connection;
// bursts are coalesced, other sites hear nothing, a rolled-back change pokes nobody.
import type { SyncPoke } from "@orderdeck/contracts";
import { createPrismaClient } from "@orderdeck/db";
import { createLogger } from "@orderdeck/logging";
import { afterAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { createSiteChangeListener, type SiteChangeListener } from "../src/sync/events.ts";
import { createSyncStreams, type SyncStreams } from "../src/sync/streams.ts";
import { apiHarnessForFile, type Caller, type SiteFixture } from "./harness.ts";
import { insertJob } from "./jobs-fixtures.ts";

const listeners: SiteChangeListener[] = [];
// Re-checked every 100 ms here (15 s in production), and two streams per session.
const streams: SyncStreams = createSyncStreams({ perSession: 2, recheckMs: 100 });

const harness = await apiHarnessForFile({ syncStreams: streams });
const site = await harness.createSite("Events Köln");
const otherSite = await harness.createSite("Events Bonn");

afterAll(async () => {
  for (const listener of listeners) await listener.close();
});

function instance(coalesceMs = 100): SiteChangeListener {
  const listener = createSiteChangeListener({ connectionString: harness.db.url, logger: createLogger({ silent: true }), coalesceMs });
  listeners.push(listener);
  return listener;
}

/** Collects the pokes a site's subscriber receives. */
function collect(listener: SiteChangeListener, siteId: string): { pokes: SyncPoke[]; next(timeoutMs?: number): Promise<SyncPoke>; stop(): void } {
  const pokes: SyncPoke[] = [];
  const waiting: Array<(poke: SyncPoke) => void> = [];
  const stop = listener.subscribe(siteId, (poke) => {
    pokes.push(poke);
    waiting.shift()?.(poke);
  });
  return {
    pokes,
    stop,
    next: (timeoutMs = 5_000) =>
      new Promise<SyncPoke>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no poke arrived")), timeoutMs);
        waiting.push((poke) => {
          clearTimeout(timer);
          resolve(poke);
        });
      }),
  };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("site change pokes", () => {
  it("reach a subscriber when another connection commits a change to the site's jobs", async () => {
    const listener = instance();
    await listener.start();
    const mine = collect(listener, site.siteId);
    const theirs = collect(listener, otherSite.siteId);
    const arrived = mine.next();
    await insertJob(harness, site);
    expect(await arrived).toMatchObject({ siteId: site.siteId });
    await settle(300);
    expect(theirs.pokes).toEqual([]);
    mine.stop();
    theirs.stop();
  });

  it("reach the consoles of every API instance, whichever instance made the change", async () => {
    const a = instance();
    const b = instance();
    await Promise.all([a.start(), b.start()]);
    const onA = collect(a, site.siteId);
    const onB = collect(b, site.siteId);
    const both = Promise.all([onA.next(), onB.next()]);
    // The change is made through a third process's own client, as another API instance would.
    const otherInstance = createPrismaClient(harness.db.url);
    try {
      await otherInstance.customer.create({ data: { siteId: site.siteId, name: "Katherine Johnson" } });
    } finally {
      await otherInstance.$disconnect();
    }
    await both;
    onA.stop();
    onB.stop();
  });

  it("fold a burst of changes into a few pokes, and say nothing for a rolled-back change", async () => {
    const listener = instance(200);
    await listener.start();
    const mine = collect(listener, site.siteId);
    const first = mine.next();
    for (let i = 0; i < 30; i++) await insertJob(harness, site);
    await first;
    await settle(600);
    // Leading poke plus at most one per 200 ms window while the burst lasted.
    expect(mine.pokes.length).toBeGreaterThanOrEqual(1);
    expect(mine.pokes.length).toBeLessThan(15);

    const before = mine.pokes.length;
    const client = await harness.db.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("UPDATE jobs SET machine = 'never' WHERE site_id = $1", [site.siteId]);
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    await settle(400);
    expect(mine.pokes.length).toBe(before);
    mine.stop();
  });

  it("keep coming after the LISTEN connection is cut: the listener reconnects and pokes everyone once", async () => {
    const listener = createSiteChangeListener({
      connectionString: harness.db.url,
      logger: createLogger({ silent: true }),
      reconnect: { minMs: 50, maxMs: 200 },
    });
    listeners.push(listener);
    await listener.start();
    const mine = collect(listener, site.siteId);
    const afterReconnect = mine.next();
    await harness.db.pool.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN orderdeck_site_changes' AND pid <> pg_backend_pid()",
    );
    // Changes made while nobody listened were not announced: the reconnect itself pokes.
    await afterReconnect;
    expect(listener.listening).toBe(true);
    const afterChange = mine.next();
    await settle(150);
    await insertJob(harness, site);
    await afterChange;
    mine.stop();
  });

  it("arrive through the sync.events subscription: one at once, then one per change", async () => {
    const stream = await site.as.STAFF.sync.events();
    const iterator = stream[Symbol.asyncIterator]();
    const initial = await iterator.next();
    expect(initial.value).toMatchObject({ siteId: site.siteId });
    const later = iterator.next();
    await settle(150);
    await site.as.STAFF.jobs.create({ title: "Poked" });
    expect((await later).value).toMatchObject({ siteId: site.siteId });
    await iterator.return?.(undefined);
  });
});

/** An open sync.events stream whose first poke was read. */
async function openStream(caller: Caller) {
  const iterator = (await caller.sync.events())[Symbol.asyncIterator]();
  expect((await iterator.next()).done).toBe(false);
  return iterator;
}

/** How the stream ended: the error it was closed with (fails when it does not end in time). */
async function endOf(iterator: AsyncIterator<unknown>): Promise<TRPCError> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the stream stayed open")), 10_000));
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done) throw new Error("the stream ended without saying why");
    }
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    return error as TRPCError;
  }
}

describe("an open sync.events stream", () => {
  const sessionIdOf = async (shop: SiteFixture) =>
    (await harness.db.prisma.session.findFirstOrThrow({ where: { userId: shop.users.STAFF.id }, select: { id: true } })).id;

  const endings: Array<[string, (shop: SiteFixture, caller: Caller) => Promise<unknown>]> = [
    ["signed out", (_shop, caller) => caller.auth.logout()],
    ["its user disabled", (shop) => shop.as.ADMIN.users.disable({ userId: shop.users.STAFF.id })],
    [
      "idle past its expiry",
      async (shop) =>
        harness.db.prisma.session.update({
          where: { id: await sessionIdOf(shop) },
          data: { createdAt: new Date(Date.now() - 20_000), lastSeenAt: new Date(Date.now() - 20_000), expiresAt: new Date(Date.now() - 1_000) },
        }),
    ],
    [
      "past its absolute lifetime",
      async (shop) => harness.db.prisma.session.update({ where: { id: await sessionIdOf(shop) }, data: { createdAt: new Date(Date.now() - 8 * 24 * 3_600_000) } }),
    ],
    ["at a revoked station", (shop) => harness.db.prisma.station.update({ where: { id: shop.stationId }, data: { revokedAt: new Date() } })],
  ];

  for (const [what, end] of endings) {
    it(`closes with UNAUTHORIZED once its session is ${what}`, async () => {
      const shop = await harness.createSite(`Stream ${what}`);
      const caller = shop.as.STAFF;
      const iterator = await openStream(caller);
      // Still open after several re-checks while the session stands.
      await settle(350);
      await shop.as.LEAD.jobs.create({ title: "Still heard" });
      expect((await iterator.next()).value).toMatchObject({ siteId: shop.siteId });

      await end(shop, caller);
      const closed = await endOf(iterator);
      expect(closed.code).toBe("UNAUTHORIZED");
      expect(closed.message).toMatch(/^Sign in again/);
      expect(streams.openFor(await sessionIdOf(shop))).toBe(0);
    });
  }

  it("holds at most the set number per session: a newer stream closes the oldest, other sessions are untouched", async () => {
    const shop = await harness.createSite("Streams per session");
    const sessionId = await sessionIdOf(shop);
    const first = await openStream(shop.as.STAFF);
    const second = await openStream(shop.as.STAFF);
    const ofLead = await openStream(shop.as.LEAD);
    expect(streams.openFor(sessionId)).toBe(2);

    const third = await openStream(shop.as.STAFF);
    const closed = await endOf(first);
    expect(closed.code).toBe("TOO_MANY_REQUESTS");
    expect(closed.message).toMatch(/at most 2 stay open per session/);
    expect(streams.openFor(sessionId)).toBe(2);

    // The two newest and the other session's stream still hear the site's changes.
    const heard = Promise.all([second.next(), third.next(), ofLead.next()]);
    await shop.as.LEAD.jobs.create({ title: "Heard by three" });
    for (const poke of await heard) expect(poke.value).toMatchObject({ siteId: shop.siteId });

    for (const iterator of [second, third, ofLead]) await iterator.return?.(undefined);
    expect(streams.openFor(sessionId)).toBe(0);
  });
});
