// A stand-in for the shop's online storefront: the HTTP JSON order API that OrderDeck's intake
// reads (kind "storefront-json"), for development (`npm start`) and tests. It serves generated
// orders a page at a time and can be told to misbehave the ways real feeds do.
//
// The API:
//   GET /orders?updated_after=<cursor>&limit=<n>   (Authorization: Bearer <token>)
//     → { orders: [...], next_cursor, has_more, newest_updated_at }
//     Orders come in (updated_at, id) order. A cursor is `<updated_at ISO>|<id>` of a row: the
//     page holds the rows strictly after it, so rows sharing an updated_at are never skipped or
//     repeated at a page boundary. next_cursor is the cursor of the page's last row.
//   GET /orders/:id                                 → one order, or 404
//   POST /__control { action, ...arguments }        → the control methods below, over HTTP
import { timingSafeEqual } from "node:crypto";
import Fastify from "fastify";
import { breakOrder, generateOrders, orderId, withPayment, type MalformedKind, type StorefrontOrder } from "./catalog.ts";

export { generateOrders, orderId, type MalformedKind, type StorefrontOrder, type StorefrontPayment } from "./catalog.ts";

export interface FakeStorefrontOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** How many orders exist at start. */
  orders?: number;
  seed?: number;
  /** Largest page served; a bigger `limit` is cut to it. */
  pageSizeMax?: number;
  /** The bearer token every request must carry. */
  token: string;
  /** updated_at of the newest generated order (default 2026-11-01T00:00:00Z). */
  epoch?: Date;
  /** How many consecutive generated orders share one updated_at (default 3). */
  tieGroup?: number;
  /** Time between generated groups (default one minute). */
  spacingMs?: number;
  /**
   * Orders carry the storefront's payment (catalog.ts withPayment: three in four paid online, with
   * a reference `pi_<seed>_<order id>`, the rest pending). Off: no payment field, as a storefront
   * that does not report payments.
   */
  payments?: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  updatedAfter: string | null;
  limit: number | null;
  status: number;
}

export interface StorefrontControl {
  /** Every request the storefront answered, oldest first. */
  readonly requests: readonly RequestRecord[];
  clearRequests(): void;
  /** The orders as they are now, in feed order (broken rows as they would be when fixed). */
  list(): StorefrontOrder[];
  get(id: string): StorefrontOrder | undefined;
  /** New orders, newest in the feed; `updatedAt` backdates them (a row a cursor has already passed). */
  addOrders(count: number, options?: { updatedAt?: Date }): StorefrontOrder[];
  /** Changes an order, which moves it to the end of the feed (a new updated_at). */
  updateOrder(id: string, patch: Partial<Omit<StorefrontOrder, "id" | "updated_at">>): StorefrontOrder;
  /** Serves these orders malformed from now on (a change: they move to the end of the feed). */
  breakOrders(ids: readonly string[], how?: MalformedKind): void;
  /** Serves them well-formed again (a change: they move to the end of the feed). */
  fixOrders(ids: readonly string[]): void;
  /** A row without an id (or anything else of an order) at the end of the feed. */
  addGarbageRow(): void;
  /** After `pages` more pages, every /orders request answers 500 until this is called with null. */
  failAfterPages(pages: number | null): void;
  /** Every response waits this long first (null: no delay). */
  slowPages(ms: number | null): void;
  /** Every page after a cursor starts with the `rows` rows before the cursor again (an overlapping feed). */
  serveDuplicates(rows: number): void;
  newestUpdatedAt(): string | null;
}

export interface FakeStorefront {
  url: string;
  control: StorefrontControl;
  stop(): Promise<void>;
}

interface Row {
  /** The sort key; for a garbage row an id of our own that the served JSON does not carry. */
  id: string;
  updatedAt: number;
  order: StorefrontOrder | null;
  broken: MalformedKind | null;
  garbage: boolean;
}

const DEFAULT_EPOCH = Date.UTC(2026, 10, 1);

function cursorOf(row: Pick<Row, "id" | "updatedAt">): string {
  return `${new Date(row.updatedAt).toISOString()}|${row.id}`;
}

function parseCursor(cursor: string): { updatedAt: number; id: string } | null {
  const bar = cursor.indexOf("|");
  if (bar <= 0) return null;
  const updatedAt = Date.parse(cursor.slice(0, bar));
  const id = cursor.slice(bar + 1);
  if (Number.isNaN(updatedAt) || id.length === 0) return null;
  return { updatedAt, id };
}

