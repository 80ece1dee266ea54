// Builds the API against a fresh real database for one test file: sites with a user per role,
// a station, sessions, and tRPC callers acting as each of them.
import { DomainError, type UserRole } from "@orderdeck/contracts";
import { createTestDatabase, type TestDatabase } from "@orderdeck/db/testing";
import { createLogger } from "@orderdeck/logging";
import { TRPCError } from "@trpc/server";
import { afterAll, expect } from "vitest";
import { hashPassword } from "../src/auth/passwords.ts";
import { hashToken, newToken } from "../src/auth/tokens.ts";
import type { Context, Credentials, ServerDependencies } from "../src/context.ts";
import { poolConnection } from "../src/intake/source-lock.ts";
import { createMetrics } from "../src/observability/metrics.ts";
import { createRateLimits, type RateLimitPolicy } from "../src/rate-limits/limits.ts";
import { createSiteChangeListener, type SiteChangeListener } from "../src/sync/events.ts";
import { appRouter } from "../src/root.ts";
import { createCallerFactory } from "../src/trpc.ts";

export const TEST_SECRET = "test-secret-key-for-hashing-tokens-0123456789";
export const TEST_PASSWORD = "correct horse battery";

const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

export interface SiteFixture {
  siteId: string;
  stationId: string;
  stationToken: string;
  users: Record<UserRole, { id: string; email: string; sessionToken: string }>;
  /** Callers signed in as each role at the site's station. */
  as: Record<UserRole, Caller>;
}

export interface ApiHarness {
  db: TestDatabase;
  deps: ServerDependencies;
  /** A caller with exactly these credentials (or none: an anonymous caller). */
  caller(credentials?: Partial<Credentials>, ip?: string): Caller;
  createSite(name?: string): Promise<SiteFixture>;
  /** A new session for one of the site's users, at its station: a caller nobody else has signed out. */
  signIn(site: SiteFixture, role: UserRole): Promise<Caller>;
  drop(): Promise<void>;
}

let siteCounter = 0;

export interface HarnessOptions {
  /** Limits for this file's tests (short windows, small budgets); the rest stays as the harness default. */
  rateLimitPolicy?: Partial<RateLimitPolicy>;
}

// Suites make hundreds of calls on one session on purpose (hostile input, concurrency), so the
// harness's per-session budget is generous; rate-limit tests set their own policy.
const HARNESS_SESSION_BUDGET = { points: 1_000_000, durationSeconds: 60, blockSeconds: 0 };

export async function createApiHarness(
  overrides: Partial<ServerDependencies> = {},
  options: HarnessOptions = {},
): Promise<ApiHarness> {
  const db = await createTestDatabase();
  // Connects on the first sync.events subscription only: most suites never subscribe.
  const siteChanges: SiteChangeListener = createSiteChangeListener({ connectionString: db.url, logger: createLogger({ silent: true }) });
  const deps: ServerDependencies = {
    prisma: db.prisma,
    logger: createLogger({ silent: true }),
    metrics: createMetrics(),
    version: "test",
    sessions: { secretKey: TEST_SECRET, idleMs: 12 * 3_600_000 },
    rateLimits: createRateLimits(db.pool, {
      sessionBudget: HARNESS_SESSION_BUDGET,
      scanPerUser: HARNESS_SESSION_BUDGET,
      scanPerIp: HARNESS_SESSION_BUDGET,
      ...options.rateLimitPolicy,
    }),
    siteChanges,
    // Retries of a failing feed wait a moment only: the fake storefront fails on purpose.
    intake: { withConnection: poolConnection(db.pool), settings: { retryDelayMs: 10, allowPrivateNetworks: true } },
    ...overrides,
  };
  const passwordHash = await hashPassword(TEST_PASSWORD);

  const caller = (credentials: Partial<Credentials> = {}, ip = "127.0.0.1"): Caller => {
    const ctx: Context = {
      ...deps,
      requestId: `test-${Math.random().toString(36).slice(2)}`,
      ip,
      userAgent: "vitest",
      credentials: { authorization: credentials.authorization, stationToken: credentials.stationToken },
    };
    return createCaller(ctx);
  };

  async function createSite(name = `Workshop ${++siteCounter}`): Promise<SiteFixture> {
    const site = await db.prisma.site.create({ data: { name, timezone: "Europe/Berlin" } });
    const stationToken = newToken();
    const station = await db.prisma.station.create({
      data: { siteId: site.id, name: `${name} counter`, tokenHash: hashToken(TEST_SECRET, stationToken) },
    });
    const users = {} as SiteFixture["users"];
    const as = {} as SiteFixture["as"];
    for (const role of ["ADMIN", "LEAD", "STAFF"] as const) {
      const email = `${role.toLowerCase()}.${site.id.slice(0, 8)}@orderdeck.test`;
      const user = await db.prisma.user.create({ data: { siteId: site.id, email, name: `${role} of ${name}`, role, passwordHash } });
      const sessionToken = await openSession(site.id, user.id, station.id);
      users[role] = { id: user.id, email, sessionToken };
      as[role] = caller({ authorization: `Bearer ${sessionToken}`, stationToken });
    }
    return { siteId: site.id, stationId: station.id, stationToken, users, as };
  }

  async function openSession(siteId: string, userId: string, stationId: string): Promise<string> {
    const sessionToken = newToken();
    await db.prisma.session.create({
      data: {
        siteId,
        userId,
        stationId,
        tokenHash: hashToken(TEST_SECRET, sessionToken),
        expiresAt: new Date(Date.now() + 12 * 3_600_000),
      },
    });
    return sessionToken;
  }

  async function signIn(site: SiteFixture, role: UserRole): Promise<Caller> {
    const token = await openSession(site.siteId, site.users[role].id, site.stationId);
    return caller({ authorization: `Bearer ${token}`, stationToken: site.stationToken });
  }

  return {
    db,
    deps,
    caller,
    createSite,
    signIn,
    drop: async () => {
      await siteChanges.close();
      await db.drop();
    },
  };
}

/**
 * The harness of the calling test file, awaited at the file's top level: one database for all of
 * the file's tests, dropped after them. Its afterAll is registered before any the file adds, and
 * vitest runs afterAll hooks last-registered first, so the workers, sinks and servers a file
 * starts afterwards are stopped before their database goes.
 */
export async function apiHarnessForFile(overrides: Partial<ServerDependencies> = {}, options: HarnessOptions = {}): Promise<ApiHarness> {
  const harness = await createApiHarness(overrides, options);
  afterAll(async () => harness.drop());
  return harness;
}

/** The tRPC error a call was refused with (fails the test if the call succeeded). */
export async function refusalOf(call: Promise<unknown>): Promise<TRPCError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    return error as TRPCError;
  }
  throw new Error("expected the call to be refused, but it succeeded");
}

/** The details the DomainError behind a refusal carried (retry-after, current row, …). */
export function detailsOf(error: TRPCError): Record<string, unknown> {
  return error.cause instanceof DomainError ? (error.cause.details ?? {}) : {};
}
