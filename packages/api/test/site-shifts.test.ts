// The site's timezone and shifts, through the real API on a real database with the server's clock
// set around daylight-saving changes: an admin's change is checked with messages a person can act
// on, versioned and audited, and applies from the next shift; handoff periods, reminders and the
// consoles' sync follow the rules valid at the time each is about, so the past keeps its periods.
import { generatePickupCode, type DomainError, type SiteSettings } from "@orderdeck/contracts";
import { describe, expect, it } from "vitest";
import { remindSite } from "../src/handoff/reminders.ts";
import { testWorkerDeps } from "./background-helpers.ts";
import { apiHarnessForFile, detailsOf, refusalOf, type SiteFixture } from "./harness.ts";

const clock = { now: new Date("2026-03-10T10:00:00.000Z") };
const harness = await apiHarnessForFile({ now: () => clock.now });
const at = (instant: string) => {
  clock.now = new Date(instant);
};

const TWO_SHIFTS = [
  { start: "8", name: "Day" },
  { start: "20:00", name: "Night" },
];

async function rulesRows(site: SiteFixture) {
  return harness.db.prisma.siteShiftRules.findMany({ where: { siteId: site.siteId }, orderBy: { effectiveFrom: "asc" }, select: { effectiveFrom: true, timezone: true, shifts: true } });
}

