// What a console takes from the site's settings through sync, against a real API and database:
// the shift rules, so that an offline handoff summary starts where the server's would (after a
// change of shifts and timezone too), and the SLA thresholds, so that the board colours a job by
// how long it has been open exactly as the server's list does.
import { SiteSettings, currentShiftStart, defaultShiftHistory, type HandoffSummary } from "@orderdeck/contracts";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { addJob, adminOf, apiStackForFile, createSiteSetup, cuttableNetwork, eventually, until } from "./console-helpers.ts";

const stack = apiStackForFile();
const Period = z.object({ period: z.object({ from: z.string(), to: z.string() }) }).passthrough();

describe("a console's copy of the site's rules", () => {
  it("builds an offline handoff period from the server's shift rules, after a change of shifts and timezone", { timeout: 60_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Shift Rules Works");
    const admin = await adminOf(stack.api, setup);
    const read = await admin.query("site.settings", undefined, SiteSettings);
    const changed = await admin.mutation(
      "site.updateShiftRules",
      { timezone: "America/New_York", shifts: [{ start: "7", name: "Day" }, { start: "19:30", name: "Night" }], version: read.version },
      SiteSettings,
    );
    expect(changed.shiftsFrom).not.toBeNull();
    // A day and a half after the change applies: a shift of New York's new rules is running.
    const later = new Date(Date.parse(changed.shiftsFrom ?? "") + 36 * 3_600_000);

    const network = cuttableNetwork();
    const { core } = await stack.console(setup, "LEAD", { now: () => later, fetch: network.fetch });
    await until(core, (s) => s.connection === "online" && s.lastSyncAt !== null, 30_000);
    network.cut(true);
    await until(core, (s) => s.connection === "offline", 30_000);

    const offline = await core.handoff.summary();
    expect(offline.source).toBe("cache");
    const cached = offline as Exclude<typeof offline, { source: "server" }>;
    expect(cached.period.basis).toBe("current_shift");
    const server = (await admin.query("handoff.summary", { to: later.toISOString() }, Period)) as Pick<HandoffSummary, "period">;
    expect(cached.period.from).toBe(server.period.from);
    // …and that is New York's 07:00 or 19:30, not Berlin's built-in 06/14/22.
    const wall = new Intl.DateTimeFormat("en-GB", { timeZone: "America/New_York", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(cached.period.from));
    expect(["07:00", "19:30"]).toContain(wall);
    expect(cached.period.from).not.toBe(currentShiftStart(later, defaultShiftHistory("Europe/Berlin")).toISOString());
  });

  it("colours the board by the site's SLA thresholds, since created, and follows a change of them", { timeout: 60_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Ageing Works");
    const fresh = await addJob(stack.db, setup.siteId, { title: "Fresh" });
    const ageing = await addJob(stack.db, setup.siteId, { title: "Ageing" });
    const breached = await addJob(stack.db, setup.siteId, { title: "Breached" });
    // The site's thresholds: ageing from 48 h, a breach from 96 h. No due dates: only age counts.
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);
    await stack.db.prisma.job.update({ where: { id: ageing.id }, data: { createdAt: hoursAgo(50) } });
    await stack.db.prisma.job.update({ where: { id: breached.id }, data: { createdAt: hoursAgo(100) } });

    const { core } = await stack.console(setup, "STAFF");
    await until(core, (s) => s.connection === "online" && s.lastSyncAt !== null, 30_000);
    const levels = () => Object.fromEntries(core.queue.list({ includeClosed: false, limit: 100 }).items.map((j) => [j.title, j.ageing?.level]));
    expect(levels()).toEqual({ Fresh: "ok", Ageing: "warn", Breached: "breach" });
    expect(core.queue.get(breached.id)?.ageing?.hours).toBeGreaterThanOrEqual(100);
    expect(core.queue.get(fresh.id)?.dueAt).toBeNull();

    // An admin tightens the thresholds: the change pokes the console, whose next pull carries them.
    const admin = await adminOf(stack.api, setup);
    const read = await admin.query("site.settings", undefined, SiteSettings);
    await admin.mutation("site.updateSettings", { slaWarnHours: 200, slaBreachHours: 300, version: read.version }, SiteSettings);
    await eventually(levels, (now) => now.Breached === "ok" && now.Ageing === "ok", 20_000);
  });
});
