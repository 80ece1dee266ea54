// A real API (Fastify, tRPC, SSE, LISTEN/NOTIFY) on 127.0.0.1 over a test database, that can be
// stopped and started again on the same port, and a site with users and enrollment codes for
// consoles to set themselves up against it, exactly as a shop's would.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  createMetrics,
  createRateLimits,
  createSiteChangeListener,
  createSyncStreams,
  hashPassword,
  hashToken,
  poolConnection,
  type RateLimitPolicy,
} from "@orderdeck/api";
import {
  createConsoleCore,
  createServerClient,
  syncStateReached,
  type ConsoleCore,
  type ConsoleCoreOptions,
  type ServerClient,
  type SyncState,
} from "@orderdeck/console-core";
import { generatePickupCode } from "@orderdeck/contracts";
import { createTestDatabase, type TestDatabase } from "@orderdeck/db/testing";
import { createLogger } from "@orderdeck/logging";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { z } from "zod";
import { afterAll, beforeAll } from "vitest";
import { buildApp } from "../src/app.ts";

export const SECRET = "console-sync-test-secret-0123456789abcdef";
export const PASSWORD = "offline pickups never get lost";

export interface RunningApi {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface ApiOptions {
  /** Limits that replace the generous test ones (a file that tests a limit). */
  rateLimits?: Partial<RateLimitPolicy>;
}

/** Starts the API on `port` (0: any free one). */
export async function startApi(db: TestDatabase, port = 0, options: ApiOptions = {}): Promise<RunningApi> {
  const logger = createLogger({ silent: true });
  const opsPool = new pg.Pool({ connectionString: db.url, max: 2 });
  const siteChanges = createSiteChangeListener({ connectionString: db.url, logger, reconnect: { minMs: 100, maxMs: 1_000 } });
  await siteChanges.start();
  const generous = { points: 100_000, durationSeconds: 60, blockSeconds: 0 };
  const app = await buildApp({
    prisma: db.prisma,
    logger,
    metrics: createMetrics(),
    version: "test",
    sessions: { secretKey: SECRET, idleMs: 3_600_000 },
    rateLimits: createRateLimits(db.pool, { enrollPerIp: generous, sessionBudget: generous, scanPerIp: generous, scanPerUser: generous, ...options.rateLimits }),
    siteChanges,
    // Streams re-check their session every 200 ms here (15 s in production).
    syncStreams: createSyncStreams({ recheckMs: 200 }),
    opsPool,
    corsOrigins: [],
    metricsToken: undefined,
    workerHeartbeatStaleMs: 30_000,
    intake: { withConnection: poolConnection(db.pool) },
  });
  await app.listen({ host: "127.0.0.1", port });
  const bound = (app.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    async stop() {
      await app.close();
      await siteChanges.close();
      await opsPool.end();
    },
  };
}

/** A test file's database and API; its fields are set once the file's first `beforeAll` has run. */
export interface ApiStack {
  readonly db: TestDatabase;
  readonly api: RunningApi;
  /** Run after the file's tests, the last registered first (consoles, data folders). */
  readonly cleanups: Array<() => Promise<void>>;
  /** Stops the API (the consoles' server is "down") while `whileDown` runs, then starts it again on the same port. */
  serverDown<T>(whileDown: () => Promise<T>): Promise<T>;
  /** A console enrolled and signed in at the site, syncing, in a data folder of its own; closed and removed after the file's tests. */
  console(setup: SiteSetup, role?: ConsoleRole, options?: Partial<ConsoleCoreOptions>): Promise<{ core: ConsoleCore; dir: string }>;
}

/** A fresh database and an API over it for the calling test file, started before its tests and stopped after them. */
export function apiStackForFile(options: ApiOptions = {}): ApiStack {
  let db: TestDatabase | undefined;
  let api: RunningApi | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the API stack starts in beforeAll; use it inside tests and hooks");
    return value;
  };
  const stack: ApiStack = {
    get db() {
      return started(db);
    },
    get api() {
      return started(api);
    },
    cleanups: [],
    async serverDown(whileDown) {
      const running = started(api);
      await running.stop();
      try {
        return await whileDown();
      } finally {
        api = await startApi(started(db), running.port, options);
      }
    },
    async console(setup, role = "STAFF", consoleOptions = {}) {
      const data = await tempDir("orderdeck-console-");
      const core = await enrolledConsole(started(api), setup, data.dir, role, consoleOptions);
      stack.cleanups.push(async () => {
        await core.close();
        await data.remove();
      });
      return { core, dir: data.dir };
    },
  };
  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startApi(db, 0, options);
  });
  afterAll(async () => {
    for (const cleanup of stack.cleanups.reverse()) await cleanup().catch(() => undefined);
    await api?.stop().catch(() => undefined);
    await db?.drop();
  });
  return stack;
}

/**
 * Adds `count` queued jobs ("Part 1", "Part 2", …) to a new site in one statement, as an import
 * would: the bookkeeping trigger is switched off for the load (it numbers rows one counter update
 * at a time) and its columns, and the site's job counter, are filled here instead.
 */
export async function addQueuedJobsInBulk(db: TestDatabase, siteId: string, count: number): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("ALTER TABLE jobs DISABLE TRIGGER jobs_before_write");
    await client.query(
      `INSERT INTO jobs (id, site_id, number, change_seq, title, status, queue_position, payment_status, pickup_code)
       SELECT gen_random_uuid(), $1::uuid, i, nextval('job_change_seq'), 'Part ' || i, 'QUEUED', i * 1024, 'UNPAID',
              translate(upper(substr(md5($1::text || ':' || i), 1, 10)), '01', 'GH')
         FROM generate_series(1, $2::int) AS i`,
      [siteId, count],
    );
    await client.query("ALTER TABLE jobs ENABLE TRIGGER jobs_before_write");
    await client.query("INSERT INTO counters (site_id, kind, year, value) VALUES ($1, 'JOB', 0, $2)", [siteId, count]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
  await db.pool.query("ANALYZE jobs");
}