function messagesOf(error: { message: string; cause?: unknown }): string {
  const cause = error.cause as { issues?: Array<{ message: string; path: PropertyKey[] }> } | undefined;
  return [error.message, ...(cause?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`)].join(" | ");
}

describe("site.updateShiftRules", () => {
  it("answers the built-in shifts until an admin changes them", async () => {
    const site = await harness.createSite("Shifts Default");
    const settings = await site.as.ADMIN.site.settings();
    expect(settings).toMatchObject({
      timezone: "Europe/Berlin",
      shifts: [
        { start: "06:00", name: "Early" },
        { start: "14:00", name: "Late" },
        { start: "22:00", name: "Night" },
      ],
      shiftsFrom: null,
      shiftRulesNow: null,
    });
  });

  it("applies a change from the next shift, versioned and audited; a second change in the same shift replaces the waiting one", async () => {
    const site = await harness.createSite("Shifts Change");
    at("2026-03-10T10:00:00.000Z"); // 11:00 CET: the early shift runs until 14:00.
    const read = await site.as.ADMIN.site.settings();
    const changed = await site.as.ADMIN.site.updateShiftRules({ timezone: "Europe/Berlin", shifts: TWO_SHIFTS, version: read.version });
    expect(changed).toMatchObject({
      shifts: [
        { start: "08:00", name: "Day" },
        { start: "20:00", name: "Night" },
      ],
      shiftsFrom: "2026-03-10T13:00:00.000Z",
      shiftRulesNow: { effectiveFrom: "1970-01-01T00:00:00.000Z", timezone: "Europe/Berlin" },
    });
    expect(new Date(changed.version).getTime()).toBeGreaterThan(new Date(read.version).getTime());
    const audit = await harness.db.prisma.auditLog.findMany({ where: { siteId: site.siteId, action: "site.update_shift_rules" } });
    expect(audit).toEqual([
      expect.objectContaining({
        actorUserId: site.users.ADMIN.id,
        target: `site:${site.siteId}`,
        details: {
          before: { timezone: "Europe/Berlin", shifts: [{ start: "06:00", name: "Early" }, { start: "14:00", name: "Late" }, { start: "22:00", name: "Night" }] },
          after: { timezone: "Europe/Berlin", shifts: [{ start: "08:00", name: "Day" }, { start: "20:00", name: "Night" }], effectiveFrom: "2026-03-10T13:00:00.000Z" },
        },
      }),
    ]);

    // A stale version is refused and changes nothing.
    const stale = await refusalOf(site.as.ADMIN.site.updateShiftRules({ timezone: "Europe/Berlin", shifts: [{ start: "7", name: "Day" }], version: read.version }));
    expect(stale.code).toBe("CONFLICT");
    expect((stale.cause as DomainError).reason).toBe("VERSION_CONFLICT");
    expect((detailsOf(stale) as { current: SiteSettings }).current.version).toBe(changed.version);

    // Still in the early shift: the waiting change is replaced, from the same boundary.
    at("2026-03-10T12:00:00.000Z");
    const again = await site.as.ADMIN.site.updateShiftRules({ timezone: "Europe/Berlin", shifts: [{ start: "7", name: "Day" }, { start: "19", name: "Night" }], version: changed.version });
    expect(again.shiftsFrom).toBe("2026-03-10T13:00:00.000Z");
    expect((await rulesRows(site)).map((r) => [r.effectiveFrom.toISOString(), r.shifts])).toEqual([
      ["1970-01-01T00:00:00.000Z", [{ start: "06:00", name: "Early" }, { start: "14:00", name: "Late" }, { start: "22:00", name: "Night" }]],
      ["2026-03-10T13:00:00.000Z", [{ start: "07:00", name: "Day" }, { start: "19:00", name: "Night" }]],
    ]);
    // Once in force, the change is no longer waiting.
    at("2026-03-10T13:30:00.000Z");
    expect(await site.as.ADMIN.site.settings()).toMatchObject({ shiftsFrom: "2026-03-10T13:00:00.000Z", shiftRulesNow: null });
    // The same rules again: no new version, no audit row.
    const same = await site.as.ADMIN.site.updateShiftRules({ timezone: "Europe/Berlin", shifts: [{ start: "07:00", name: "Day" }, { start: "19:00", name: "Night" }], version: again.version });
    expect(same.version).toBe(again.version);
    expect(await harness.db.prisma.auditLog.count({ where: { siteId: site.siteId, action: "site.update_shift_rules" } })).toBe(2);
  });

  it("refuses rules that make no sense with BAD_REQUEST and what to fix, and non-admins with FORBIDDEN, changing nothing", async () => {
    const site = await harness.createSite("Shifts Refused");
    const { version } = await site.as.ADMIN.site.settings();
    const cases: Array<[unknown, RegExp]> = [
      [{ timezone: "Mars/Olympus", shifts: TWO_SHIFTS, version }, /timezone: Enter an IANA timezone such as Europe\/Berlin/],
      [{ timezone: "Europe/Berlin", shifts: [], version }, /shifts: A site works at least one shift/],
      [{ timezone: "Europe/Berlin", shifts: [{ start: "20", name: "Night" }, { start: "8", name: "Day" }], version }, /shifts\.1\.start: Day starts at 08:00, which is not after Night \(20:00\)/],
      [{ timezone: "Europe/Berlin", shifts: [{ start: "24:00", name: "Night" }], version }, /shifts\.0\.start: Enter the start as a time of day/],
      [{ timezone: "Europe/Berlin", shifts: [{ start: "8", name: "" }], version }, /shifts\.0\.name: Give the shift a name/],
      [{ timezone: "Europe/Berlin", shifts: TWO_SHIFTS }, /version/],
    ];
    for (const [input, message] of cases) {
      const refused = await refusalOf(site.as.ADMIN.site.updateShiftRules(input as never));
      expect(refused.code, JSON.stringify(input)).toBe("BAD_REQUEST");
      expect(messagesOf(refused), JSON.stringify(input)).toMatch(message);
    }
    for (const role of ["LEAD", "STAFF"] as const) {
      expect((await refusalOf(site.as[role].site.updateShiftRules({ timezone: "Europe/Berlin", shifts: TWO_SHIFTS, version }))).code).toBe("FORBIDDEN");
    }
    expect(await rulesRows(site)).toEqual([]);
    expect((await site.as.ADMIN.site.settings()).version).toBe(version);
  });
});

describe("handoff periods follow the rules valid at the time", () => {
  it("across both daylight-saving changes of 2026 in Berlin, a shift spanning the change has its real length", async () => {
    const site = await harness.createSite("Shifts DST");
    at("2026-03-27T10:00:00.000Z"); // Friday 11:00 CET.
    const { version } = await site.as.ADMIN.site.settings();
    const changed = await site.as.ADMIN.site.updateShiftRules({ timezone: "Europe/Berlin", shifts: TWO_SHIFTS, version });
    expect(changed.shiftsFrom).toBe("2026-03-27T13:00:00.000Z");

    // Before the change: the old early shift, 8 hours.
    expect((await site.as.STAFF.handoff.summary({ to: "2026-03-27T14:00" })).period).toMatchObject({ from: "2026-03-27T05:00:00.000Z", hours: 8 });
    // The first shift under the new rules begins at the old boundary and ends at 20:00: 6 hours.
    expect((await site.as.STAFF.handoff.summary({ to: "2026-03-27T20:00" })).period).toMatchObject({ from: "2026-03-27T13:00:00.000Z", hours: 6 });
    // The night of 28 → 29 March, 20:00 CET → 08:00 CEST: 11 hours.
    expect((await site.as.STAFF.handoff.summary({ to: "2026-03-29T08:00" })).period).toMatchObject({
      from: "2026-03-28T19:00:00.000Z",
      to: "2026-03-29T06:00:00.000Z",
      fromLocal: "Sat, 28 Mar 2026, 20:00 CET",
      hours: 11,
    });
    // The default period at 07:00 CEST is that night so far: 10 hours.
    at("2026-03-29T05:00:00.000Z");
    expect((await site.as.STAFF.handoff.summary({})).period).toMatchObject({ from: "2026-03-28T19:00:00.000Z", basis: "current_shift", hours: 10 });
    // The night of 24 → 25 October, 20:00 CEST → 08:00 CET: 13 hours.
    expect((await site.as.STAFF.handoff.summary({ to: "2026-10-25T08:00" })).period).toMatchObject({ from: "2026-10-24T18:00:00.000Z", to: "2026-10-25T07:00:00.000Z", hours: 13 });
  });

  it("after a change of timezone: the periods before it stay as written, after it they follow the new zone", async () => {
    const site = await harness.createSite("Shifts Zone");
    await harness.db.prisma.job.create({ data: { siteId: site.siteId, title: "Bracket", queuePosition: 1, pickupCode: generatePickupCode() } });
    at("2026-04-01T10:00:00.000Z"); // 12:00 CEST, the early shift.
    const written = await site.as.LEAD.handoff.create({ from: "2026-03-31T22:00", to: "2026-04-01T06:00", notes: "Quiet night" });
    const { version } = await site.as.ADMIN.site.settings();
    const changed = await site.as.ADMIN.site.updateShiftRules({ timezone: "America/New_York", shifts: [{ start: "6", name: "Early" }, { start: "14", name: "Late" }, { start: "22", name: "Night" }], version });
    // From the end of Berlin's early shift, 14:00 CEST.
    expect(changed).toMatchObject({ timezone: "America/New_York", shiftsFrom: "2026-04-01T12:00:00.000Z", shiftRulesNow: { timezone: "Europe/Berlin" } });

    const kept = await site.as.STAFF.handoff.get({ id: written.id });
    expect(kept).toMatchObject({ periodFrom: "2026-03-31T20:00:00.000Z", periodTo: "2026-04-01T04:00:00.000Z" });
    // Before the change: Berlin's early shift, 06:00 CEST.
    expect((await site.as.STAFF.handoff.summary({ to: "2026-04-01T11:00:00Z" })).period).toMatchObject({ from: "2026-04-01T04:00:00.000Z", hours: 7 });
    // The shift that took over at 08:00 EDT is New York's early shift, until 14:00 EDT.
    expect((await site.as.STAFF.handoff.summary({ to: "2026-04-01T17:00:00Z" })).period).toMatchObject({ from: "2026-04-01T12:00:00.000Z", hours: 5 });
    at("2026-04-02T00:00:00.000Z"); // 20:00 EDT: New York's late shift, from 14:00 EDT.
    expect((await site.as.STAFF.handoff.summary({})).period).toMatchObject({ from: "2026-04-01T18:00:00.000Z", fromLocal: "Wed, 1 Apr 2026, 14:00 GMT-4", hours: 6 });
  });

  it("reminders name the shift of the rules it ran under, on the clock of then", async () => {
    const site = await harness.createSite("Shifts Reminders");
    const job = await harness.db.prisma.job.create({ data: { siteId: site.siteId, title: "Hinge", queuePosition: 1, pickupCode: generatePickupCode() } });
    const activity = (instant: string) => harness.db.prisma.jobEvent.create({ data: { siteId: site.siteId, jobId: job.id, actorKind: "SYSTEM", type: "created", at: new Date(instant) } });
    at("2026-04-01T10:00:00.000Z");
    const { version } = await site.as.ADMIN.site.settings();
    await site.as.ADMIN.site.updateShiftRules({ timezone: "America/New_York", shifts: TWO_SHIFTS, version });
    const row = await harness.db.prisma.site.findUniqueOrThrow({ where: { id: site.siteId }, select: { id: true, name: true, timezone: true } });
    const deps = testWorkerDeps(harness, undefined);
    const subjects = async () => (await harness.db.prisma.mailLog.findMany({ where: { siteId: site.siteId }, orderBy: { createdAt: "asc" } })).map((m) => m.subject);

    // Berlin's early shift (06:00–14:00 CEST) ended without a handoff.
    await activity("2026-04-01T09:00:00.000Z");
    expect(await remindSite(deps, row, new Date("2026-04-01T12:20:00.000Z"))).toBe(1);
    // The first shift under New York's rules: the day shift from the takeover (08:00 EDT) to 20:00 EDT.
    await activity("2026-04-01T20:00:00.000Z");
    expect(await remindSite(deps, row, new Date("2026-04-01T23:55:00.000Z"))).toBe(0);
    expect(await remindSite(deps, row, new Date("2026-04-02T00:20:00.000Z"))).toBe(1);
    expect(await subjects()).toEqual([
      "Shifts Reminders: no handoff was written for the early shift that began Wed, 1 Apr 2026, 06:00 CEST",
      "Shifts Reminders: no handoff was written for the day shift that began Wed, 1 Apr 2026, 08:00 GMT-4",
    ]);
  });

  it("sync.pull carries the rules a console needs for its offline summary: those of the longest period, and a change still waiting", async () => {
    const site = await harness.createSite("Shifts Sync");
    at(new Date().toISOString()); // A pull reads the rules around the real now.
    const { version } = await site.as.ADMIN.site.settings();
    const changed = await site.as.ADMIN.site.updateShiftRules({ timezone: "Europe/Berlin", shifts: TWO_SHIFTS, version });
    const page = await site.as.STAFF.sync.pull({});
    expect(page.site?.shiftRules).toEqual([
      { effectiveFrom: "1970-01-01T00:00:00.000Z", timezone: "Europe/Berlin", shifts: [{ start: "06:00", name: "Early" }, { start: "14:00", name: "Late" }, { start: "22:00", name: "Night" }] },
      { effectiveFrom: changed.shiftsFrom, timezone: "Europe/Berlin", shifts: [{ start: "08:00", name: "Day" }, { start: "20:00", name: "Night" }] },
    ]);
    // Rules replaced longer ago than the longest period are left out.
    const old = await harness.createSite("Shifts Sync Old");
    at("2026-03-10T10:00:00.000Z");
    await old.as.ADMIN.site.updateShiftRules({ timezone: "Europe/Berlin", shifts: TWO_SHIFTS, version: (await old.as.ADMIN.site.settings()).version });
    expect((await old.as.STAFF.sync.pull({})).site?.shiftRules.map((v) => v.effectiveFrom)).toEqual(["2026-03-10T13:00:00.000Z"]);
  });
});
