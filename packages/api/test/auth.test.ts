// Sign-in, sign-out, sessions (rolling idle expiry, revocation) and the station a session is
// bound to, against a real database.
import { describe, expect, it } from "vitest";
import { hashToken } from "../src/auth/tokens.ts";
import { auditRows, bearer } from "./auth-helpers.ts";
import { createApiHarness, apiHarnessForFile, refusalOf, TEST_PASSWORD, TEST_SECRET } from "./harness.ts";

let ipCounter = 0;

/** A fresh client address per test, so failed attempts of one test never lock another out. */
const freshIp = () => `10.0.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

const harness = await apiHarnessForFile();
const site = await harness.createSite("Auth A");
const otherSite = await harness.createSite("Auth B");

async function sessionRow(token: string) {
  return harness.db.prisma.session.findUniqueOrThrow({ where: { tokenHash: hashToken(TEST_SECRET, token) } });
}

describe("auth.login", () => {
  it("signs in with the right password and answers a token, the user and the site", async () => {
    const ip = freshIp();
    const signedIn = await harness.caller({}, ip).auth.login({ email: site.users.STAFF.email, password: TEST_PASSWORD });
    expect(signedIn.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signedIn.user).toMatchObject({ id: site.users.STAFF.id, role: "STAFF", email: site.users.STAFF.email });
    expect(signedIn.site).toMatchObject({ id: site.siteId, name: "Auth A", timezone: "Europe/Berlin" });
    expect(signedIn.station).toBeNull();
    expect(signedIn.expiresAt.getTime()).toBeGreaterThan(Date.now() + 11 * 3_600_000);

    // Only the hash is stored.
    const stored = await sessionRow(signedIn.token);
    expect(stored.tokenHash).not.toContain(signedIn.token);
    expect(stored).toMatchObject({ userId: site.users.STAFF.id, siteId: site.siteId, ip, userAgent: "vitest", stationId: null });

    const me = await harness.caller({ authorization: bearer(signedIn.token) }).auth.me();
    expect(me.user.id).toBe(site.users.STAFF.id);

    const audit = (await auditRows(harness, "auth.sign_in")).filter((r) => r.actor_user_id === site.users.STAFF.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ site_id: site.siteId, target: `user:${site.users.STAFF.id}`, ip });
    expect(audit[0]?.request_id).toMatch(/^test-/);
  });

  it("compares the address case-insensitively and ignores surrounding spaces", async () => {
    const email = `  ${site.users.LEAD.email.toUpperCase()} `;
    const signedIn = await harness.caller({}, freshIp()).auth.login({ email, password: TEST_PASSWORD });
    expect(signedIn.user.id).toBe(site.users.LEAD.id);
  });

  it("refuses a wrong password, an unknown address and a disabled account alike, and audits each", async () => {
    const disabled = await harness.db.prisma.user.create({
      data: { siteId: site.siteId, email: "gone@orderdeck.test", name: "Gone", role: "STAFF", passwordHash: (await harness.db.prisma.user.findUniqueOrThrow({ where: { id: site.users.STAFF.id } })).passwordHash, disabled: true },
    });
    const ip = freshIp();
    const anonymous = harness.caller({}, ip);
    const wrong = await refusalOf(anonymous.auth.login({ email: site.users.ADMIN.email, password: "not the password" }));
    const unknown = await refusalOf(anonymous.auth.login({ email: "nobody@orderdeck.test", password: TEST_PASSWORD }));
    const off = await refusalOf(anonymous.auth.login({ email: disabled.email, password: TEST_PASSWORD }));
    for (const error of [wrong, unknown, off]) {
      expect(error.code).toBe("UNAUTHORIZED");
      expect(error.message).toBe(wrong.message);
    }
    expect(wrong.message).not.toMatch(/password is wrong|no such|unknown|disabled account/i);

    const failed = (await auditRows(harness, "auth.sign_in_failed")).filter((r) => r.ip === ip);
    expect(failed.map((r) => [r.site_id, r.target, r.details?.reason])).toEqual([
      [site.siteId, `user:${site.users.ADMIN.id}`, "wrong_password"],
      [null, "email:nobody@orderdeck.test", "unknown_email"],
      [site.siteId, `user:${disabled.id}`, "disabled"],
    ]);
    // Neither the password tried nor a token ever reaches the log.
    const everything = JSON.stringify(await auditRows(harness));
    expect(everything).not.toContain("not the password");
    expect(everything).not.toContain(TEST_PASSWORD);
    expect(await harness.db.prisma.session.count({ where: { userId: disabled.id } })).toBe(0);
  });

  it("spends as much password work on an unknown address as on a wrong password", async () => {
    const anonymous = harness.caller({}, freshIp());
    // Warm both paths (the decoy hash is made on first use).
    await refusalOf(anonymous.auth.login({ email: "warm@orderdeck.test", password: "x" }));
    // CPU time, not wall time: argon2id runs on this process's threads, so its cost shows up here whatever else
    // the machine is doing, where a wall clock would only measure the load.
    const work = async (email: string) => {
      const before = process.cpuUsage();
      await refusalOf(harness.caller({}, freshIp()).auth.login({ email, password: "wrong password" }));
      const spent = process.cpuUsage(before);
      return spent.user + spent.system;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      known.push(await work(site.users.STAFF.email));
      unknown.push(await work(`nobody${i}@orderdeck.test`));
    }
    // Both paths run one argon2id verification; without the decoy the unknown path costs ~10x less CPU.
    expect(Math.min(...unknown)).toBeGreaterThan(Math.min(...known) * 0.5);
  });

  it("refuses malformed input with BAD_REQUEST before counting or checking anything", async () => {
    const anonymous = harness.caller({}, freshIp());
    for (const input of [
      { email: "not-an-address", password: TEST_PASSWORD },
      { email: `${"a".repeat(250)}@x.test`, password: TEST_PASSWORD },
      { email: site.users.STAFF.email, password: "" },
      { email: site.users.STAFF.email, password: "p".repeat(201) },
    ]) {
      expect((await refusalOf(anonymous.auth.login(input))).code).toBe("BAD_REQUEST");
    }
  });

  it("binds the session to the station whose token the console sends", async () => {
    const atCounter = harness.caller({ stationToken: site.stationToken }, freshIp());
    const signedIn = await atCounter.auth.login({ email: site.users.STAFF.email, password: TEST_PASSWORD });
    expect(signedIn.station).toEqual({ id: site.stationId, name: "Auth A counter" });
    expect((await sessionRow(signedIn.token)).stationId).toBe(site.stationId);
    // Later requests of that session are at that station even without the header.
    const me = await harness.caller({ authorization: bearer(signedIn.token) }).auth.me();
    expect(me.station).toEqual({ id: site.stationId, name: "Auth A counter" });
  });

  it("refuses a station token that is unknown, revoked, or of another site", async () => {
    const unknown = await refusalOf(
      harness.caller({ stationToken: "x".repeat(43) }, freshIp()).auth.login({ email: site.users.STAFF.email, password: TEST_PASSWORD }),
    );
    expect(unknown.code).toBe("UNAUTHORIZED");
    expect(unknown.message).toMatch(/station/);

    // Site B's console, site A's user: the same answer as a wrong password.
    const otherStation = await refusalOf(
      harness.caller({ stationToken: otherSite.stationToken }, freshIp()).auth.login({ email: site.users.STAFF.email, password: TEST_PASSWORD }),
    );
    expect(otherStation.code).toBe("UNAUTHORIZED");
    expect(otherStation.message).toMatch(/Wrong email or password/);
    expect(await harness.db.prisma.session.count({ where: { stationId: otherSite.stationId, userId: site.users.STAFF.id } })).toBe(0);
  });
});

describe("auth.me", () => {
  it("answers the user, the site's name and timezone, and the station", async () => {
    const me = await site.as.LEAD.auth.me();
    expect(me).toEqual({
      user: { id: site.users.LEAD.id, email: site.users.LEAD.email, name: "LEAD of Auth A", role: "LEAD" },
      site: { id: site.siteId, name: "Auth A", timezone: "Europe/Berlin" },
      station: { id: site.stationId, name: "Auth A counter" },
    });
  });

  it("refuses a caller without a session, or with a malformed one", async () => {
    expect((await refusalOf(harness.caller().auth.me())).code).toBe("UNAUTHORIZED");
    expect((await refusalOf(harness.caller({ authorization: "Bearer nope" }).auth.me())).code).toBe("UNAUTHORIZED");
    expect((await refusalOf(harness.caller({ authorization: `Basic ${"a".repeat(40)}` }).auth.me())).code).toBe("UNAUTHORIZED");
  });
});

describe("sessions", () => {
  it("auth.logout ends the session it came with, and only that one", async () => {
    const first = await harness.caller({}, freshIp()).auth.login({ email: site.users.STAFF.email, password: TEST_PASSWORD });
    const second = await harness.caller({}, freshIp()).auth.login({ email: site.users.STAFF.email, password: TEST_PASSWORD });
    const firstCaller = harness.caller({ authorization: bearer(first.token) });
    expect(await firstCaller.auth.logout()).toEqual({ signedOut: true });
    expect((await refusalOf(firstCaller.auth.me())).code).toBe("UNAUTHORIZED");
    expect((await harness.caller({ authorization: bearer(second.token) }).auth.me()).user.id).toBe(site.users.STAFF.id);
    const ended = await sessionRow(first.token);
    expect(ended.revokedAt).not.toBeNull();

    const audit = (await auditRows(harness, "auth.sign_out")).filter((r) => r.details?.sessionId === ended.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ site_id: site.siteId, actor_user_id: site.users.STAFF.id });
  });

  it("expires a session left idle longer than the policy", async () => {
    const shortLived = await createApiHarness({ sessions: { secretKey: TEST_SECRET, idleMs: 1_500 } });
    try {
      const shop = await shortLived.createSite("Idle");
      const signedIn = await shortLived.caller().auth.login({ email: shop.users.STAFF.email, password: TEST_PASSWORD });
      const caller = shortLived.caller({ authorization: bearer(signedIn.token) });
      expect((await caller.auth.me()).user.id).toBe(shop.users.STAFF.id);
      await new Promise((resolve) => setTimeout(resolve, 1_700));
      const refused = await refusalOf(caller.auth.me());
      expect(refused.code).toBe("UNAUTHORIZED");
      expect(refused.message).toMatch(/expired/);
    } finally {
      await shortLived.drop();
    }
  });

  it("rolls the expiry forward when a session is used", async () => {
    const signedIn = await harness.caller({}, freshIp()).auth.login({ email: site.users.STAFF.email, password: TEST_PASSWORD });
    const before = await sessionRow(signedIn.token);
    // As if the last use had been two minutes ago, with three minutes left.
    await harness.db.prisma.session.update({
      where: { id: before.id },
      data: { lastSeenAt: new Date(Date.now() - 120_000), expiresAt: new Date(Date.now() + 180_000) },
    });
    await harness.caller({ authorization: bearer(signedIn.token) }).auth.me();
    const after = await sessionRow(signedIn.token);
    expect(after.expiresAt.getTime()).toBeGreaterThan(Date.now() + 11 * 3_600_000);
    expect(after.lastSeenAt.getTime()).toBeGreaterThan(Date.now() - 10_000);
  });

  it("ends a session 7 days after sign-in however recently it was used, and never rolls its expiry past that", async () => {
    const DAY = 24 * 3_600_000;
    const signedIn = await harness.caller({}, freshIp()).auth.login({ email: site.users.STAFF.email, password: TEST_PASSWORD });
    const fresh = await sessionRow(signedIn.token);
    expect(fresh.expiresAt.getTime() - fresh.createdAt.getTime()).toBe(12 * 3_600_000);
    const caller = harness.caller({ authorization: bearer(signedIn.token) });

    // Opened 7 days less an hour ago and used all along: the roll stops at the 7 days.
    const createdAt = new Date(Date.now() - 7 * DAY + 3_600_000);
    await harness.db.prisma.session.update({
      where: { id: fresh.id },
      data: { createdAt, lastSeenAt: new Date(Date.now() - 120_000), expiresAt: new Date(Date.now() + 180_000) },
    });
    expect((await caller.auth.me()).user.id).toBe(site.users.STAFF.id);
    expect((await sessionRow(signedIn.token)).expiresAt.getTime()).toBe(createdAt.getTime() + 7 * DAY);

    // Past the 7 days it is refused, even with a stored expiry hours ahead (set before a shorter SESSION_MAX_DAYS).
    await harness.db.prisma.session.update({
      where: { id: fresh.id },
      data: { createdAt: new Date(Date.now() - 7 * DAY - 60_000), lastSeenAt: new Date(Date.now() - 5_000), expiresAt: new Date(Date.now() + 11 * 3_600_000) },
    });
    const refused = await refusalOf(caller.auth.me());
    expect(refused.code).toBe("UNAUTHORIZED");
    expect(refused.message).toMatch(/^Sign in again/);
  });

  it("refuses a session whose expiry has passed", async () => {
    const signedIn = await harness.caller({}, freshIp()).auth.login({ email: site.users.STAFF.email, password: TEST_PASSWORD });
    await harness.db.prisma.session.update({
      where: { tokenHash: hashToken(TEST_SECRET, signedIn.token) },
      data: { createdAt: new Date(Date.now() - 20_000), lastSeenAt: new Date(Date.now() - 20_000), expiresAt: new Date(Date.now() - 1_000) },
    });
    expect((await refusalOf(harness.caller({ authorization: bearer(signedIn.token) }).auth.me())).code).toBe("UNAUTHORIZED");
  });

  it("ends every session of a user who is disabled", async () => {
    const shop = await harness.createSite("Disable sessions");
    const staff = await harness.signIn(shop, "STAFF");
    const signedIn = await harness.caller({}, freshIp()).auth.login({ email: shop.users.STAFF.email, password: TEST_PASSWORD });
    await shop.as.ADMIN.users.disable({ userId: shop.users.STAFF.id });
    expect((await refusalOf(staff.auth.me())).code).toBe("UNAUTHORIZED");
    expect((await refusalOf(harness.caller({ authorization: bearer(signedIn.token) }).auth.me())).code).toBe("UNAUTHORIZED");
    expect(await harness.db.prisma.session.count({ where: { userId: shop.users.STAFF.id, revokedAt: null } })).toBe(0);
    // And a new sign-in is refused like any other bad one.
    const refused = await refusalOf(harness.caller({}, freshIp()).auth.login({ email: shop.users.STAFF.email, password: TEST_PASSWORD }));
    expect(refused.code).toBe("UNAUTHORIZED");
  });

  it("ends every session of a user whose role changes or whose password is reset", async () => {
    const shop = await harness.createSite("Role sessions");
    const lead = await harness.signIn(shop, "LEAD");
    await shop.as.ADMIN.users.changeRole({ userId: shop.users.LEAD.id, role: "STAFF" });
    expect((await refusalOf(lead.auth.me())).code).toBe("UNAUTHORIZED");

    const staff = await harness.signIn(shop, "STAFF");
    await shop.as.ADMIN.users.resetPassword({ userId: shop.users.STAFF.id, password: "a brand new passphrase" });
    expect((await refusalOf(staff.auth.me())).code).toBe("UNAUTHORIZED");
    const refused = await refusalOf(harness.caller({}, freshIp()).auth.login({ email: shop.users.STAFF.email, password: TEST_PASSWORD }));
    expect(refused.code).toBe("UNAUTHORIZED");
    const signedIn = await harness.caller({}, freshIp()).auth.login({ email: shop.users.STAFF.email, password: "a brand new passphrase" });
    expect(signedIn.user.id).toBe(shop.users.STAFF.id);
  });
});
