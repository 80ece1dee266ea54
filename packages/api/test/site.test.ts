// Site settings: the SLA thresholds that make a job ageing or breached. ADMIN only; validated
// (warning below breach, whole hours within a year) with messages a person can act on; a change
// made meanwhile is refused, not overwritten; every change is audited in its own transaction; and
// the board and exceptions list follow the new thresholds at once.
import type { DomainError } from "@orderdeck/contracts";
import { describe, expect, it } from "vitest";
import { apiHarnessForFile, detailsOf, refusalOf } from "./harness.ts";

const harness = await apiHarnessForFile();
const site = await harness.createSite("Settings A");
const otherSite = await harness.createSite("Settings B");

async function siteRow(siteId: string) {
  return harness.db.prisma.site.findUniqueOrThrow({ where: { id: siteId } });
}

/** The message of the refusal, field messages included (validation refusals list them in data). */
function messagesOf(error: { message: string; cause?: unknown }): string {
  const cause = error.cause as { issues?: Array<{ message: string }> } | undefined;
  return [error.message, ...(cause?.issues ?? []).map((i) => i.message)].join(" | ");
}

describe("site.settings", () => {
  it("answers the site's name, timezone, shifts, thresholds and a version", async () => {
    const settings = await site.as.ADMIN.site.settings();
    expect(settings).toEqual({
      name: "Settings A",
      timezone: "Europe/Berlin",
      shifts: [
        { start: "06:00", name: "Early" },
        { start: "14:00", name: "Late" },
        { start: "22:00", name: "Night" },
      ],
      shiftsFrom: null,
      shiftRulesNow: null,
      slaWarnHours: 48,
      slaBreachHours: 96,
      pickupPlace: null,
      pickupHours: null,
      version: (await siteRow(site.siteId)).updatedAt.toISOString(),
    });
  });

  it("is for admins only", async () => {
    for (const role of ["LEAD", "STAFF"] as const) {
      const refused = await refusalOf(site.as[role].site.settings());
      expect(refused.code).toBe("FORBIDDEN");
    }
    expect((await refusalOf(harness.caller().site.settings())).code).toBe("UNAUTHORIZED");
  });
});

