// Users admin: create, list, disable / enable, reset password, change role; the last-admin
// guard (also under concurrency); ADMIN only; one site never reaches another's users.
import { describe, expect, it } from "vitest";
import { auditRows } from "./auth-helpers.ts";
import { apiHarnessForFile, refusalOf, TEST_PASSWORD } from "./harness.ts";

let ipCounter = 0;
const freshIp = () => `203.0.113.${++ipCounter}`;

const harness = await apiHarnessForFile();
const site = await harness.createSite("Users A");
const otherSite = await harness.createSite("Users B");

async function usersDigest(): Promise<string> {
  const rows = await harness.db.pool.query<{ d: string }>(`SELECT md5(string_agg(u::text, ',' ORDER BY u.id)) AS d FROM users u`);
  return rows.rows[0]?.d ?? "";
}

describe("users.assignable", () => {
  it("gives anyone signed in the site's enabled people by id and name only, never another site's", async () => {
    const quitting = await site.as.ADMIN.users.create({ email: "leaving@orderdeck.test", name: "Leaving Soon", role: "STAFF", password: "long enough passphrase" });
    await site.as.ADMIN.users.disable({ userId: quitting.id });
    const people = await site.as.STAFF.users.assignable();
    const ids = people.map((p) => p.id);
    for (const role of ["STAFF", "LEAD", "ADMIN"] as const) expect(ids).toContain(site.users[role].id);
    expect(ids).not.toContain(quitting.id);
    for (const role of ["STAFF", "LEAD", "ADMIN"] as const) expect(ids).not.toContain(otherSite.users[role].id);
    for (const person of people) expect(Object.keys(person).sort()).toEqual(["id", "name"]);
    expect(people.map((p) => p.name)).toEqual([...people.map((p) => p.name)].sort((a, b) => a.localeCompare(b)));
  });
});

describe("users.create and users.list", () => {
  it("creates a user who can sign in, audited without the password", async () => {
    const created = await site.as.ADMIN.users.create({ email: " New.Person@Orderdeck.TEST ", name: " New Person ", role: "STAFF", password: "long enough passphrase" });
    expect(created).toMatchObject({ email: "new.person@orderdeck.test", name: "New Person", role: "STAFF", disabled: false, lastSignInAt: null });
    expect(created).not.toHaveProperty("passwordHash");
    const signedIn = await harness.caller({}, freshIp()).auth.login({ email: "new.person@orderdeck.test", password: "long enough passphrase" });
    expect(signedIn.user.id).toBe(created.id);

    const audit = (await auditRows(harness, "user.create")).find((r) => r.target === `user:${created.id}`);
    expect(audit).toMatchObject({ site_id: site.siteId, actor_user_id: site.users.ADMIN.id, details: { email: created.email, role: "STAFF" } });
    expect(JSON.stringify(await auditRows(harness))).not.toContain("long enough passphrase");
  });

  it("refuses an address already in use, at this site or another, in any case", async () => {
    for (const email of [site.users.LEAD.email.toUpperCase(), otherSite.users.STAFF.email]) {
      const before = await usersDigest();
      const refused = await refusalOf(site.as.ADMIN.users.create({ email, name: "Dup", role: "STAFF", password: "long enough passphrase" }));
      expect(refused.code).toBe("CONFLICT");
      expect(refused.message).toBe("That email address already belongs to a user.");
      expect(await usersDigest()).toBe(before);
    }
  });

  it("refuses bad input with BAD_REQUEST and changes nothing", async () => {
    const good = { email: "fine@orderdeck.test", name: "Fine", role: "STAFF" as const, password: "long enough passphrase" };
    const bad: unknown[] = [
      { ...good, email: "no-at-sign" },
      { ...good, email: `${"e".repeat(250)}@orderdeck.test` },
      { ...good, name: "" },
      { ...good, name: "n".repeat(121) },
      { ...good, name: "nul\u0000byte" },
      { ...good, role: "OWNER" },
      { ...good, password: "short" },
      { ...good, password: "p".repeat(201) },
      { ...good, password: undefined },
    ];
    const before = await usersDigest();
    for (const input of bad) {
      const refused = await refusalOf(site.as.ADMIN.users.create(input as typeof good));
      expect(refused.code, JSON.stringify(input)).toBe("BAD_REQUEST");
    }
    expect(await usersDigest()).toBe(before);
    expect((await refusalOf(site.as.ADMIN.users.resetPassword({ userId: site.users.STAFF.id, password: "too short" }))).code).toBe("BAD_REQUEST");
    expect((await refusalOf(site.as.ADMIN.users.disable({ userId: "not-a-uuid" }))).code).toBe("BAD_REQUEST");
    expect(await usersDigest()).toBe(before);
  });

  it("lists only the site's users, a page at a time", async () => {
    const all = await site.as.ADMIN.users.list();
    const emails = all.users.map((u) => u.email);
    expect(emails).toEqual([...emails].sort());
    expect(emails).toContain(site.users.STAFF.email);
    expect(emails).not.toContain(otherSite.users.STAFF.email);
    expect(all.nextCursor).toBeNull();

    const first = await site.as.ADMIN.users.list({ limit: 2 });
    expect(first.users).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const rest = await site.as.ADMIN.users.list({ limit: 200, cursor: first.nextCursor ?? undefined });
    expect([...first.users, ...rest.users].map((u) => u.id)).toEqual(all.users.map((u) => u.id));
  });
});

