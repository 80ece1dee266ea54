// Handoff reminders: when a shift with work in it ended without a handoff, the site's leads are
// mailed once (however often the check runs); a handoff, an idle shift, or the grace period not
// yet over means no mail. Shift boundaries are the site's wall clock (Europe/Berlin here).
import { generatePickupCode } from "@orderdeck/contracts";
import { describe, expect, it } from "vitest";
import { remindSite } from "../src/handoff/reminders.ts";
import { mailSinkForFile, mailsOf, startTestWorker, testWorkerDeps } from "./background-helpers.ts";
import { apiHarnessForFile, type SiteFixture } from "./harness.ts";

// 14:20 in Berlin (CET): the early shift (06:00–14:00) ended 20 minutes ago.
const NOW = new Date("2026-03-10T13:20:00.000Z");
const IN_EARLY_SHIFT = new Date("2026-03-10T09:00:00.000Z");

const harness = await apiHarnessForFile();
const sink = await mailSinkForFile();

async function siteWithWork(name: string): Promise<SiteFixture> {
  const site = await harness.createSite(name);
  const job = await harness.db.prisma.job.create({ data: { siteId: site.siteId, title: "Spacer", queuePosition: 1, pickupCode: generatePickupCode() } });
  await harness.db.prisma.jobEvent.create({ data: { siteId: site.siteId, jobId: job.id, actorKind: "SYSTEM", type: "created", at: IN_EARLY_SHIFT } });
  return site;
}

function siteRow(site: SiteFixture) {
  return harness.db.prisma.site.findUniqueOrThrow({ where: { id: site.siteId }, select: { id: true, name: true, timezone: true } });
}

describe("handoff reminders", () => {
  it("mails the site's leads once about a shift that ended without a handoff", async () => {
    const site = await siteWithWork("Reminder Kiez");
    const deps = testWorkerDeps(harness, sink, { now: () => NOW });
    expect(await remindSite(deps, await siteRow(site), NOW)).toBe(1);
    expect(await remindSite(deps, await siteRow(site), new Date(NOW.getTime() + 30 * 60_000))).toBe(0);

    const mails = await mailsOf(harness, { siteId: site.siteId });
    expect(mails).toEqual([expect.objectContaining({ kind: "HANDOFF_REMINDER", to: site.users.LEAD.email, status: "PENDING" })]);
    expect(mails[0]?.subject).toBe("Reminder Kiez: no handoff was written for the early shift that began Tue, 10 Mar 2026, 06:00 CET");

    const worker = await startTestWorker(harness, deps);
    try {
      const received = await sink.waitFor((m) => m.to.includes(site.users.LEAD.email));
      expect(received.text).toMatch(/^No handoff was written for the early shift/);
    } finally {
      await worker.stop();
    }
  });

  it("sends nothing when a handoff was made, when nothing happened in the shift, or before the grace period is over", async () => {
    const handedOver = await siteWithWork("Reminder Handed");
    await harness.db.prisma.handoff.create({
      data: {
        siteId: handedOver.siteId,
        periodFrom: new Date("2026-03-10T05:00:00.000Z"),
        periodTo: new Date("2026-03-10T12:55:00.000Z"),
        snapshot: {},
        createdById: handedOver.users.LEAD.id,
        createdAt: new Date("2026-03-10T12:55:00.000Z"),
      },
    });
    const idle = await harness.createSite("Reminder Idle");
    const early = await siteWithWork("Reminder Early");
    const deps = testWorkerDeps(harness, undefined);
    expect(await remindSite(deps, await siteRow(handedOver), NOW)).toBe(0);
    expect(await remindSite(deps, await siteRow(idle), NOW)).toBe(0);
    expect(await remindSite(deps, await siteRow(early), new Date("2026-03-10T13:05:00.000Z"))).toBe(0);
    for (const site of [handedOver, idle, early]) expect(await mailsOf(harness, { siteId: site.siteId })).toEqual([]);
  });
});