describe("site.updateSettings", () => {
  it("changes the thresholds, writes one audit row with before and after, and the board follows at once", async () => {
    const job = await harness.db.prisma.job.create({
      data: { siteId: site.siteId, title: "Old bracket", queuePosition: 1024, pickupCode: "ABCDEFGHJK", createdAt: new Date(Date.now() - 30 * 3_600_000) },
    });
    const listed = async () => (await site.as.STAFF.jobs.list({})).items.find((j) => j.id === job.id);
    expect((await listed())?.ageing?.level).toBe("ok");

    const { version } = await site.as.ADMIN.site.settings();
    const changed = await site.as.ADMIN.site.updateSettings({ slaWarnHours: 12, slaBreachHours: 24, version });
    expect(changed).toMatchObject({ slaWarnHours: 12, slaBreachHours: 24 });
    expect(new Date(changed.version).getTime()).toBeGreaterThan(new Date(version).getTime());
    expect(await siteRow(site.siteId)).toMatchObject({ slaWarnHours: 12, slaBreachHours: 24 });

    const audit = await harness.db.prisma.auditLog.findMany({ where: { siteId: site.siteId, action: "site.update_settings" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorUserId: site.users.ADMIN.id,
      target: `site:${site.siteId}`,
      details: { before: { slaWarnHours: 48, slaBreachHours: 96 }, after: { slaWarnHours: 12, slaBreachHours: 24 } },
    });

    expect((await listed())?.ageing?.level).toBe("breach");
    const exceptions = await site.as.STAFF.exceptions.list({ kinds: ["SLA_BREACH"] });
    expect(exceptions.items.map((e) => e.job?.id)).toContain(job.id);

    // Saving the same values again is no change: no new version, no second audit row.
    const same = await site.as.ADMIN.site.updateSettings({ slaWarnHours: 12, slaBreachHours: 24, version: changed.version });
    expect(same.version).toBe(changed.version);
    expect(await harness.db.prisma.auditLog.count({ where: { siteId: site.siteId, action: "site.update_settings" } })).toBe(1);
  });

  it("refuses a change made on stale settings with VERSION_CONFLICT and the current settings, changing nothing", async () => {
    const read = await site.as.ADMIN.site.settings();
    const other = await harness.signIn(site, "ADMIN");
    const first = await other.site.updateSettings({ slaWarnHours: 6, slaBreachHours: 30, version: read.version });
    const refused = await refusalOf(site.as.ADMIN.site.updateSettings({ slaWarnHours: 100, slaBreachHours: 200, version: read.version }));
    expect(refused.code).toBe("CONFLICT");
    expect((refused.cause as DomainError).reason).toBe("VERSION_CONFLICT");
    expect(refused.message).toMatch(/changed meanwhile.*Reload/);
    expect(detailsOf(refused)).toEqual({ current: first });
    expect(await siteRow(site.siteId)).toMatchObject({ slaWarnHours: 6, slaBreachHours: 30 });
  });

  it("of two admins saving the same version at once, exactly one wins", async () => {
    const read = await site.as.ADMIN.site.settings();
    const other = await harness.signIn(site, "ADMIN");
    const outcomes = await Promise.allSettled([
      site.as.ADMIN.site.updateSettings({ slaWarnHours: 10, slaBreachHours: 20, version: read.version }),
      other.site.updateSettings({ slaWarnHours: 11, slaBreachHours: 22, version: read.version }),
    ]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const lost = outcomes.find((o) => o.status === "rejected");
    expect((lost?.reason as { code?: string } | undefined)?.code).toBe("CONFLICT");
  });

  it("refuses thresholds that make no sense with BAD_REQUEST and a message naming the problem, changing nothing", async () => {
    const { version } = await site.as.ADMIN.site.settings();
    const before = await siteRow(site.siteId);
    const cases: Array<[unknown, RegExp]> = [
      [{ slaWarnHours: 48, slaBreachHours: 48, version }, /breach threshold must be more hours than the warning/],
      [{ slaWarnHours: 96, slaBreachHours: 48, version }, /breach threshold must be more hours than the warning/],
      [{ slaWarnHours: 0, slaBreachHours: 48, version }, /warning threshold must be at least 1 hour/],
      [{ slaWarnHours: 1.5, slaBreachHours: 48, version }, /warning threshold is a whole number of hours/],
      [{ slaWarnHours: 24, slaBreachHours: 9000, version }, /breach threshold can be at most 8760 hours/],
      [{ slaWarnHours: 24, slaBreachHours: 48 }, /version/],
      [{ slaWarnHours: 24, slaBreachHours: 48, version: "yesterday" }, /Reload the settings/],
      [{ slaWarnHours: 24, slaBreachHours: 48, version, name: "Renamed" }, /name/],
    ];
    for (const [input, message] of cases) {
      const refused = await refusalOf(site.as.ADMIN.site.updateSettings(input as never));
      expect(refused.code, JSON.stringify(input)).toBe("BAD_REQUEST");
      expect(messagesOf(refused), JSON.stringify(input)).toMatch(message);
    }
    expect(await siteRow(site.siteId)).toEqual(before);
  });

  it("is for admins only, and an admin changes only their own site", async () => {
    const { version } = await site.as.ADMIN.site.settings();
    for (const role of ["LEAD", "STAFF"] as const) {
      const refused = await refusalOf(site.as[role].site.updateSettings({ slaWarnHours: 1, slaBreachHours: 2, version }));
      expect(refused.code).toBe("FORBIDDEN");
    }
    const theirs = await otherSite.as.ADMIN.site.settings();
    await otherSite.as.ADMIN.site.updateSettings({ slaWarnHours: 2, slaBreachHours: 3, version: theirs.version });
    expect(await siteRow(site.siteId)).not.toMatchObject({ slaWarnHours: 2, slaBreachHours: 3 });
    expect(await siteRow(otherSite.siteId)).toMatchObject({ slaWarnHours: 2, slaBreachHours: 3 });
    expect(await harness.db.prisma.auditLog.count({ where: { siteId: otherSite.siteId, action: "site.update_settings" } })).toBe(1);
  });
});
