// Rate limits on their Postgres store: login per address, per account at one address (a lock)
// and per account from anywhere (a short block, not at an enrolled console), with retry-after, enrollment per address, the per-session budget, and failing closed when the
// store cannot be used. A short policy stands in for the real 15-minute windows.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { Metrics } from "../src/observability/metrics.ts";
import { createRateLimitPool, createRateLimits, limiterKey, type RateLimitPolicy } from "../src/rate-limits/limits.ts";
import { auditRows, bearer } from "./auth-helpers.ts";
import { apiHarnessForFile, createApiHarness, detailsOf, refusalOf, TEST_PASSWORD } from "./harness.ts";
import { addPickupJob, count, fingerprint } from "./pickup-helpers.ts";

const WINDOW_SECONDS = 2;
const ADDRESS_FAILURES = 8;
const ACCOUNT_FAILURES = 6;
const ACCOUNT_BLOCK_SECONDS = 1;
const POLICY: Partial<RateLimitPolicy> = {
  loginPerAccountAddress: { points: 3, durationSeconds: WINDOW_SECONDS, blockSeconds: WINDOW_SECONDS },
  loginPerEmail: { points: ACCOUNT_FAILURES, durationSeconds: WINDOW_SECONDS, blockSeconds: ACCOUNT_BLOCK_SECONDS },
  loginPerIp: { points: ADDRESS_FAILURES, durationSeconds: WINDOW_SECONDS, blockSeconds: WINDOW_SECONDS },
  enrollPerIp: { points: 3, durationSeconds: WINDOW_SECONDS, blockSeconds: WINDOW_SECONDS },
  sessionBudget: { points: 5, durationSeconds: 60, blockSeconds: 0 },
  scanPerUser: { points: 3, durationSeconds: 60, blockSeconds: 60 },
};

