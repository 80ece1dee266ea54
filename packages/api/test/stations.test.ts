// Station enrollment (one-time codes), revocation, listing, roles and site isolation.
import { describe, expect, it } from "vitest";
import { hashToken } from "../src/auth/tokens.ts";
import { normalizeEnrollmentCode } from "../src/stations/enrollment-code.ts";
import { auditRows, bearer } from "./auth-helpers.ts";
import { apiHarnessForFile, refusalOf, TEST_PASSWORD, TEST_SECRET } from "./harness.ts";

let ipCounter = 0;
const freshIp = () => `198.51.100.${++ipCounter}`;

const harness = await apiHarnessForFile();
const site = await harness.createSite("Stations A");
const otherSite = await harness.createSite("Stations B");

describe("enrollment codes", () => {
  it("reads codes forgivingly: case, dashes, spaces, and O/I/L for 0/1", () => {
    expect(normalizeEnrollmentCode("7k3m-q9xd-2htb")).toBe("7K3MQ9XD2HTB");
    expect(normalizeEnrollmentCode(" 7K3M Q9XD 2HTB ")).toBe("7K3MQ9XD2HTB");
    expect(normalizeEnrollmentCode("OIL0-0000-0000")).toBe("011000000000");
    expect(normalizeEnrollmentCode("7K3M-Q9XD-2HT")).toBeUndefined();
    expect(normalizeEnrollmentCode("7K3M-Q9XD-2HTU")).toBeUndefined();
  });

  it("creates a code an admin can read out, stores only its hash, and audits it", async () => {
    const created = await site.as.ADMIN.stations.createEnrollment({ name: "  Back room  " });
    expect(created.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(created.name).toBe("Back room");
    const ttl = new Date(created.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(23.9 * 3_600_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3_600_000);

    const row = await harness.db.prisma.stationEnrollment.findUniqueOrThrow({ where: { id: created.enrollmentId } });
    expect(row.codeHash).toBe(hashToken(TEST_SECRET, created.code.replaceAll("-", "")));
    expect(JSON.stringify(row)).not.toContain(created.code.replaceAll("-", ""));

    const audit = (await auditRows(harness, "station.enrollment_created")).find((r) => r.target === `enrollment:${created.enrollmentId}`);
    expect(audit).toMatchObject({ site_id: site.siteId, actor_user_id: site.users.ADMIN.id, actor_station_id: site.stationId });
    expect(JSON.stringify(await auditRows(harness))).not.toContain(created.code.replaceAll("-", ""));
  });

  it("exchanges a code for a station token once; the token then works as a console's", async () => {
    const { code, enrollmentId } = await site.as.ADMIN.stations.createEnrollment({ name: "Front desk" });
    const enrolled = await harness.caller({}, freshIp()).stations.enroll({ code: code.toLowerCase() });
    expect(enrolled.station.name).toBe("Front desk");
    expect(enrolled.site).toEqual({ id: site.siteId, name: "Stations A", timezone: "Europe/Berlin" });
    expect(enrolled.stationToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const station = await harness.db.prisma.station.findUniqueOrThrow({ where: { id: enrolled.station.id } });
    expect(station.tokenHash).toBe(hashToken(TEST_SECRET, enrolled.stationToken));
    const enrollment = await harness.db.prisma.stationEnrollment.findUniqueOrThrow({ where: { id: enrollmentId } });
    expect(enrollment.usedAt).not.toBeNull();
    expect(enrollment.stationId).toBe(station.id);

    const used = (await auditRows(harness, "station.enrolled")).find((r) => r.target === `station:${station.id}`);
    expect(used).toMatchObject({ site_id: site.siteId, actor_station_id: station.id });
    expect(JSON.stringify(await auditRows(harness))).not.toContain(enrolled.stationToken);

    // A user signs in at the new station.
    const signedIn = await harness
      .caller({ stationToken: enrolled.stationToken }, freshIp())
      .auth.login({ email: site.users.STAFF.email, password: TEST_PASSWORD });
    expect(signedIn.station).toEqual({ id: station.id, name: "Front desk" });

    // Used once: the same code again is refused, and no second station appears.
    const again = await refusalOf(harness.caller({}, freshIp()).stations.enroll({ code }));
    expect(again.code).toBe("UNAUTHORIZED");
    expect(again.message).toMatch(/already used or expired/);
    expect(await harness.db.prisma.station.count({ where: { siteId: site.siteId, name: "Front desk" } })).toBe(1);
    const refusedRow = (await auditRows(harness, "station.enroll_refused")).find((r) => r.target === `enrollment:${enrollmentId}`);
    expect(refusedRow?.details).toEqual({ reason: "already_used" });
  });

  it("refuses an expired code and an unknown one with the same answer", async () => {
    const { code, enrollmentId } = await site.as.ADMIN.stations.createEnrollment({ name: "Late" });
    await harness.db.prisma.stationEnrollment.update({
      where: { id: enrollmentId },
      data: { createdAt: new Date(Date.now() - 25 * 3_600_000), expiresAt: new Date(Date.now() - 3_600_000) },
    });
    const expired = await refusalOf(harness.caller({}, freshIp()).stations.enroll({ code }));
    const unknown = await refusalOf(harness.caller({}, freshIp()).stations.enroll({ code: "ZZZZ-ZZZZ-ZZZZ" }));
    expect(expired.code).toBe("UNAUTHORIZED");
    expect(unknown.message).toBe(expired.message);
    expect((await harness.db.prisma.stationEnrollment.findUniqueOrThrow({ where: { id: enrollmentId } })).usedAt).toBeNull();
  });

  it("lets exactly one of several consoles racing with one code enroll", async () => {
    const { code } = await site.as.ADMIN.stations.createEnrollment({ name: "Raced" });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => harness.caller({}, freshIp()).stations.enroll({ code })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await harness.db.prisma.station.count({ where: { siteId: site.siteId, name: "Raced" } })).toBe(1);
  });

  it("refuses malformed codes and names with BAD_REQUEST", async () => {
    for (const code of ["", "short", "x".repeat(65), "7K3M-Q9XD-2HTU"]) {
      expect((await refusalOf(harness.caller({}, freshIp()).stations.enroll({ code }))).code).toBe("BAD_REQUEST");
    }
    for (const name of ["", "   ", "n".repeat(81), "tab\tname"]) {
      expect((await refusalOf(site.as.ADMIN.stations.createEnrollment({ name }))).code).toBe("BAD_REQUEST");
    }
  });
});

describe("stations.revoke", () => {
  it("stops the station's token and ends the sessions opened at it", async () => {
    const { code } = await site.as.ADMIN.stations.createEnrollment({ name: "To revoke" });
    const { stationToken, station } = await harness.caller({}, freshIp()).stations.enroll({ code });
    const signedIn = await harness.caller({ stationToken }, freshIp()).auth.login({ email: site.users.STAFF.email, password: TEST_PASSWORD });
    const atStation = harness.caller({ authorization: bearer(signedIn.token), stationToken });
    const sessionOnly = harness.caller({ authorization: bearer(signedIn.token) });
    expect((await atStation.auth.me()).station?.id).toBe(station.id);

    // A session at another console of the site.
    const elsewhere = await harness.signIn(site, "LEAD");

    const revoked = await site.as.ADMIN.stations.revoke({ stationId: station.id });
    expect(revoked.station.revokedAt).not.toBeNull();
    expect(revoked.sessionsRevoked).toBe(1);

    expect((await refusalOf(atStation.auth.me())).code).toBe("UNAUTHORIZED");
    expect((await refusalOf(sessionOnly.auth.me())).code).toBe("UNAUTHORIZED");
    // Any session that presents the revoked station's token is refused.
    const freshSession = await harness.caller({}, freshIp()).auth.login({ email: site.users.LEAD.email, password: TEST_PASSWORD });
    expect((await refusalOf(harness.caller({ authorization: bearer(freshSession.token), stationToken }).auth.me())).code).toBe("UNAUTHORIZED");
    // Signing in at it is refused too.
    expect((await refusalOf(harness.caller({ stationToken }, freshIp()).auth.login({ email: site.users.LEAD.email, password: TEST_PASSWORD }))).code).toBe(
      "UNAUTHORIZED",
    );
    // Other consoles are unaffected.
    expect((await elsewhere.auth.me()).station?.id).toBe(site.stationId);

    const audit = (await auditRows(harness, "station.revoke")).filter((r) => r.target === `station:${station.id}`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ site_id: site.siteId, actor_user_id: site.users.ADMIN.id, details: { sessionsRevoked: 1 } });

    // Revoking again is harmless and writes nothing new.
    await site.as.ADMIN.stations.revoke({ stationId: station.id });
    expect((await auditRows(harness, "station.revoke")).filter((r) => r.target === `station:${station.id}`)).toHaveLength(1);
  });
});

describe("stations.list", () => {
  it("lists the site's stations and pending codes, never the other site's", async () => {
    const pending = await site.as.ADMIN.stations.createEnrollment({ name: "Pending one" });
    const listed = await site.as.ADMIN.stations.list();
    const ids = listed.stations.map((s) => s.id);
    expect(ids).toContain(site.stationId);
    expect(ids).not.toContain(otherSite.stationId);
    expect(listed.pendingEnrollments.map((e) => e.id)).toContain(pending.enrollmentId);
    expect(listed.pendingEnrollments.find((e) => e.id === pending.enrollmentId)?.createdBy).toEqual({
      id: site.users.ADMIN.id,
      name: "ADMIN of Stations A",
    });
    expect(JSON.stringify(listed)).not.toMatch(/tokenHash|codeHash/);
    const other = await otherSite.as.ADMIN.stations.list();
    expect(other.stations.map((s) => s.id)).toEqual([otherSite.stationId]);
    expect(other.pendingEnrollments).toEqual([]);
  });
});

describe("roles and sites", () => {
  it("refuses STAFF and LEAD every admin station procedure with FORBIDDEN", async () => {
    for (const role of ["STAFF", "LEAD"] as const) {
      const caller = site.as[role];
      expect((await refusalOf(caller.stations.list())).code).toBe("FORBIDDEN");
      expect((await refusalOf(caller.stations.createEnrollment({ name: "Nope" }))).code).toBe("FORBIDDEN");
      expect((await refusalOf(caller.stations.revoke({ stationId: site.stationId }))).code).toBe("FORBIDDEN");
    }
    expect((await harness.db.prisma.station.findUniqueOrThrow({ where: { id: site.stationId } })).revokedAt).toBeNull();
  });

  it("refuses anonymous callers the admin procedures with UNAUTHORIZED", async () => {
    expect((await refusalOf(harness.caller().stations.list())).code).toBe("UNAUTHORIZED");
    expect((await refusalOf(harness.caller().stations.revoke({ stationId: site.stationId }))).code).toBe("UNAUTHORIZED");
  });

  it("answers NOT_FOUND to an admin revoking another site's station, and changes nothing", async () => {
    const refused = await refusalOf(site.as.ADMIN.stations.revoke({ stationId: otherSite.stationId }));
    expect(refused.code).toBe("NOT_FOUND");
    const missing = await refusalOf(site.as.ADMIN.stations.revoke({ stationId: "6c0f7f3e-8a0e-4d3b-9a53-5f1f3c1b2a10" }));
    expect(missing.message).toBe(refused.message);
    expect((await harness.db.prisma.station.findUniqueOrThrow({ where: { id: otherSite.stationId } })).revokedAt).toBeNull();
    expect((await otherSite.as.STAFF.auth.me()).station?.id).toBe(otherSite.stationId);
  });

  it("enrolls a code into the site that made it, whoever uses it", async () => {
    const { code } = await otherSite.as.ADMIN.stations.createEnrollment({ name: "B console" });
    const enrolled = await harness.caller({}, freshIp()).stations.enroll({ code });
    expect(enrolled.site.id).toBe(otherSite.siteId);
    // Site A's user cannot sign in at site B's console.
    const refused = await refusalOf(
      harness.caller({ stationToken: enrolled.stationToken }, freshIp()).auth.login({ email: site.users.ADMIN.email, password: TEST_PASSWORD }),
    );
    expect(refused.code).toBe("UNAUTHORIZED");
  });
});
