import { Currency, FEED_CREDENTIALS_PREFIX, isFeedCredentialsRef, line, multiline } from "@orderdeck/contracts";
import { z } from "zod";
import { DEFAULT_FEED_SETTINGS, FeedError, getFromStorefront, type FeedSettings } from "./feed-http.ts";

/*
 * The adapter for a storefront's HTTP JSON order API (source kind "storefront-json").
 *
 *   GET {baseUrl}/orders?updated_after=<cursor>&limit=<pageSize>   Authorization: Bearer <secret>
 *     → { orders: [...], next_cursor, has_more, newest_updated_at }
 *   GET {baseUrl}/orders/{id}                                       → one order, or 404
 *
 * Orders come in (updated_at, id) order. A cursor is `<updated_at>|<id>` of an order: a page holds
 * the orders strictly after it, so orders sharing an updated_at are never lost at a page
 * boundary. Because the format is known, the sync can make the cursor of any order it has taken,
 * and so checkpoint after a chunk that ends in the middle of a page.
 *
 * The secret is looked up by the source's credentialsRef (the name of an environment variable
 * under ORDERDECK_FEED_) at the moment of the request; it is never stored, logged or put into an
 * error message. Where a request may go, and redirects: feed-http.ts.
 */

const IsoInstant = z.iso.datetime({ offset: true });

/** One order as the storefront sends it; anything else in a row is ignored. */
export const SourceOrder = z.object({
  id: line(200),
  updated_at: IsoInstant,
  status: z.enum(["open", "cancelled"]),
  customer: z.object({
    name: line(200),
    email: z.email().max(254),
    phone: line(40).nullable().optional(),
  }),
  title: line(200),
  material: line(80).nullable().optional(),
  colour: line(40).nullable().optional(),
  quantity: z.int().min(1).max(100_000),
  estimated_minutes: z.int().min(0).max(525_600).nullable().optional(),
  price_cents: z.int().min(0).max(2_147_483_647),
  currency: Currency,
  due_at: IsoInstant.nullable().optional(),
  fulfilment: z.enum(["pickup", "ship"]),
  priority: z.enum(["low", "normal", "high", "rush"]).default("normal"),
  notes: multiline(4000).nullable().optional(),
  /** How it was paid at the storefront (intake/mapping.ts "Payment"); absent or null: not paid there. */
  payment: z
    .object({
      status: z.enum(["pending", "paid", "refunded"]),
      provider: line(40).default("storefront"),
      reference: line(200).nullable().optional(),
      paid_at: IsoInstant.nullable().optional(),
    })
    .refine((p) => p.status === "pending" || Boolean(p.reference), { path: ["reference"], message: "a paid or refunded order needs the payment's reference" })
    .nullable()
    .optional(),
});
export type SourceOrder = z.infer<typeof SourceOrder>;

const FeedPageBody = z.object({
  orders: z.array(z.unknown()).max(10_000),
  next_cursor: z.string().max(500).nullable(),
  has_more: z.boolean(),
  newest_updated_at: IsoInstant.nullable().optional(),
});

export interface FeedPage {
  rows: unknown[];
  nextCursor: string | null;
  hasMore: boolean;
  /** The newest updated_at the storefront has (what sync lag is measured against). */
  newestUpdatedAt: Date | null;
}

// ---- Cursors -------------------------------------------------------------------------------------

export interface FeedPosition {
  updatedAt: string;
  id: string;
}

export function cursorToken(position: FeedPosition): string {
  return `${position.updatedAt}|${position.id}`;
}

export function parseCursorToken(token: string): FeedPosition | null {
  const bar = token.indexOf("|");
  if (bar <= 0 || bar === token.length - 1) return null;
  const updatedAt = token.slice(0, bar);
  return Number.isNaN(Date.parse(updatedAt)) ? null : { updatedAt, id: token.slice(bar + 1) };
}

/** The cursor just after a row, when the row still has a usable id and updated_at (a malformed one may not). */
export function positionOfRow(raw: unknown): string | null {
  if (typeof raw !== "object" || raw === null) return null;
  const { id, updated_at: updatedAt } = raw as Record<string, unknown>;
  if (typeof id !== "string" || id.length === 0 || id.length > 200 || id.includes("|")) return null;
  if (typeof updatedAt !== "string" || !IsoInstant.safeParse(updatedAt).success) return null;
  return cursorToken({ updatedAt, id });
}

