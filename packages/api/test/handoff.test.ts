// handoff.summary / create / acknowledge / list / get / print against a real database. The
// summaries over the spring-forward and fall-back nights in Europe/Berlin count every row placed
// around the change exactly once and cover 23 / 25 real hours; the printed PDF carries the counts
// and the notes.
import { randomUUID } from "node:crypto";
import type { JobStatus, ScanOutcome } from "@orderdeck/contracts";
import { beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "../src/auth/principal.ts";
import { handoffSummary } from "../src/handoff/service.ts";
import type { HandoffSummary } from "@orderdeck/contracts";
import { apiHarnessForFile, type SiteFixture } from "./harness.ts";
import { pdfText } from "./money-helpers.ts";
import { addPickupJob } from "./pickup-helpers.ts";

const harness = await apiHarnessForFile();

function principalOf(site: SiteFixture, role: "STAFF" | "LEAD" = "STAFF"): Principal {
  return {
    userId: site.users[role].id,
    siteId: site.siteId,
    role,
    email: site.users[role].email,
    name: role,
    sessionId: randomUUID(),
    stationId: site.stationId,
    stationName: null,
  };
}

async function event(site: SiteFixture, jobId: string, at: Date, before: JobStatus | null, after: JobStatus, type = "status_changed") {
  await harness.db.prisma.jobEvent.create({
    data: {
      siteId: site.siteId,
      jobId,
      actorKind: "USER",
      actorUserId: site.users.STAFF.id,
      at,
      type,
      before: before ? { status: before } : undefined,
      after: { status: after },
    },
  });
}

async function scan(site: SiteFixture, at: Date, outcome: ScanOutcome) {
  await harness.db.prisma.scanRecord.create({
    data: { siteId: site.siteId, stationId: site.stationId, userId: site.users.STAFF.id, code: "ABCDE23456", outcome, serverTime: at },
  });
}

/**
 * One of everything the summary counts, at instant `at`: a job received then; one started,
 * finished, failed and reprinted then (status events); one picked up then (its column, as the
 * counter writes it, plus its event); a refused scan. Returns nothing: the test knows the count.
 */
async function activityAt(site: SiteFixture, at: Date) {
  await addPickupJob(harness, site, { status: "QUEUED", createdAt: at });
  const started = await addPickupJob(harness, site, { status: "IN_PROGRESS", createdAt: new Date("2026-01-01T00:00:00Z") });
  await event(site, started.id, at, "QUEUED", "IN_PROGRESS");
  // Back from a hold is a resumption, not a start: never counted.
  await event(site, started.id, at, "ON_HOLD", "IN_PROGRESS");
  const finished = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", createdAt: new Date("2026-01-01T00:00:00Z") });
  await event(site, finished.id, at, "POST_PROCESSING", "READY_FOR_PICKUP");
  const failed = await addPickupJob(harness, site, { status: "QUEUED", createdAt: new Date("2026-01-01T00:00:00Z") });
  await event(site, failed.id, at, "IN_PROGRESS", "FAILED");
  await event(site, failed.id, at, "FAILED", "QUEUED");
  const picked = await addPickupJob(harness, site, {
    status: "PICKED_UP",
    createdAt: new Date("2026-01-01T00:00:00Z"),
    pickedUp: { at, byId: site.users.STAFF.id, stationId: site.stationId },
  });
  await event(site, picked.id, at, "READY_FOR_PICKUP", "PICKED_UP", "picked_up");
  await scan(site, at, "UNKNOWN_CODE");
  await scan(site, at, "HANDED_OVER");
}

function expectActivity(summary: HandoffSummary, n: number) {
  expect(summary.counts).toMatchObject({ received: n, started: n, finished: n, failed: n, reprinted: n, pickedUp: n, scansRefused: n });
  expect(summary.scans).toMatchObject({ total: 2 * n, handedOver: n, refused: n, refusedByOutcome: n > 0 ? { UNKNOWN_CODE: n } : {} });
  expect(summary.received).toHaveLength(n);
  expect(summary.pickedUp).toHaveLength(n);
}

describe("summaries over daylight-saving nights (Europe/Berlin)", () => {
  it("spring forward, 29 March 2026: the day has 23 hours and every row around 02:00 is counted once", async () => {
    const site = await harness.createSite("Spring");
    // Instants around the change (CET until 01:00 UTC, CEST after); the first and last are just
    // outside the day, the rest inside.
    const outside = ["2026-03-28T22:59:59.999Z", "2026-03-29T22:00:00.000Z"];
    const inside = [
      "2026-03-28T23:00:00.000Z", // 00:00 CET, the day's first instant
      "2026-03-29T00:30:00.000Z", // 01:30 CET
      "2026-03-29T00:59:59.999Z", // 01:59:59.999 CET, the last instant before the gap
      "2026-03-29T01:00:00.000Z", // 03:00 CEST, the first after it
      "2026-03-29T01:30:00.000Z", // 03:30 CEST
      "2026-03-29T21:59:59.999Z", // 23:59:59.999 CEST, the day's last instant
    ];
    for (const at of [...outside, ...inside]) await activityAt(site, new Date(at));

    const day = await site.as.STAFF.handoff.summary({ from: "2026-03-29", to: "2026-03-30" });
    expect(day.period).toMatchObject({
      from: "2026-03-28T23:00:00.000Z",
      to: "2026-03-29T22:00:00.000Z",
      hours: 23,
      basis: "chosen",
      fromLocal: "Sun, 29 Mar 2026, 00:00 CET",
      toLocal: "Mon, 30 Mar 2026, 00:00 CEST",
    });
    expectActivity(day, inside.length);

    // The shifts of that day partition it: late (Sat 14-22), night (22-06, 7 real hours), early
    // and late on Sunday. Their counts add up to the whole, nothing lost or doubled.
    const shifts = [
      ["2026-03-28T22:00", "2026-03-29T06:00", 7],
      ["2026-03-29T06:00", "2026-03-29T14:00", 8],
      ["2026-03-29T14:00", "2026-03-29T22:00", 8],
    ] as const;
    const parts: HandoffSummary[] = [];
    for (const [from, to, hours] of shifts) {
      const part = await site.as.STAFF.handoff.summary({ from, to });
      expect(part.period.hours).toBe(hours);
      parts.push(part);
    }
    const wholeNight = await site.as.STAFF.handoff.summary({ from: "2026-03-28T22:00", to: "2026-03-29T22:00" });
    expect(wholeNight.period.hours).toBe(23);
    const sum = (key: keyof HandoffSummary["counts"]) => parts.reduce((total, p) => total + p.counts[key], 0);
    for (const key of ["received", "started", "finished", "failed", "reprinted", "pickedUp", "scansRefused"] as const) {
      expect(sum(key), key).toBe(wholeNight.counts[key]);
    }
    // Saturday 23:59:59 CET is in the night shift but not in Sunday; Sunday 23:59:59 CEST is
    // in Sunday but after the late shift.
    expect(wholeNight.counts.received).toBe(inside.length);
    expect(parts.map((p) => p.counts.received)).toEqual([6, 0, 0]);
  });

  it("fall back, 25 October 2026: the day has 25 hours and both 02:30s are counted, once each", async () => {
    const site = await harness.createSite("Autumn");
    const outside = ["2026-10-24T21:59:59.999Z", "2026-10-25T23:00:00.000Z"];
    const inside = [
      "2026-10-24T22:00:00.000Z", // 00:00 CEST
      "2026-10-25T00:30:00.000Z", // 02:30 CEST, the first 02:30
      "2026-10-25T00:59:59.999Z", // 02:59:59.999 CEST
      "2026-10-25T01:00:00.000Z", // 02:00 CET, the clock went back
      "2026-10-25T01:30:00.000Z", // 02:30 CET, the second 02:30
      "2026-10-25T22:59:59.999Z", // 23:59:59.999 CET
    ];
    for (const at of [...outside, ...inside]) await activityAt(site, new Date(at));

    const day = await site.as.STAFF.handoff.summary({ from: "2026-10-25", to: "2026-10-26" });
    expect(day.period).toMatchObject({
      from: "2026-10-24T22:00:00.000Z",
      to: "2026-10-25T23:00:00.000Z",
      hours: 25,
      fromLocal: "Sun, 25 Oct 2026, 00:00 CEST",
      toLocal: "Mon, 26 Oct 2026, 00:00 CET",
    });
    expectActivity(day, inside.length);
    expect(new Set(day.received.map((r) => r.at))).toEqual(new Set(inside));

    const night = await site.as.STAFF.handoff.summary({ from: "2026-10-24T22:00", to: "2026-10-25T06:00" });
    expect(night.period.hours).toBe(9);
    // From Saturday 22:00 CEST: Saturday 23:59:59 CEST, 00:00 CEST and the four around the change.
    expect(night.counts.received).toBe(6);
    // A wall-clock boundary at the doubled hour means its first occurrence.
    const fromFirst = await site.as.STAFF.handoff.summary({ from: "2026-10-25T02:30", to: "2026-10-25T03:00" });
    expect(fromFirst.period).toMatchObject({ from: "2026-10-25T00:30:00.000Z", to: "2026-10-25T02:00:00.000Z", hours: 1.5 });
    expect(fromFirst.counts.received).toBe(4);
    // The same period as instants with offsets.
    const asInstants = await site.as.STAFF.handoff.summary({ from: "2026-10-25T02:30:00+02:00", to: "2026-10-25T02:30:00+01:00" });
    expect(asInstants.period.hours).toBe(1);
    // 00:30, 00:59:59.999 and 01:00 UTC; 01:30 UTC is the period's end, which is not in it.
    expect(asInstants.counts.received).toBe(3);
  });

  it("defaults to the current shift, across the change, and then to the end of the last acknowledged handoff", async () => {
    const site = await harness.createSite("Defaults");
    // 05:30 CEST on the spring-forward morning: the night shift began 22:00 CET, 6.5 hours ago.
    const now = new Date("2026-03-29T03:30:00Z");
    const first = await handoffSummary({ prisma: harness.db.prisma, now: () => now }, principalOf(site), {});
    expect(first.period).toMatchObject({ from: "2026-03-28T21:00:00.000Z", to: now.toISOString(), hours: 6.5, basis: "current_shift" });

    const handoff = await site.as.LEAD.handoff.create({ notes: "", from: "2026-03-28T14:00", to: "2026-03-28T22:00" });
    // Not yet acknowledged: still the shift.
    expect((await handoffSummary({ prisma: harness.db.prisma, now: () => now }, principalOf(site), {})).period.basis).toBe("current_shift");
    await site.as.ADMIN.handoff.acknowledge({ id: handoff.id });
    const after = await handoffSummary({ prisma: harness.db.prisma, now: () => now }, principalOf(site), {});
    expect(after.period).toMatchObject({ from: "2026-03-28T21:00:00.000Z", basis: "since_last_handoff", hours: 6.5 });
    // Only `to` chosen: from the start of the shift running just before it.
    const chosenEnd = await site.as.STAFF.handoff.summary({ to: "2026-03-29T06:00" });
    expect(chosenEnd.period).toMatchObject({ from: "2026-03-28T21:00:00.000Z", to: "2026-03-29T04:00:00.000Z", hours: 7 });
  });

  it("refuses periods that are not real, inverted or longer than 31 days", async () => {
    const site = await harness.createSite("Periods");
    for (const input of [
      { from: "2026-02-30" },
      { from: "2026-03-30", to: "2026-03-29" },
      { from: "2026-01-01", to: "2026-03-01" },
      { from: "yesterday" },
    ]) {
      await expect(site.as.STAFF.handoff.summary(input), JSON.stringify(input)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
  });
});

describe("what is on the floor now", () => {
  it("lists ready jobs with the unpaid ones marked, and takes overdue, exceptions and the next jobs from their services", async () => {
    const site = await harness.createSite("Floor");
    const now = new Date();
    const paidReady = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", paymentStatus: "PAID", customer: "Grace" });
    const unpaidReady = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", paymentStatus: "UNPAID", priceCents: 1_990 });
    await event(site, unpaidReady.id, new Date(now.getTime() - 3_600_000), "POST_PROCESSING", "READY_FOR_PICKUP");
    const late = await addPickupJob(harness, site, { status: "IN_PROGRESS", dueAt: new Date(now.getTime() - 60_000), estimatedMinutes: 30, customer: "Linus" });
    // The exceptions list counts an uncollected job past its due date as overdue too.
    const uncollected = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", paymentStatus: "WAIVED", dueAt: new Date(now.getTime() - 120_000) });
    await addPickupJob(harness, site, { status: "FAILED" });
    const next = await addPickupJob(harness, site, { status: "QUEUED", estimatedMinutes: 45 });
    const unestimated = await addPickupJob(harness, site, { status: "QUEUED", estimatedMinutes: null });
    await addPickupJob(harness, site, { status: "ON_HOLD", estimatedMinutes: 500 });

    const summary = await site.as.STAFF.handoff.summary({});
    expect(summary.counts).toMatchObject({ readyWaiting: 3, readyUnpaid: 1, overdue: 2, openExceptions: 4 });
    expect(summary.exceptions).toEqual({ total: 4, byKind: { OVERDUE: 2, READY_UNPAID: 1, FAILED_PRINT: 1 } });
    expect(summary.readyWaiting.find((r) => r.jobId === unpaidReady.id)).toMatchObject({ unpaid: true, amountDue: "€19.90" });
    expect(summary.readyWaiting.find((r) => r.jobId === unpaidReady.id)?.readySince).not.toBeNull();
    expect(summary.readyWaiting.find((r) => r.jobId === paidReady.id)).toMatchObject({ unpaid: false, customer: "Grace" });
    expect(summary.overdue.map((o) => o.jobId)).toEqual([uncollected.id, late.id]);

    // The forecast's schedule: the running job first, then the queue in order; no ready or held
    // jobs; a job without an estimate gets the median of the others (38 of 30 and 45).
    expect(summary.nextInQueue.map((j) => j.jobId)).toEqual([late.id, next.id, unestimated.id]);
    expect(summary.nextInQueue[0]?.customer).toBe("Linus");
    const minutes = summary.nextInQueue.map((j) => Math.round((new Date(j.forecastCompletionAt).getTime() - new Date(summary.generatedAt).getTime()) / 60_000));
    expect(minutes).toEqual([30, 75, 113]);
    expect(summary.nextInQueue.map((j) => j.estimateAssumed)).toEqual([false, false, true]);
    expect(summary.forecast).toMatchObject({ machines: 1, jobCount: 3 });
  });
});

describe("the handoff's life: create, print, acknowledge", () => {
  let site: SiteFixture;

  beforeAll(async () => {
    site = await harness.createSite("Night shift");
    for (const at of ["2026-03-28T21:30:00Z", "2026-03-29T00:30:00Z", "2026-03-29T02:30:00Z"]) await activityAt(site, new Date(at));
  });

  it("stores the summary with the notes, prints it as PDF (A4, Letter, 80 mm) with counts and notes, and as HTML", async () => {
    const notes = "Printer 2 jams on PETG: use printer 3.\nCall Mrs Müller about J-000004 <urgent>.";
    const handoff = await site.as.LEAD.handoff.create({ notes, from: "2026-03-28T22:00", to: "2026-03-29T06:00" });
    expect(handoff).toMatchObject({ status: "DRAFT", notes, createdBy: { id: site.users.LEAD.id }, acknowledgedBy: null });
    expect(handoff.summary.period.hours).toBe(7);
    expect(handoff.counts).toMatchObject({ received: 3, started: 3, finished: 3, pickedUp: 3, failed: 3, reprinted: 3, scansRefused: 3 });

    for (const paper of ["a4", "letter", "receipt80"] as const) {
      const printed = await site.as.STAFF.handoff.print({ id: handoff.id, paper, format: "pdf" });
      const base64 = printed.format === "pdf" ? printed.base64 : "";
      const text = await pdfText(base64);
      for (const expected of [
        "Shift handoff",
        "Night shift",
        "Sat, 28 Mar 2026, 22:00 CET to Sun, 29 Mar 2026, 06:00 CEST (7 h)",
        "Printer 2 jams on PETG: use printer 3.",
        "Call Mrs Müller about J-000004 <urgent>.",
        "Written by LEAD of Night shift",
        "Not yet acknowledged",
      ]) {
        // Narrow paper wraps long lines; a wrap is a space to a reader.
        expect(text.replaceAll("\n", " "), `${paper}: ${expected}`).toContain(expected);
      }
      // The counts table: each label with its number.
      const lines = text.split("\n");
      for (const [label, value] of [
        ["Received", "3"],
        ["Started", "3"],
        ["Finished", "3"],
        ["Picked up", "3"],
        ["Failed", "3"],
        ["Reprinted", "3"],
        ["Scans refused", "3"],
      ]) {
        const at = lines.indexOf(label as string);
        expect(at, `${paper}: ${label}`).toBeGreaterThanOrEqual(0);
        expect(lines[at + 1], `${paper}: ${label}`).toBe(value);
      }
      // Roll paper is one page exactly as long as the report.
      const pages = (Buffer.from(base64, "base64").toString("latin1").match(/\/Type \/Page\b/g) ?? []).length;
      if (paper === "receipt80") expect(pages).toBe(1);
    }
    const receipt = await site.as.STAFF.handoff.print({ id: handoff.id, paper: "receipt80", format: "pdf" });
    const mediaBox = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(Buffer.from(receipt.format === "pdf" ? receipt.base64 : "", "base64").toString("latin1"));
    expect(Number(mediaBox?.[1])).toBeCloseTo(226.77, 1);

    const html = await site.as.STAFF.handoff.print({ id: handoff.id, paper: "letter", format: "html" });
    const page = html.format === "html" ? html.html : "";
    expect(page).toContain("@page { size: letter;");
    // The job number named in the notes is kept on one line like those in the lists.
    expect(page).toContain('Call Mrs Müller about <span class="job-no">J-000004</span> &#60;urgent&#62;.');
    expect(page).not.toContain("<urgent>");
    expect(page).toMatch(/<td>Picked up<\/td><td class="n">3<\/td>/);

    const printedRow = await site.as.STAFF.handoff.get({ id: handoff.id });
    expect(printedRow.status).toBe("PRINTED");
    expect(printedRow.printedAt).not.toBeNull();
  });

  it("is acknowledged once, by a lead other than its author", async () => {
    const handoff = await site.as.LEAD.handoff.create({ notes: "Quiet night." });
    await expect(site.as.LEAD.handoff.acknowledge({ id: handoff.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(site.as.STAFF.handoff.acknowledge({ id: handoff.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(site.as.STAFF.handoff.create({ notes: "Not a lead." })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const acknowledged = await site.as.ADMIN.handoff.acknowledge({ id: handoff.id });
    expect(acknowledged).toMatchObject({ status: "ACKNOWLEDGED", acknowledgedBy: { id: site.users.ADMIN.id } });
    const again = site.as.ADMIN.handoff.acknowledge({ id: handoff.id });
    await expect(again).rejects.toMatchObject({ code: "CONFLICT", cause: { reason: "DUPLICATE" } });

    // Acknowledged stays acknowledged when printed again; the PDF says who took over.
    const printed = await site.as.STAFF.handoff.print({ id: handoff.id, paper: "a4", format: "pdf" });
    expect(await pdfText(printed.format === "pdf" ? printed.base64 : "")).toContain("Acknowledged by ADMIN of Night shift");
    expect((await site.as.STAFF.handoff.get({ id: handoff.id })).status).toBe("ACKNOWLEDGED");
  });

  it("lists newest first, a page at a time, and hides other sites' handoffs", async () => {
    const listSite = await harness.createSite("Lists");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await listSite.as.LEAD.handoff.create({ notes: `Shift ${i}` })).id);
    const first = await listSite.as.STAFF.handoff.list({ limit: 2 });
    expect(first.items.map((h) => h.id)).toEqual([ids[2], ids[1]]);
    expect(first.nextCursor).not.toBeNull();
    const second = await listSite.as.STAFF.handoff.list({ limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.items.map((h) => h.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
    expect(first.items[0]).not.toHaveProperty("summary");

    await expect(site.as.STAFF.handoff.get({ id: ids[0] ?? "" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(site.as.ADMIN.handoff.acknowledge({ id: ids[0] ?? "" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(site.as.STAFF.handoff.print({ id: ids[0] ?? "", paper: "a4", format: "pdf" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await site.as.STAFF.handoff.list({ limit: 100 })).items.every((h) => !ids.includes(h.id))).toBe(true);
    await expect(site.as.STAFF.handoff.list({ limit: 2, cursor: "bm90LWEtY3Vyc29y" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
