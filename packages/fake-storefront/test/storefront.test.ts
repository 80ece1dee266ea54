// The fake storefront over real HTTP on 127.0.0.1: its cursor survives ties on updated_at, it
// insists on its token, and each way it can be told to misbehave does what the intake tests rely on.
import { afterEach, describe, expect, it } from "vitest";
import { generateOrders, startFakeStorefront, type FakeStorefront, type StorefrontOrder } from "../src/index.ts";

const TOKEN = "fake-storefront-test-token";
let store: FakeStorefront | undefined;

afterEach(async () => {
  await store?.stop();
  store = undefined;
});

interface Page {
  orders: Array<Record<string, unknown>>;
  next_cursor: string | null;
  has_more: boolean;
  newest_updated_at: string | null;
}

async function get(path: string, token = TOKEN): Promise<Response> {
  return fetch(`${store?.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
}

async function page(cursor: string | null, limit: number): Promise<Page> {
  const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { updated_after: cursor } : {}) });
  const response = await get(`/orders?${query.toString()}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Page;
}

async function walk(limit: number, from: string | null = null): Promise<{ ids: string[]; pages: number; cursor: string | null }> {
  const ids: string[] = [];
  let cursor = from;
  let pages = 0;
  for (;;) {
    const p = await page(cursor, limit);
    pages += 1;
    ids.push(...p.orders.map((o) => String(o.id)));
    cursor = p.next_cursor;
    if (!p.has_more) return { ids, pages, cursor };
    // A feed that never ends is a failure to name, not a test left to time out.
    expect(pages, `pages of ${limit} keep coming after ${ids.length} rows`).toBeLessThan(1_000);
  }
}

describe("the fake storefront", () => {
  it("refuses a request without its bearer token", async () => {
    store = await startFakeStorefront({ token: TOKEN, orders: 3 });
    expect((await fetch(`${store.url}/orders`)).status).toBe(401);
    expect((await get("/orders", "another-token-entirely")).status).toBe(401);
    expect((await get("/orders")).status).toBe(200);
  });

  it("generates the same orders from the same seed, with ties on updated_at", () => {
    const a = generateOrders({ count: 9, seed: 5, epoch: Date.UTC(2026, 0, 1), tieGroup: 3, spacingMs: 60_000 });
    const b = generateOrders({ count: 9, seed: 5, epoch: Date.UTC(2026, 0, 1), tieGroup: 3, spacingMs: 60_000 });
    expect(a).toEqual(b);
    expect(new Set(a.map((o) => o.updated_at)).size).toBe(3);
    expect(new Set(a.map((o) => o.id)).size).toBe(9);
  });

  for (const limit of [1, 2, 4, 10, 11]) {
    it(`pages of ${limit} walk every order exactly once, in (updated_at, id) order, across ties`, async () => {
      store = await startFakeStorefront({ token: TOKEN, orders: 10, tieGroup: 3 });
      const { ids, pages } = await walk(limit);
      expect(ids).toEqual(store.control.list().map((o) => o.id));
      expect(new Set(ids).size).toBe(10);
      expect(pages).toBe(Math.max(1, Math.ceil(10 / limit)));
    });
  }

  it("answers 400 to a cursor it did not make, and cuts a page to its largest size", async () => {
    store = await startFakeStorefront({ token: TOKEN, orders: 10, pageSizeMax: 4 });
    expect((await get("/orders?updated_after=yesterday")).status).toBe(400);
    expect((await get("/orders?limit=0")).status).toBe(400);
    expect((await page(null, 100)).orders).toHaveLength(4);
  });

  it("a changed order moves to the end of the feed; a backdated new order lands before the cursor", async () => {
    store = await startFakeStorefront({ token: TOKEN, orders: 6 });
    const first = await walk(10);
    const changed = store.control.updateOrder("SO-100001", { title: "Renamed" });
    const [added] = store.control.addOrders(1);
    const [backdated] = store.control.addOrders(1, { updatedAt: new Date(Date.parse(store.control.list()[0]?.updated_at ?? "") - 1) });
    const next = await walk(10, first.cursor);
    expect(next.ids).toEqual([changed.id, added?.id]);
    expect(store.control.list()[0]?.id).toBe(backdated?.id);
    expect(store.control.newestUpdatedAt()).toBe(added?.updated_at);
  });

  it("serves broken rows until they are fixed, and single orders by id", async () => {
    store = await startFakeStorefront({ token: TOKEN, orders: 4 });
    store.control.breakOrders(["SO-100002"], "missing-title");
    store.control.addGarbageRow();
    const rows = (await page(null, 10)).orders;
    const broken = rows.find((o) => o.id === "SO-100002");
    expect(broken).toBeDefined();
    expect(broken).not.toHaveProperty("title");
    expect(rows.filter((o) => o.id === undefined)).toHaveLength(1);
    store.control.fixOrders(["SO-100002"]);
    const one = (await (await get("/orders/SO-100002")).json()) as StorefrontOrder;
    expect(typeof one.title).toBe("string");
    expect((await get("/orders/SO-999999")).status).toBe(404);
  });

  it("fails after N pages until told otherwise, and can be slow", async () => {
    store = await startFakeStorefront({ token: TOKEN, orders: 10 });
    store.control.failAfterPages(2);
    const first = await page(null, 2);
    await page(first.next_cursor, 2);
    expect((await get(`/orders?limit=2&updated_after=${encodeURIComponent(first.next_cursor ?? "")}`)).status).toBe(500);
    store.control.failAfterPages(null);
    store.control.slowPages(150);
    const started = Date.now();
    await page(null, 2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(store.control.requests.map((r) => r.status)).toEqual([200, 200, 500, 200]);
  });

  it("can repeat the rows before the cursor at the start of a page", async () => {
    store = await startFakeStorefront({ token: TOKEN, orders: 6 });
    store.control.serveDuplicates(2);
    const first = await page(null, 3);
    const second = await page(first.next_cursor, 3);
    expect(second.orders.slice(0, 2).map((o) => o.id)).toEqual(first.orders.slice(1).map((o) => o.id));
    expect(second.orders).toHaveLength(5);
  });

  it("takes the same changes over HTTP at /__control", async () => {
    store = await startFakeStorefront({ token: TOKEN, orders: 2 });
    const response = await fetch(`${store.url}/__control`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ action: "addOrders", count: 2 }),
    });
    expect(response.status).toBe(200);
    expect(store.control.list()).toHaveLength(4);
  });
});