describe("disable, enable, reset password, change role", () => {
  it("disables and re-enables a user, auditing both", async () => {
    const shop = await harness.createSite("Toggle");
    const disabled = await shop.as.ADMIN.users.disable({ userId: shop.users.STAFF.id });
    expect(disabled.disabled).toBe(true);
    expect((await refusalOf(harness.caller({}, freshIp()).auth.login({ email: shop.users.STAFF.email, password: TEST_PASSWORD }))).code).toBe(
      "UNAUTHORIZED",
    );
    const enabled = await shop.as.ADMIN.users.enable({ userId: shop.users.STAFF.id });
    expect(enabled.disabled).toBe(false);
    expect((await harness.caller({}, freshIp()).auth.login({ email: shop.users.STAFF.email, password: TEST_PASSWORD })).user.id).toBe(
      shop.users.STAFF.id,
    );
    const actions = (await auditRows(harness)).filter((r) => r.target === `user:${shop.users.STAFF.id}` && r.action.startsWith("user.")).map((r) => r.action);
    expect(actions).toEqual(["user.disable", "user.enable"]);
  });

  it("resets a password (audited without it) and lifts a sign-in lock on the account", async () => {
    const shop = await harness.createSite("Reset");
    const email = shop.users.STAFF.email;
    // The person's own typos, at their own counter: that address is locked for the account.
    const counter = harness.caller({}, freshIp());
    for (let i = 0; i < 10; i++) await refusalOf(counter.auth.login({ email, password: "wrong password" }));
    expect((await refusalOf(counter.auth.login({ email, password: TEST_PASSWORD }))).code).toBe("TOO_MANY_REQUESTS");

    await shop.as.ADMIN.users.resetPassword({ userId: shop.users.STAFF.id, password: "fresh passphrase here" });
    expect((await counter.auth.login({ email, password: "fresh passphrase here" })).user.id).toBe(shop.users.STAFF.id);
    const audit = (await auditRows(harness, "user.reset_password")).filter((r) => r.target === `user:${shop.users.STAFF.id}`);
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain("fresh passphrase");
  });

  it("changes a role, auditing from and to", async () => {
    const shop = await harness.createSite("Promote");
    const promoted = await shop.as.ADMIN.users.changeRole({ userId: shop.users.STAFF.id, role: "LEAD" });
    expect(promoted.role).toBe("LEAD");
    const audit = (await auditRows(harness, "user.change_role")).find((r) => r.target === `user:${shop.users.STAFF.id}`);
    expect(audit?.details).toMatchObject({ from: "STAFF", to: "LEAD" });
    // The same role again changes nothing and is not audited twice.
    await shop.as.ADMIN.users.changeRole({ userId: shop.users.STAFF.id, role: "LEAD" });
    expect((await auditRows(harness, "user.change_role")).filter((r) => r.target === `user:${shop.users.STAFF.id}`)).toHaveLength(1);
  });
});

