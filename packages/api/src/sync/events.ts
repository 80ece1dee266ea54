// sync.events: pokes for the consoles of a site whose rows changed. The database announces every
// committed change of jobs, customers and handoffs on one channel (migration sync); each API
// process holds ONE connection that LISTENs to it and fans the pokes out to the consoles connected
// to that process, so a change made through any instance reaches every console. LISTEN belongs to
// a session: its connection string must reach PostgreSQL directly (DATABASE_DIRECT_URL), never
// through a transaction pooler, which would hand the session to other clients between statements.
import { latestValues, type SyncPoke } from "@orderdeck/contracts";
import type { Logger } from "@orderdeck/logging";
import pg from "pg";

export const SITE_CHANGES_CHANNEL = "orderdeck_site_changes";

/** Where a process's consoles subscribe to their site's changes. */
export interface SiteChangeFeed {
  /** Calls `listener` after the site's rows changed (at most once per coalescing window). */
  subscribe(siteId: string, listener: (poke: SyncPoke) => void): () => void;
}

export interface SiteChangeListenerOptions {
  connectionString: string;
  logger: Logger;
  /** A burst of changes becomes at most one poke per site per this many ms. */
  coalesceMs?: number;
  /** Reconnect delays while the database is unreachable: doubling from `minMs` up to `maxMs`. */
  reconnect?: { minMs: number; maxMs: number };
  onPoke?: () => void;
}

export interface SiteChangeListener extends SiteChangeFeed {
  /** Connects and listens now (otherwise on the first subscription). */
  start(): Promise<void>;
  close(): Promise<void>;
  /** True while the LISTEN connection is up. */
  readonly listening: boolean;
}

interface SiteState {
  listeners: Set<(poke: SyncPoke) => void>;
  lastSent: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export function createSiteChangeListener(options: SiteChangeListenerOptions): SiteChangeListener {
  const coalesceMs = options.coalesceMs ?? 100;
  const reconnect = options.reconnect ?? { minMs: 250, maxMs: 30_000 };
  const { logger } = options;
  const sites = new Map<string, SiteState>();
  let client: pg.Client | null = null;
  let listening = false;
  let closed = false;
  let connecting: Promise<void> | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;

  const send = (siteId: string, state: SiteState): void => {
    state.timer = null;
    state.lastSent = Date.now();
    const poke: SyncPoke = { siteId, at: new Date().toISOString() };
    for (const listener of state.listeners) {
      options.onPoke?.();
      try {
        listener(poke);
      } catch (error) {
        logger.warn("a sync subscriber failed on a poke", { siteId, error: error instanceof Error ? error.message : String(error) });
      }
    }
  };

  // Leading edge at once, then at most one trailing poke per window: a console hears about the
  // first change immediately and about a burst once.
  const poke = (siteId: string): void => {
    const state = sites.get(siteId);
    if (!state || state.listeners.size === 0 || state.timer) return;
    const wait = state.lastSent + coalesceMs - Date.now();
    if (wait <= 0) send(siteId, state);
    else state.timer = setTimeout(() => send(siteId, state), wait);
  };

  const scheduleReconnect = (): void => {
    if (closed || retryTimer) return;
    const base = Math.min(reconnect.maxMs, reconnect.minMs * 2 ** Math.min(failures, 16));
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    failures++;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, delay);
  };

  const lost = (reason: string): void => {
    if (!listening && !client) return;
    listening = false;
    const old = client;
    client = null;
    old?.removeAllListeners();
    old?.on("error", () => undefined);
    void old?.end().catch(() => undefined);
    if (closed) return;
    logger.warn("lost the database connection that listens for site changes; reconnecting", { reason });
    scheduleReconnect();
  };

  const connect = (): Promise<void> => {
    if (closed) return Promise.resolve();
    connecting ??= (async () => {
      const next = new pg.Client({ connectionString: options.connectionString, connectionTimeoutMillis: 5_000, keepAlive: true });
      next.on("error", (error) => lost(error.message));
      next.on("end", () => lost("connection ended"));
      next.on("notification", (message) => {
        if (message.channel === SITE_CHANGES_CHANNEL && message.payload) poke(message.payload);
      });
      try {
        await next.connect();
        await next.query(`LISTEN ${SITE_CHANGES_CHANNEL}`);
      } catch (error) {
        next.removeAllListeners();
        next.on("error", () => undefined);
        await next.end().catch(() => undefined);
        logger.warn("cannot listen for site changes yet; retrying", { error: error instanceof Error ? error.message : String(error), attempt: failures + 1 });
        scheduleReconnect();
        return;
      }
      if (closed) {
        await next.end().catch(() => undefined);
        return;
      }
      client = next;
      listening = true;
      if (failures > 0) logger.info("listening for site changes again", { attempts: failures });
      failures = 0;
      // Changes made while nobody listened were not announced: every console pulls once.
      for (const siteId of sites.keys()) poke(siteId);
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  };

  return {
    get listening() {
      return listening;
    },
    start: () => (listening ? Promise.resolve() : connect()),
    subscribe(siteId, listener) {
      let state = sites.get(siteId);
      if (!state) {
        state = { listeners: new Set(), lastSent: 0, timer: null };
        sites.set(siteId, state);
      }
      state.listeners.add(listener);
      if (!listening && !connecting && !retryTimer) void connect();
      return () => {
        const current = sites.get(siteId);
        if (!current) return;
        current.listeners.delete(listener);
        if (current.listeners.size === 0) {
          if (current.timer) clearTimeout(current.timer);
          sites.delete(siteId);
        }
      };
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      for (const state of sites.values()) if (state.timer) clearTimeout(state.timer);
      sites.clear();
      await connecting?.catch(() => undefined);
      const old = client;
      client = null;
      listening = false;
      if (old) {
        old.removeAllListeners();
        old.on("error", () => undefined);
        await old.end().catch(() => undefined);
      }
    },
  };
}

/**
 * The pokes of one site as an async iterable for a tRPC subscription: one at once (the console
 * may have missed changes while it was not connected), then one per change, never queued deeper
 * than one (a slow reader gets one poke for everything it missed), until `signal` aborts.
 */
export function sitePokes(feed: SiteChangeFeed, siteId: string, signal: AbortSignal | undefined): AsyncGenerator<SyncPoke> {
  return latestValues<SyncPoke>({ siteId, at: new Date().toISOString() }, (onPoke) => feed.subscribe(siteId, onPoke), signal);
}