/** The later of two cursors (in the feed's (updated_at, id) order); a cursor is never moved back. */
export function laterCursor(a: string | null, b: string | null): string | null {
  const pa = a === null ? null : parseCursorToken(a);
  const pb = b === null ? null : parseCursorToken(b);
  if (!pa) return pb ? b : a;
  if (!pb) return a;
  const ta = Date.parse(pa.updatedAt);
  const tb = Date.parse(pb.updatedAt);
  if (ta !== tb) return ta > tb ? a : b;
  return pa.id >= pb.id ? a : b;
}

export function cursorInstant(token: string | null): Date | null {
  const position = token === null ? null : parseCursorToken(token);
  return position ? new Date(position.updatedAt) : null;
}

// ---- HTTP ----------------------------------------------------------------------------------------

export { DEFAULT_FEED_SETTINGS, FeedError, type FeedSettings } from "./feed-http.ts";

export interface FeedAccess {
  /** The secret a credentialsRef names; by default the environment variable of that name. */
  resolveSecret?: (ref: string) => string | undefined;
}

export interface FeedSource {
  baseUrl: string;
  credentialsRef: string | null;
  pageSize: number;
}

export interface StorefrontFeed {
  /** The page after `cursor` (from the first order when null). */
  page(cursor: string | null): Promise<FeedPage>;
  /** One order as the storefront has it now, or null when it has no such order. */
  order(externalId: string): Promise<unknown>;
}

const NOT_FOUND = Symbol("not found");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function storefrontFeed(source: FeedSource, access: FeedAccess = {}, settings: FeedSettings = DEFAULT_FEED_SETTINGS): StorefrontFeed {
  const resolveSecret = access.resolveSecret ?? ((ref: string) => process.env[ref]);
  const base = source.baseUrl.replace(/\/+$/, "");

  function authorization(): Record<string, string> {
    if (!source.credentialsRef) return {};
    // Whatever a row says, the server reads no variable outside the feed's prefix (the CHECK and
    // the input schema hold the same line; this is where a secret would leave).
    if (!isFeedCredentialsRef(source.credentialsRef)) {
      throw new FeedError(
        `the source's credentialsRef ${source.credentialsRef} is not under ${FEED_CREDENTIALS_PREFIX}; this server reads only variables named ${FEED_CREDENTIALS_PREFIX}… for a feed`,
        false,
      );
    }
    const secret = resolveSecret(source.credentialsRef);
    if (!secret) {
      throw new FeedError(`the storefront's secret is not set on this server: set the environment variable ${source.credentialsRef}`, false);
    }
    return { authorization: `Bearer ${secret}` };
  }

  async function once(url: string): Promise<unknown> {
    const response = await getFromStorefront(url, { accept: "application/json", ...authorization() }, settings);
    if (response.status === 404) {
      response.discard();
      return NOT_FOUND;
    }
    if (response.status === 401 || response.status === 403) {
      response.discard();
      throw new FeedError(
        `the storefront refused the credentials (HTTP ${response.status}); check the secret in ${source.credentialsRef ?? "credentialsRef (none is set)"}`,
        false,
      );
    }
    if (response.status < 200 || response.status >= 300) {
      response.discard();
      const retryable = response.status === 429 || response.status >= 500;
      throw new FeedError(`the storefront answered HTTP ${response.status}`, retryable);
    }
    const text = await response.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new FeedError("the storefront's answer is not JSON", false);
    }
  }

  async function request(url: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await once(url);
      } catch (error) {
        if (!(error instanceof FeedError) || !error.retryable || attempt >= settings.retries) throw error;
        await sleep(settings.retryDelayMs * 2 ** attempt);
      }
    }
  }

  return {
    async page(cursor) {
      const query = new URLSearchParams({ limit: String(source.pageSize) });
      if (cursor) query.set("updated_after", cursor);
      const body = await request(`${base}/orders?${query.toString()}`);
      if (body === NOT_FOUND) throw new FeedError(`the storefront has no ${base}/orders (HTTP 404): check the base URL`, false);
      const parsed = FeedPageBody.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new FeedError(`the storefront's page is not in the expected shape (${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"})`, false);
      }
      const page = parsed.data;
      return {
        rows: page.orders,
        nextCursor: page.next_cursor,
        hasMore: page.has_more,
        newestUpdatedAt: page.newest_updated_at ? new Date(page.newest_updated_at) : null,
      };
    },
    async order(externalId) {
      const body = await request(`${base}/orders/${encodeURIComponent(externalId)}`);
      return body === NOT_FOUND ? null : body;
    },
  };
}