export type ConsoleRole = "STAFF" | "LEAD" | "ADMIN";

export interface SiteSetup {
  siteId: string;
  users: Record<ConsoleRole, { id: string; email: string }>;
  /** A fresh one-time enrollment code for another console of the site. */
  enrollmentCode(name?: string): Promise<string>;
}

const ENROLLMENT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export async function createSiteSetup(db: TestDatabase, name: string): Promise<SiteSetup> {
  const site = await db.prisma.site.create({ data: { name, timezone: "Europe/Berlin" } });
  const passwordHash = await hashPassword(PASSWORD);
  const users = {} as SiteSetup["users"];
  for (const role of ["STAFF", "LEAD", "ADMIN"] as const) {
    const email = `${role.toLowerCase()}.${site.id.slice(0, 8)}@orderdeck.test`;
    const user = await db.prisma.user.create({ data: { siteId: site.id, email, name: `${role} of ${name}`, role, passwordHash } });
    users[role] = { id: user.id, email };
  }
  let stations = 0;
  return {
    siteId: site.id,
    users,
    async enrollmentCode(stationName = `${name} counter ${++stations}`) {
      const code = [...randomBytes(12)].map((b) => ENROLLMENT_ALPHABET[b % 32]).join("");
      await db.prisma.stationEnrollment.create({
        data: { siteId: site.id, name: stationName, codeHash: hashToken(SECRET, code), expiresAt: new Date(Date.now() + 3_600_000) },
      });
      return code;
    },
  };
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A console enrolled and signed in at the site, syncing. */
export async function enrolledConsole(
  api: RunningApi,
  setup: SiteSetup,
  dataDir: string,
  role: ConsoleRole = "STAFF",
  options: Partial<ConsoleCoreOptions> = {},
): Promise<ConsoleCore> {
  const core = createConsoleCore({
    dataDir,
    defaultServerUrl: api.url,
    pollIntervalMs: 60_000,
    backoff: { minMs: 100, maxMs: 500 },
    liveAnswerTimeoutMs: 5_000,
    requestTimeoutMs: 5_000,
    ...options,
  });
  await core.setup.enroll(await setup.enrollmentCode());
  await core.setup.signIn(setup.users[role].email, PASSWORD);
  core.start();
  return core;
}

/** Waits until the console's sync state satisfies `ready` (or fails after `timeoutMs`). */
export function until(core: ConsoleCore, ready: (state: SyncState) => boolean, timeoutMs = 20_000): Promise<SyncState> {
  return syncStateReached(core, ready, timeoutMs);
}

/** Polls until `check` holds. */
export async function eventually<T>(check: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(value)?.slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** A job in any state, straight into the database (as an import would). */
export async function addJob(
  db: TestDatabase,
  siteId: string,
  options: { status?: "QUEUED" | "READY_FOR_PICKUP"; paymentStatus?: "PAID" | "UNPAID"; title?: string } = {},
): Promise<{ id: string; pickupCode: string; number: number }> {
  const status = options.status ?? "QUEUED";
  const position = await db.pool.query<{ next: number }>("SELECT COALESCE(max(queue_position), 0) + 1024 AS next FROM jobs WHERE site_id = $1", [siteId]);
  const job = await db.prisma.job.create({
    data: {
      siteId,
      title: options.title ?? `Bracket ${randomUUID().slice(0, 6)}`,
      status,
      queuePosition: position.rows[0]?.next ?? 1024,
      paymentStatus: options.paymentStatus ?? "PAID",
      priceCents: 1_500,
      pickupCode: generatePickupCode(),
    },
  });
  return { id: job.id, pickupCode: job.pickupCode, number: job.number };
}

/**
 * A console's own line to the server that a test can cut while the server stays up (the console is
 * offline, everyone else is not): every request fails as an unreachable server does.
 */
export function cuttableNetwork(): { fetch: typeof fetch; cut(down: boolean): void; refused(path: string): number } {
  let down = false;
  const refused: string[] = [];
  return {
    fetch: async (input, init) => {
      if (down) {
        refused.push(String(input));
        throw new TypeError("fetch failed: network unreachable");
      }
      return fetch(input, init);
    },
    cut(next) {
      down = next;
    },
    /** Requests to `path` (e.g. "sync.push") that failed because the line was cut. */
    refused: (path) => refused.filter((url) => url.includes(path)).length,
  };
}

/** One of the site's people, signed in over HTTP like any other client of the API (no station). */
export async function signedInOver(api: RunningApi, setup: SiteSetup, role: ConsoleRole): Promise<ServerClient> {
  let sessionToken: string | null = null;
  const client = createServerClient({ url: api.url, credentials: () => ({ sessionToken, stationToken: null }) });
  sessionToken = (await client.mutation("auth.login", { email: setup.users[role].email, password: PASSWORD }, z.object({ token: z.string() }))).token;
  return client;
}

/** The site's admin, signed in over HTTP (for users.disable, changeRole, …). */
export function adminOf(api: RunningApi, setup: SiteSetup): Promise<ServerClient> {
  return signedInOver(api, setup, "ADMIN");
}