let ipCounter = 0;
const freshIp = () => `192.0.2.${++ipCounter}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function counterValue(counter: Metrics["rateLimitRejections"] | Metrics["loginFailures"], labels: Record<string, string>) {
  const metric = await counter.get();
  return metric.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k as never] === l))?.value ?? 0;
}

const harness = await apiHarnessForFile({}, { rateLimitPolicy: POLICY });
const site = await harness.createSite("Limits");

describe("login lockout", () => {
  it("locks a guessing address out of the account it guesses at; the person signs in fine from another address", async () => {
    const email = site.users.STAFF.email;
    const attacker = harness.caller({}, freshIp());
    const answers: string[] = [];
    for (let i = 0; i < 12; i++) answers.push((await refusalOf(attacker.auth.login({ email, password: `guess ${i}` }))).code);
    expect(answers.slice(0, 3)).toEqual(Array(3).fill("UNAUTHORIZED"));
    expect(answers.slice(3)).toEqual(Array(9).fill("TOO_MANY_REQUESTS"));
    // Locked there even with the right password, the refusal naming the lock and the wait.
    const locked = await refusalOf(attacker.auth.login({ email, password: TEST_PASSWORD }));
    expect(locked.code).toBe("TOO_MANY_REQUESTS");
    const retryAfter = detailsOf(locked).retryAfterSeconds as number;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(locked.message).toContain(`Try again in ${retryAfter} seconds`);
    expect(["login_account_address", "login_ip"]).toContain(detailsOf(locked).limiter);

    // The real user, at another address, is not locked out.
    const signedIn = await harness.caller({}, freshIp()).auth.login({ email, password: TEST_PASSWORD });
    expect(signedIn.user.id).toBe(site.users.STAFF.id);
    const lockouts = (await auditRows(harness, "auth.lockout")).filter((r) => r.target === `user:${site.users.STAFF.id}`);
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0]).toMatchObject({ site_id: site.siteId, details: { limiter: "loginPerAccountAddress", lockedForSeconds: WINDOW_SECONDS } });
    await sleep(WINDOW_SECONDS * 1000 + 200);
  });

  it("slows an account guessed at from many addresses for a short block only, and never at an enrolled console", async () => {
    const shop = await harness.createSite("Sprayed");
    const email = shop.users.ADMIN.email;
    for (let i = 0; i < ACCOUNT_FAILURES; i++) {
      expect((await refusalOf(harness.caller({}, freshIp()).auth.login({ email, password: "wrong password" }))).code).toBe("UNAUTHORIZED");
    }
    // From yet another address, without a console: slowed, with the short wait.
    const slowed = await refusalOf(harness.caller({}, freshIp()).auth.login({ email, password: TEST_PASSWORD }));
    expect(slowed.code).toBe("TOO_MANY_REQUESTS");
    expect(detailsOf(slowed)).toMatchObject({ limiter: "login_email" });
    expect(detailsOf(slowed).retryAfterSeconds).toBeLessThanOrEqual(ACCOUNT_BLOCK_SECONDS);
    expect(slowed.message).toMatch(/slowed down \(not at an enrolled console\)/);
    // The site's only admin, at one of the shop's consoles from a fresh address, gets in at once.
    const atConsole = await harness.caller({ stationToken: shop.stationToken }, freshIp()).auth.login({ email, password: TEST_PASSWORD });
    expect(atConsole.user.id).toBe(shop.users.ADMIN.id);
    expect(atConsole.station?.id).toBe(shop.stationId);
    const lockouts = (await auditRows(harness, "auth.lockout")).filter((r) => r.target === `user:${shop.users.ADMIN.id}`);
    expect(lockouts.map((r) => r.details)).toEqual([{ limiter: "loginPerEmail", lockedForSeconds: ACCOUNT_BLOCK_SECONDS }]);
    // And anywhere else once the short block is over.
    await sleep(ACCOUNT_BLOCK_SECONDS * 1000 + 200);
    expect((await harness.caller({}, freshIp()).auth.login({ email, password: TEST_PASSWORD })).user.id).toBe(shop.users.ADMIN.id);
    await sleep(WINDOW_SECONDS * 1000 + 200);
  });

  it("locks an address after the limit of failures across any accounts", async () => {
    const ip = freshIp();
    const from = harness.caller({}, ip);
    for (let i = 0; i < ADDRESS_FAILURES; i++) {
      expect((await refusalOf(from.auth.login({ email: `guess${i}@orderdeck.test`, password: "wrong password" }))).code).toBe("UNAUTHORIZED");
    }
    const locked = await refusalOf(from.auth.login({ email: site.users.LEAD.email, password: TEST_PASSWORD }));
    expect(locked.code).toBe("TOO_MANY_REQUESTS");
    expect(detailsOf(locked)).toMatchObject({ limiter: "login_ip" });
    const lockouts = (await auditRows(harness, "auth.lockout")).filter((r) => r.target === `ip:${ip}`);
    expect(lockouts).toHaveLength(1);

    // The account itself is not locked: from elsewhere it signs in.
    expect((await harness.caller({}, freshIp()).auth.login({ email: site.users.LEAD.email, password: TEST_PASSWORD })).user.id).toBe(
      site.users.LEAD.id,
    );
    await sleep((detailsOf(locked).retryAfterSeconds as number) * 1000 + 200);
    expect((await from.auth.login({ email: site.users.LEAD.email, password: TEST_PASSWORD })).user.id).toBe(site.users.LEAD.id);
  });

  it("does not count successful sign-ins against the address", async () => {
    const from = harness.caller({}, freshIp());
    for (let i = 0; i < ADDRESS_FAILURES + 2; i++) await from.auth.login({ email: site.users.ADMIN.email, password: TEST_PASSWORD });
  });

  it("cannot be outrun by parallel guesses: no more than the limit are even checked", async () => {
    const shop = await harness.createSite("Parallel");
    const ip = freshIp();
    const fromOne = await Promise.allSettled(
      Array.from({ length: 8 }, () => harness.caller({}, ip).auth.login({ email: shop.users.STAFF.email, password: "wrong password" })),
    );
    const fromMany = await Promise.allSettled(
      Array.from({ length: 12 }, () => harness.caller({}, freshIp()).auth.login({ email: shop.users.LEAD.email, password: "wrong password" })),
    );
    const codes = (results: typeof fromOne) => results.map((r) => (r.status === "rejected" ? (r.reason as { code: string }).code : "OK"));
    // One address: the account-and-address limit.
    expect(codes(fromOne).filter((c) => c === "UNAUTHORIZED")).toHaveLength(3);
    expect(codes(fromOne).filter((c) => c === "TOO_MANY_REQUESTS")).toHaveLength(5);
    // Many addresses: the account's own limit.
    expect(codes(fromMany).filter((c) => c === "UNAUTHORIZED")).toHaveLength(ACCOUNT_FAILURES);
    expect(codes(fromMany).filter((c) => c === "TOO_MANY_REQUESTS")).toHaveLength(12 - ACCOUNT_FAILURES);
    await sleep(WINDOW_SECONDS * 1000 + 200);
  });

  it("counts failures and lockouts in the metrics", async () => {
    expect(await counterValue(harness.deps.metrics.loginFailures, { reason: "credentials" })).toBeGreaterThanOrEqual(8);
    expect(await counterValue(harness.deps.metrics.loginFailures, { reason: "locked" })).toBeGreaterThanOrEqual(2);
    for (const limiter of ["login_account_address", "login_email", "login_ip"]) {
      expect(await counterValue(harness.deps.metrics.rateLimitRejections, { limiter }), limiter).toBeGreaterThanOrEqual(1);
    }
    const exposition = await harness.deps.metrics.registry.metrics();
    expect(exposition).toMatch(/orderdeck_rate_limit_rejections_total\{limiter="login_account_address"\} \d+/);
  });
});

describe("enrollment limit", () => {
  it("refuses enrollment attempts from an address over its limit, even with a good code", async () => {
    const admin = await harness.signIn(site, "ADMIN");
    const { code } = await admin.stations.createEnrollment({ name: "Limited console" });
    const from = harness.caller({}, freshIp());
    for (let i = 0; i < 3; i++) {
      expect((await refusalOf(from.stations.enroll({ code: "AAAA-BBBB-CCCC" }))).code).toBe("UNAUTHORIZED");
    }
    const limited = await refusalOf(from.stations.enroll({ code }));
    expect(limited.code).toBe("TOO_MANY_REQUESTS");
    expect(detailsOf(limited)).toMatchObject({ limiter: "enroll_ip" });
    // The code was not spent by the refused attempt.
    expect((await harness.caller({}, freshIp()).stations.enroll({ code })).station.name).toBe("Limited console");
  });

  it("counts only refused attempts: a shop enrolls more consoles than the limit from one address", async () => {
    const admin = await harness.signIn(site, "ADMIN");
    const from = harness.caller({}, freshIp());
    for (let i = 0; i < 5; i++) {
      const { code } = await admin.stations.createEnrollment({ name: `Counter ${i + 1}` });
      expect((await from.stations.enroll({ code })).station.name).toBe(`Counter ${i + 1}`);
    }
    // The refused guesses still count: three of them use up this address's budget.
    for (let i = 0; i < 3; i++) {
      expect((await refusalOf(from.stations.enroll({ code: "AAAA-BBBB-CCCC" }))).code).toBe("UNAUTHORIZED");
    }
    expect((await refusalOf(from.stations.enroll({ code: "AAAA-BBBB-CCCC" }))).code).toBe("TOO_MANY_REQUESTS");
  });
});

describe("per-session budget", () => {
  it("refuses a session's calls beyond its budget, without touching other sessions", async () => {
    const spender = await harness.signIn(site, "STAFF");
    for (let i = 0; i < 5; i++) await spender.auth.me();
    const refused = await refusalOf(spender.auth.me());
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(detailsOf(refused)).toMatchObject({ limiter: "session" });
    expect(detailsOf(refused).retryAfterSeconds).toBeGreaterThan(0);
    // Another session is untouched.
    const other = await harness.signIn(site, "STAFF");
    expect((await other.auth.me()).user.id).toBe(site.users.STAFF.id);

    // Calls refused for their role spend the budget as well.
    const prober = await harness.signIn(site, "STAFF");
    for (let i = 0; i < 5; i++) expect((await refusalOf(prober.users.list())).code).toBe("FORBIDDEN");
    expect((await refusalOf(prober.users.list())).code).toBe("TOO_MANY_REQUESTS");
    expect(await counterValue(harness.deps.metrics.rateLimitRejections, { limiter: "session" })).toBeGreaterThanOrEqual(1);
  });
});

describe("the limiters' own pool", () => {
  it("counts without waiting for the disk, time-boxes its statements, and limits like any store", async () => {
    const pool = createRateLimitPool(harness.db.url, () => undefined);
    const counted = await createApiHarness({ rateLimits: createRateLimits(pool, POLICY) });
    try {
      const settings = await pool.query<{ synchronous_commit: string; statement_timeout: string }>(
        "SELECT current_setting('synchronous_commit') AS synchronous_commit, current_setting('statement_timeout') AS statement_timeout",
      );
      expect(settings.rows[0]).toEqual({ synchronous_commit: "off", statement_timeout: "2s" });

      const shop = await counted.createSite("Own pool");
      const scanner = await counted.signIn(shop, "LEAD");
      for (let i = 0; i < 3; i++) expect((await refusalOf(scanner.pickup.lookup({ code: "2345678923" }))).code).toBe("BAD_REQUEST");
      expect((await refusalOf(scanner.pickup.lookup({ code: "2345678923" }))).code).toBe("TOO_MANY_REQUESTS");
      // The counts are committed: another connection sees them (the pool's database is this file's first one).
      const spent = await harness.db.pool.query<{ points: number }>("SELECT points FROM rate_limits WHERE key = $1", [`scan-user:${shop.users.LEAD.id}`]);
      expect(spent.rows.map((row) => row.points)).toEqual([4]);
    } finally {
      await counted.drop();
      await pool.end();
    }
  });

  it("keeps the per-session budget out of it: an ordinary read writes no count", async () => {
    const reader = await harness.signIn(site, "STAFF");
    await reader.auth.me();
    await reader.auth.me();
    const sessions = await harness.db.prisma.session.findMany({ where: { userId: site.users.STAFF.id }, select: { id: true } });
    const rows = await harness.db.pool.query("SELECT key FROM rate_limits WHERE key = ANY($1::text[])", [sessions.map((session) => `session:${session.id}`)]);
    expect(rows.rowCount).toBe(0);
  });
});

describe("pickup scan limit", () => {
  it("refuses an account's scans beyond its limit, from any of its sessions, with a retry-after", async () => {
    const first = await harness.signIn(site, "LEAD");
    // A code with a bad check symbol: refused without a lookup, but every scan still counts.
    for (let i = 0; i < 3; i++) {
      expect((await refusalOf(first.pickup.lookup({ code: "2345678923" }))).code).toBe("BAD_REQUEST");
    }
    const limited = await refusalOf(first.pickup.lookup({ code: "2345678923" }));
    expect(limited.code).toBe("TOO_MANY_REQUESTS");
    expect(limited.message).toMatch(/pickup scans from this account/);
    expect(detailsOf(limited)).toMatchObject({ limiter: "scan_user" });

    const second = await harness.signIn(site, "LEAD");
    expect((await refusalOf(second.pickup.lookup({ code: "2345678923" }))).code).toBe("TOO_MANY_REQUESTS");
    // Other accounts scan on.
    expect((await refusalOf(site.as.ADMIN.pickup.lookup({ code: "2345678923" }))).code).toBe("BAD_REQUEST");
  });
});

describe("a handover over the scan budget", () => {
  it("hands nothing over and records nothing: the budget is spent beside the scan's reads, and its refusal is the answer", async () => {
    const shop = await harness.createSite("Counter over budget");
    const ready = await addPickupJob(harness, shop);
    const counter = shop.as.STAFF;
    for (let i = 0; i < 3; i++) expect((await refusalOf(counter.pickup.lookup({ code: "2345678923" }))).code).toBe("BAD_REQUEST");
    const before = await fingerprint(harness);
    const scansBefore = await count(harness, "SELECT count(*) AS n FROM scan_records WHERE site_id = $1", [shop.siteId]);
    const mutationId = randomUUID();

    const refused = await refusalOf(counter.pickup.confirm({ code: ready.pickupCode, clientMutationId: mutationId, scannedAt: new Date().toISOString() }));
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(detailsOf(refused)).toMatchObject({ limiter: "scan_user" });
    // The job was found and locked, its handover ready to go: none of it committed.
    expect(await fingerprint(harness)).toBe(before);
    expect(await count(harness, "SELECT count(*) AS n FROM scan_records WHERE site_id = $1", [shop.siteId])).toBe(scansBefore);
    expect(await count(harness, "SELECT count(*) AS n FROM client_mutations WHERE mutation_id = $1", [mutationId])).toBe(0);
  });
});

describe("both scan budgets in one statement", () => {
  it("spends the address's budget only while the account is within its own, and locks the account on the call that goes over", async () => {
    const ip = freshIp();
    const shop = await harness.createSite("One statement");
    const scanner = harness.caller({ authorization: `Bearer ${shop.users.STAFF.sessionToken}`, stationToken: shop.stationToken }, ip);
    const points = async (key: string) =>
      (await harness.db.pool.query<{ points: number; expire: string }>("SELECT points, expire FROM rate_limits WHERE key = $1", [key])).rows[0];
    const addressKey = `scan-ip:${limiterKey(ip)}`;
    for (let i = 0; i < 3; i++) expect((await refusalOf(scanner.pickup.lookup({ code: "2345678923" }))).code).toBe("BAD_REQUEST");
    expect(await points(addressKey)).toMatchObject({ points: 3 });

    const over = await refusalOf(scanner.pickup.lookup({ code: "2345678923" }));
    expect(over.code).toBe("TOO_MANY_REQUESTS");
    // The lock of the policy (60 s), not what was left of the window.
    expect(detailsOf(over)).toMatchObject({ limiter: "scan_user", retryAfterSeconds: 60 });
    const locked = await points(`scan-user:${shop.users.STAFF.id}`);
    expect(Number(locked?.expire) - Date.now()).toBeGreaterThan(55_000);
    // Refused by the account's budget: the address spent nothing more.
    expect((await refusalOf(scanner.pickup.lookup({ code: "2345678923" }))).code).toBe("TOO_MANY_REQUESTS");
    expect(await points(addressKey)).toMatchObject({ points: 3 });
  });
});

describe("failing closed", () => {
  it("refuses sign-in, and creates no session, while the limiter's store is unreachable", async () => {
    const deadPool = new pg.Pool({ connectionString: "postgresql://nobody:x@127.0.0.1:1/none", connectionTimeoutMillis: 500 });
    const unreachable = await createApiHarness({ rateLimits: createRateLimits(deadPool) });
    try {
      const shop = await unreachable.createSite("Store down");
      const refused = await refusalOf(unreachable.caller().auth.login({ email: shop.users.ADMIN.email, password: TEST_PASSWORD }));
      expect(refused.code).toBe("SERVICE_UNAVAILABLE");
      expect(refused.message).toMatch(/cannot be reached/);
      // Only the fixture's own sessions exist.
      expect(await unreachable.db.prisma.session.count({ where: { userId: shop.users.ADMIN.id } })).toBe(1);
      expect(await unreachable.db.prisma.auditLog.count({ where: { action: "auth.sign_in" } })).toBe(0);
      expect(await counterValue(unreachable.deps.metrics.loginFailures, { reason: "unavailable" })).toBe(1);

      // Enrollment and scans fail closed as well; a signed-in person's ordinary calls, which spend
      // only the session budget held in memory, go on.
      expect((await refusalOf(unreachable.caller().stations.enroll({ code: "AAAA-BBBB-CCCC" }))).code).toBe("SERVICE_UNAVAILABLE");
      expect((await refusalOf(shop.as.ADMIN.pickup.lookup({ code: "2345678923" }))).code).toBe("SERVICE_UNAVAILABLE");
      expect((await shop.as.ADMIN.auth.me()).user.id).toBe(shop.users.ADMIN.id);
    } finally {
      await unreachable.drop();
      await deadPool.end();
    }
  });

  it("refuses sign-in while the store's table fails, and recovers when it is back", async () => {
    const broken = await createApiHarness({}, { rateLimitPolicy: POLICY });
    try {
      const shop = await broken.createSite("Table gone");
      await broken.db.pool.query("ALTER TABLE rate_limits RENAME TO rate_limits_elsewhere");
      const refused = await refusalOf(broken.caller().auth.login({ email: shop.users.LEAD.email, password: TEST_PASSWORD }));
      expect(refused.code).toBe("SERVICE_UNAVAILABLE");
      expect(await broken.db.prisma.session.count({ where: { userId: shop.users.LEAD.id } })).toBe(1);

      await broken.db.pool.query("ALTER TABLE rate_limits_elsewhere RENAME TO rate_limits");
      const signedIn = await broken.caller().auth.login({ email: shop.users.LEAD.email, password: TEST_PASSWORD });
      expect(await broken.caller({ authorization: bearer(signedIn.token) }).auth.me()).toMatchObject({ user: { id: shop.users.LEAD.id } });
    } finally {
      await broken.drop();
    }
  });
});