describe("no lockout of a site", () => {
  it("refuses an admin disabling themselves, and demoting the only admin", async () => {
    const shop = await harness.createSite("Lonely admin");
    const self = await refusalOf(shop.as.ADMIN.users.disable({ userId: shop.users.ADMIN.id }));
    expect(self.code).toBe("PRECONDITION_FAILED");
    const demote = await refusalOf(shop.as.ADMIN.users.changeRole({ userId: shop.users.ADMIN.id, role: "LEAD" }));
    expect(demote.code).toBe("PRECONDITION_FAILED");
    expect(demote.message).toMatch(/only enabled admin/);
    const admin = await harness.db.prisma.user.findUniqueOrThrow({ where: { id: shop.users.ADMIN.id } });
    expect(admin).toMatchObject({ role: "ADMIN", disabled: false });
  });

  it("lets an admin step down when another admin remains, and counts only enabled admins", async () => {
    const shop = await harness.createSite("Two admins");
    await shop.as.ADMIN.users.changeRole({ userId: shop.users.LEAD.id, role: "ADMIN" });
    const second = await harness.signIn(shop, "LEAD"); // now an admin, signed in afresh
    await second.users.disable({ userId: shop.users.ADMIN.id });
    // The disabled admin does not count: the second one is now the last.
    const refused = await refusalOf(second.users.changeRole({ userId: shop.users.LEAD.id, role: "STAFF" }));
    expect(refused.code).toBe("PRECONDITION_FAILED");
    await second.users.enable({ userId: shop.users.ADMIN.id });
    const steppedDown = await second.users.changeRole({ userId: shop.users.LEAD.id, role: "STAFF" });
    expect(steppedDown.role).toBe("STAFF");
  });

  it("leaves at least one admin when admins demote each other at the same moment", async () => {
    for (let round = 0; round < 5; round++) {
      const shop = await harness.createSite(`Race ${round}`);
      await shop.as.ADMIN.users.changeRole({ userId: shop.users.LEAD.id, role: "ADMIN" });
      await shop.as.ADMIN.users.changeRole({ userId: shop.users.STAFF.id, role: "ADMIN" });
      const admins = [shop.users.ADMIN.id, shop.users.LEAD.id, shop.users.STAFF.id];
      const callers = await Promise.all((["ADMIN", "LEAD", "STAFF"] as const).map((role) => harness.signIn(shop, role)));
      // Each demotes the next one, all at once: without the lock all three would succeed.
      const results = await Promise.allSettled(
        callers.map((caller, i) => caller.users.changeRole({ userId: admins[(i + 1) % 3] ?? "", role: "STAFF" })),
      );
      expect(results.filter((r) => r.status === "fulfilled").length).toBeLessThanOrEqual(2);
      expect(await harness.db.prisma.user.count({ where: { siteId: shop.siteId, role: "ADMIN", disabled: false } })).toBeGreaterThanOrEqual(1);
    }
  });
});

describe("roles and sites", () => {
  it("refuses STAFF and LEAD every users procedure with FORBIDDEN, changing nothing", async () => {
    const before = await usersDigest();
    for (const role of ["STAFF", "LEAD"] as const) {
      const caller = site.as[role];
      const target = { userId: site.users.STAFF.id };
      const calls: Array<() => Promise<unknown>> = [
        () => caller.users.list(),
        () => caller.users.create({ email: "sneaky@orderdeck.test", name: "Sneaky", role: "ADMIN", password: "long enough passphrase" }),
        () => caller.users.disable(target),
        () => caller.users.enable(target),
        () => caller.users.resetPassword({ ...target, password: "long enough passphrase" }),
        () => caller.users.changeRole({ userId: site.users[role].id, role: "ADMIN" }),
      ];
      for (const call of calls) expect((await refusalOf(call())).code).toBe("FORBIDDEN");
    }
    expect(await usersDigest()).toBe(before);
  });

  it("answers NOT_FOUND to an admin acting on another site's user, and changes nothing", async () => {
    const before = await usersDigest();
    const target = { userId: otherSite.users.ADMIN.id };
    const calls: Array<() => Promise<unknown>> = [
      () => site.as.ADMIN.users.disable(target),
      () => site.as.ADMIN.users.enable(target),
      () => site.as.ADMIN.users.resetPassword({ ...target, password: "long enough passphrase" }),
      () => site.as.ADMIN.users.changeRole({ ...target, role: "STAFF" }),
    ];
    for (const call of calls) {
      const refused = await refusalOf(call());
      expect(refused.code).toBe("NOT_FOUND");
      expect(refused.message).toBe("No such user at this site.");
    }
    expect(await usersDigest()).toBe(before);
    // Site B's admin still signs in and works.
    expect((await otherSite.as.ADMIN.users.list()).users.map((u) => u.id)).toContain(otherSite.users.ADMIN.id);
  });
});