function after(row: Pick<Row, "id" | "updatedAt">, key: { updatedAt: number; id: string }): boolean {
  return row.updatedAt > key.updatedAt || (row.updatedAt === key.updatedAt && row.id > key.id);
}

function compareRows(a: Row, b: Row): number {
  return a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startFakeStorefront(options: FakeStorefrontOptions): Promise<FakeStorefront> {
  if (options.token.length < 8) throw new Error("the fake storefront's token must have at least 8 characters");
  const pageSizeMax = options.pageSizeMax ?? 500;
  const rows = new Map<string, Row>();
  const paid = (order: StorefrontOrder, index: number) => (options.payments ? withPayment(order, index, `pi_${options.seed ?? 1}`) : order);
  generateOrders({
    count: options.orders ?? 0,
    seed: options.seed ?? 1,
    epoch: options.epoch?.getTime() ?? DEFAULT_EPOCH,
    tieGroup: options.tieGroup ?? 3,
    spacingMs: options.spacingMs ?? 60_000,
  }).forEach((generated, index) => {
    const order = paid(generated, index);
    rows.set(order.id, { id: order.id, updatedAt: Date.parse(order.updated_at), order, broken: null, garbage: false });
  });
  let nextIndex = rows.size;
  let garbageCount = 0;
  const requests: RequestRecord[] = [];
  let failAfter: number | null = null;
  let delayMs: number | null = null;
  let duplicates = 0;

  // The rows in feed order, kept until a row changes: a page is served from it like a real store
  // serves one from an index, so a benchmark run in this process measures the intake, not sorting.
  let inOrder: Row[] | null = null;
  // Rows are never removed and a change only moves a row's time forward: the newest time only grows.
  let latest = 0;
  for (const row of rows.values()) latest = Math.max(latest, row.updatedAt);
  const changed = (row: Row) => {
    inOrder = null;
    latest = Math.max(latest, row.updatedAt);
  };
  const put = (row: Row) => {
    rows.set(row.id, row);
    changed(row);
  };
  const sorted = (): readonly Row[] => (inOrder ??= [...rows.values()].sort(compareRows));
  /** The index of the first row after the key (binary search over the feed order). */
  const firstAfter = (all: readonly Row[], key: { updatedAt: number; id: string }): number => {
    let low = 0;
    let high = all.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (after(all[mid] as Row, key)) high = mid;
      else low = mid + 1;
    }
    return low;
  };
  // A change gets an updated_at after every other row's, like a real store's clock moving on.
  const bumpTime = () => Math.max(Date.now(), latest + 1);

  const served = (row: Row): unknown => {
    if (row.garbage || !row.order) return { note: "this row has lost every field of an order" };
    return row.broken ? breakOrder(row.order, row.broken) : row.order;
  };

  const requireRow = (id: string): Row & { order: StorefrontOrder } => {
    const row = rows.get(id);
    if (!row?.order) throw new Error(`the fake storefront has no order ${id}`);
    return row as Row & { order: StorefrontOrder };
  };

  const touch = (row: Row & { order: StorefrontOrder }) => {
    row.updatedAt = bumpTime();
    row.order = { ...row.order, updated_at: new Date(row.updatedAt).toISOString() };
    changed(row);
  };

  const control: StorefrontControl = {
    requests,
    clearRequests: () => void requests.splice(0),
    list: () => sorted().flatMap((r) => (r.order ? [r.order] : [])),
    get: (id) => rows.get(id)?.order ?? undefined,
    addOrders(count, addOptions = {}) {
      const at = addOptions.updatedAt?.getTime();
      const made = generateOrders({ count, seed: (options.seed ?? 1) * 7919 + nextIndex, epoch: 0, tieGroup: 1, spacingMs: 0 });
      return made.map((generated) => {
        const index = nextIndex++;
        const id = orderId(index);
        const updatedAt = at ?? bumpTime();
        const order = paid(
          {
            ...generated,
            id,
            created_at: new Date(updatedAt).toISOString(),
            updated_at: new Date(updatedAt).toISOString(),
            due_at: generated.due_at ? new Date(updatedAt + 7 * 86_400_000).toISOString() : null,
          },
          index,
        );
        put({ id, updatedAt, order, broken: null, garbage: false });
        return order;
      });
    },
    updateOrder(id, patch) {
      const row = requireRow(id);
      row.order = { ...row.order, ...patch, id };
      touch(row);
      return row.order;
    },
    breakOrders(ids, how = "quantity") {
      for (const id of ids) {
        const row = requireRow(id);
        row.broken = how;
        touch(row);
      }
    },
    fixOrders(ids) {
      for (const id of ids) {
        const row = requireRow(id);
        row.broken = null;
        touch(row);
      }
    },
    addGarbageRow() {
      const id = `~garbage-${++garbageCount}`;
      put({ id, updatedAt: bumpTime(), order: null, broken: null, garbage: true });
    },
    failAfterPages: (pages) => void (failAfter = pages),
    slowPages: (ms) => void (delayMs = ms),
    serveDuplicates: (count) => void (duplicates = count),
    newestUpdatedAt: () => (rows.size === 0 ? null : new Date(latest).toISOString()),
  };

  const app = Fastify({ logger: false, forceCloseConnections: true });

  app.addHook("onRequest", async (request, reply) => {
    const header = request.headers.authorization ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7) : "";
    if (!sameToken(token, options.token)) return reply.code(401).send({ error: "missing or wrong bearer token" });
  });

  app.addHook("onResponse", async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    requests.push({
      method: request.method,
      path: request.routeOptions.url ?? request.url,
      updatedAfter: query.updated_after ?? null,
      limit: query.limit === undefined ? null : Number(query.limit),
      status: reply.statusCode,
    });
  });

  const pause = async () => {
    if (delayMs !== null) await new Promise((resolve) => setTimeout(resolve, delayMs as number));
  };

  app.get("/orders", async (request, reply) => {
    await pause();
    if (failAfter !== null) {
      if (failAfter <= 0) return reply.code(500).send({ error: "the storefront is having a bad day" });
      failAfter -= 1;
    }
    const query = request.query as Record<string, string | undefined>;
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1) return reply.code(400).send({ error: "limit must be a positive integer" });
    const key = query.updated_after ? parseCursor(query.updated_after) : null;
    if (query.updated_after && !key) return reply.code(400).send({ error: "updated_after is not a cursor this storefront made" });

    const all = sorted();
    const from = key ? firstAfter(all, key) : 0;
    const page = all.slice(from, from + Math.min(limit, pageSizeMax));
    const repeated = key && duplicates > 0 ? all.slice(Math.max(0, from - duplicates), from) : [];
    const last = page.at(-1);
    return {
      orders: [...repeated, ...page].map(served),
      next_cursor: last ? cursorOf(last) : (query.updated_after ?? null),
      has_more: from + page.length < all.length,
      newest_updated_at: control.newestUpdatedAt(),
    };
  });

  app.get("/orders/:id", async (request, reply) => {
    await pause();
    const row = rows.get((request.params as { id: string }).id);
    if (!row || row.garbage) return reply.code(404).send({ error: "no such order" });
    return served(row);
  });

  app.post("/__control", async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const ids = Array.isArray(body.ids) ? body.ids.filter((id): id is string => typeof id === "string") : [];
    const count = typeof body.count === "number" ? body.count : null;
    try {
      switch (body.action) {
        case "addOrders":
          return { orders: control.addOrders(count ?? 1) };
        case "updateOrder":
          return { order: control.updateOrder(String(body.id), (body.patch ?? {}) as Partial<StorefrontOrder>) };
        case "breakOrders":
          control.breakOrders(ids, (body.how as MalformedKind | undefined) ?? "quantity");
          return { ok: true };
        case "fixOrders":
          control.fixOrders(ids);
          return { ok: true };
        case "failAfterPages":
          control.failAfterPages(count);
          return { ok: true };
        case "slowPages":
          control.slowPages(count);
          return { ok: true };
        case "serveDuplicates":
          control.serveDuplicates(count ?? 0);
          return { ok: true };
        default:
          return reply.code(400).send({ error: "unknown action" });
      }
    } catch (error) {
      return reply.code(404).send({ error: error instanceof Error ? error.message : String(error) });
    }
  });

  const host = options.host ?? "127.0.0.1";
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return { url: `http://${host}:${port}`, control, stop: () => app.close() };
}
