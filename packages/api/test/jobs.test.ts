// The jobs procedures through the API against a real database: creating, reading, editing with
// optimistic locking, the status machine, archive / restore, bulk edits and who may do what.
import { JobStatus, allowedNextStatuses, isOpen, type Fulfilment } from "@orderdeck/contracts";
import { describe, expect, it } from "vitest";
import { boardOrder, insertJob } from "./jobs-fixtures.ts";
import { apiHarnessForFile, detailsOf, refusalOf } from "./harness.ts";

const harness = await apiHarnessForFile();
const site = await harness.createSite("Jobs A");
const other = await harness.createSite("Jobs B");

async function eventsOf(jobId: string) {
  return harness.db.prisma.jobEvent.findMany({ where: { jobId }, orderBy: { at: "asc" } });
}

describe("jobs.create", () => {
  it("appends a MANUAL job at the end of the queue with a number, a pickup code and a created event", async () => {
    const first = await site.as.STAFF.jobs.create({ title: "Gear housing", quantity: 2, estimatedMinutes: 90 });
    const second = await site.as.STAFF.jobs.create({ title: "Gear cover" });
    expect(first.source).toBe("MANUAL");
    expect(first.status).toBe("QUEUED");
    expect(first.displayNumber).toMatch(/^J-\d{6}$/);
    expect(second.number).toBe(first.number + 1);
    expect(first.pickupCode).toMatch(/^[23456789A-HJKMNP-Z]{10}$/);
    expect(second.queuePosition).toBeGreaterThan(first.queuePosition as number);
    const board = await boardOrder(harness, site.siteId);
    expect(board.at(-1)?.id).toBe(second.id);
    const events = await eventsOf(first.id);
    expect(events.map((e) => e.type)).toEqual(["created"]);
    expect(events[0]?.actorUserId).toBe(site.users.STAFF.id);
    expect(events[0]?.actorStationId).toBe(site.stationId);
  });

  it("creates an inline customer, or uses an existing one of the site only", async () => {
    const made = await site.as.STAFF.jobs.create({ title: "Nameplate", customer: { name: "Ada Lovelace", email: "ada@example.com" } });
    expect(made.customer?.name).toBe("Ada Lovelace");
    const again = await site.as.STAFF.jobs.create({ title: "Second nameplate", customerId: made.customer?.id });
    expect(again.customer?.id).toBe(made.customer?.id);

    const foreign = await other.as.STAFF.jobs.create({ title: "Theirs", customer: { name: "Other customer" } });
    const error = await refusalOf(site.as.STAFF.jobs.create({ title: "Sneaky", customerId: foreign.customer?.id }));
    expect(error.code).toBe("NOT_FOUND");
    const assignee = await refusalOf(site.as.STAFF.jobs.create({ title: "Sneaky", assigneeId: other.users.STAFF.id }));
    expect(assignee.code).toBe("NOT_FOUND");
  });
});

describe("jobs.get", () => {
  it("returns the job with its customer and its timeline, newest first", async () => {
    const job = await site.as.STAFF.jobs.create({ title: "Hinge", customer: { name: "Grace Hopper", phone: "+49 30 123" } });
    await site.as.STAFF.jobs.transition({ id: job.id, to: "IN_PROGRESS" });
    await site.as.STAFF.jobs.update({ id: job.id, version: 2, notes: "Use the blue spool" });
    const { job: detail, timeline, timelineTruncated } = await site.as.STAFF.jobs.get({ id: job.id });
    expect(detail.customer).toMatchObject({ name: "Grace Hopper", phone: "+49 30 123" });
    expect(detail.notes).toBe("Use the blue spool");
    expect(detail.allowedNextStatuses).toEqual(allowedNextStatuses("IN_PROGRESS", "PICKUP"));
    expect(timeline.map((e) => e.type)).toEqual(["updated", "status_changed", "created"]);
    expect(timeline[0]?.actor).toMatchObject({ kind: "USER", userName: `STAFF of Jobs A`, stationId: site.stationId });
    expect(timelineTruncated).toBe(false);
  });
});

describe("jobs.update", () => {
  it("a stale version answers CONFLICT with the current row and changes nothing", async () => {
    const job = await site.as.STAFF.jobs.create({ title: "Bracket", priceCents: 1000 });
    const changed = await site.as.LEAD.jobs.update({ id: job.id, version: job.version, priceCents: 1500 });
    expect(changed.version).toBe(job.version + 1);

    const before = await harness.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    const eventsBefore = (await eventsOf(job.id)).length;
    const error = await refusalOf(site.as.STAFF.jobs.update({ id: job.id, version: job.version, title: "Bracket v2" }));
    expect(error.code).toBe("CONFLICT");
    const current = detailsOf(error).current as { version: number; priceCents: number; title: string };
    expect(current).toMatchObject({ version: changed.version, priceCents: 1500, title: "Bracket" });
    expect(await harness.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).toEqual(before);
    expect((await eventsOf(job.id)).length).toBe(eventsBefore);
  });

  it("records before and after of the changed fields only, and nothing for a change to the same values", async () => {
    const job = await site.as.STAFF.jobs.create({ title: "Spacer", material: "PLA" });
    const dueAt = "2030-05-01T10:00:00.000Z";
    const changed = await site.as.STAFF.jobs.update({ id: job.id, version: job.version, material: "PETG", title: "Spacer", dueAt });
    expect(changed).toMatchObject({ material: "PETG", dueAt });
    const events = await eventsOf(job.id);
    expect(events.at(-1)).toMatchObject({ type: "updated", before: { material: "PLA", dueAt: null }, after: { material: "PETG", dueAt } });

    const same = await site.as.STAFF.jobs.update({ id: job.id, version: changed.version, material: "PETG" });
    expect(same.version).toBe(changed.version);
    expect((await eventsOf(job.id)).length).toBe(events.length);
  });

  it("a closed job keeps everything but its notes", async () => {
    const job = await insertJob(harness, site, { status: "CANCELLED" });
    const error = await refusalOf(site.as.STAFF.jobs.update({ id: job.id, version: job.version, priceCents: 10 }));
    expect(error.code).toBe("PRECONDITION_FAILED");
    const noted = await site.as.STAFF.jobs.update({ id: job.id, version: job.version, notes: "Customer called, cancel confirmed" });
    expect(noted.notes).toBe("Customer called, cancel confirmed");
  });
});

describe("jobs.transition: the full status machine", () => {
  for (const fulfilment of ["PICKUP", "SHIP"] as Fulfilment[]) {
    it(`every allowed transition succeeds and every other is refused naming the allowed ones (${fulfilment})`, async () => {
      let checked = 0;
      for (const from of JobStatus.options) {
        for (const to of JobStatus.options) {
          // Paid, so that only the machine decides here (shipping unpaid: money-rules.test.ts).
          const job = await insertJob(harness, site, { status: from, fulfilment, paymentStatus: "PAID" });
          const allowed = allowedNextStatuses(from, fulfilment);
          const call = site.as.STAFF.jobs.transition({ id: job.id, to, version: job.version });
          if (allowed.includes(to) && to !== "PICKED_UP") {
            const moved = await call;
            expect(moved.status, `${from} → ${to}`).toBe(to);
            expect(moved.queuePosition === null, `${from} → ${to} position`).toBe(!isOpen(to));
            const row = await harness.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
            expect(row.status).toBe(to);
            const event = (await eventsOf(job.id)).at(-1);
            expect(event).toMatchObject({ type: "status_changed", before: { status: from }, after: { status: to } });
          } else {
            const error = await refusalOf(call);
            expect(error.code, `${from} → ${to}`).toBe("PRECONDITION_FAILED");
            expect(detailsOf(error).allowed, `${from} → ${to}`).toEqual(allowed);
            if (to === "PICKED_UP" && allowed.includes(to)) expect(error.message).toMatch(/pickup code/);
            else for (const status of allowed) expect(error.message, `${from} → ${to}`).toContain(status);
            const row = await harness.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
            expect(row.status).toBe(from);
            expect(row.version).toBe(job.version);
          }
          checked++;
        }
      }
      expect(checked).toBe(81);
    }, 120_000);
  }

  it("a reprint (FAILED → QUEUED) goes to the end of the queue; a hold keeps the place", async () => {
    const failed = await insertJob(harness, site, { status: "FAILED" });
    const held = await insertJob(harness, site, { status: "QUEUED" });
    await site.as.STAFF.jobs.create({ title: "Later arrival" });
    await site.as.STAFF.jobs.transition({ id: held.id, to: "ON_HOLD" });
    const back = await site.as.STAFF.jobs.transition({ id: held.id, to: "QUEUED" });
    expect(back.queuePosition).toBe(held.queuePosition);
    const reprint = await site.as.STAFF.jobs.transition({ id: failed.id, to: "QUEUED", note: "Warped corner; reprint" });
    const board = await boardOrder(harness, site.siteId);
    expect(board.at(-1)).toEqual({ id: failed.id, queue_position: reprint.queuePosition });
    expect((await eventsOf(failed.id)).at(-1)?.after).toMatchObject({ status: "QUEUED", note: "Warped corner; reprint" });
  });

  it("a stale version is a CONFLICT, not a transition", async () => {
    const job = await site.as.STAFF.jobs.create({ title: "Knob" });
    await site.as.STAFF.jobs.update({ id: job.id, version: job.version, title: "Knob (large)" });
    const error = await refusalOf(site.as.STAFF.jobs.transition({ id: job.id, version: job.version, to: "IN_PROGRESS" }));
    expect(error.code).toBe("CONFLICT");
    expect((await harness.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("QUEUED");
  });
});

describe("jobs.archive / jobs.restore", () => {
  it("archives closed jobs only, and restores them", async () => {
    const open = await insertJob(harness, site, { status: "READY_FOR_PICKUP" });
    const error = await refusalOf(site.as.STAFF.jobs.archive({ id: open.id }));
    expect(error.code).toBe("PRECONDITION_FAILED");

    const closed = await insertJob(harness, site, { status: "PICKED_UP" });
    const archived = await site.as.STAFF.jobs.archive({ id: closed.id });
    expect(archived.archivedAt).not.toBeNull();
    const listed = await site.as.STAFF.jobs.list({ filter: { archived: "only" } });
    expect(listed.items.map((j) => j.id)).toContain(closed.id);
    expect((await site.as.STAFF.jobs.list({})).items.map((j) => j.id)).not.toContain(closed.id);

    const restored = await site.as.STAFF.jobs.restore({ id: closed.id, version: archived.version });
    expect(restored.archivedAt).toBeNull();
    expect((await eventsOf(closed.id)).map((e) => e.type)).toEqual(["archived", "restored"]);
  });
});

describe("roles", () => {
  it("STAFF runs the floor; reorder and bulk need a LEAD; nobody signed out gets anything", async () => {
    const a = await site.as.STAFF.jobs.create({ title: "A" });
    const b = await site.as.STAFF.jobs.create({ title: "B" });
    expect((await refusalOf(site.as.STAFF.jobs.reorder({ id: b.id, before: a.id }))).code).toBe("FORBIDDEN");
    expect((await refusalOf(site.as.STAFF.jobs.bulk({ ids: [a.id], action: { type: "archive" } }))).code).toBe("FORBIDDEN");
    await site.as.LEAD.jobs.reorder({ id: b.id, before: a.id });
    await site.as.ADMIN.jobs.reorder({ id: a.id, before: b.id });
    expect((await refusalOf(harness.caller().jobs.list({}))).code).toBe("UNAUTHORIZED");
    expect((await refusalOf(harness.caller().jobs.get({ id: a.id }))).code).toBe("UNAUTHORIZED");
  });
});

describe("jobs.bulk", () => {
  it("answers per row: one refusal does not undo the others", async () => {
    const queued = await insertJob(harness, site, { status: "QUEUED" });
    const ready = await insertJob(harness, site, { status: "READY_FOR_PICKUP" });
    const theirs = await insertJob(harness, other, { status: "QUEUED" });
    const missing = "00000000-0000-4000-8000-000000000000";
    const result = await site.as.LEAD.jobs.bulk({ ids: [queued.id, ready.id, theirs.id, missing], action: { type: "status", to: "IN_PROGRESS" } });
    expect(result.succeeded).toBe(1);
    expect(result.failed).toBe(3);
    expect(result.results).toEqual([
      { id: queued.id, ok: true },
      expect.objectContaining({ id: ready.id, ok: false, reason: "INVALID_TRANSITION" }),
      expect.objectContaining({ id: theirs.id, ok: false, reason: "NOT_FOUND" }),
      expect.objectContaining({ id: missing, ok: false, reason: "NOT_FOUND" }),
    ]);
    expect((await harness.db.prisma.job.findUniqueOrThrow({ where: { id: queued.id } })).status).toBe("IN_PROGRESS");
    expect((await harness.db.prisma.job.findUniqueOrThrow({ where: { id: theirs.id } })).status).toBe("QUEUED");
  });

  it("assigns, archives and sends invoices per row", async () => {
    const one = await insertJob(harness, site, { status: "QUEUED" });
    const two = await insertJob(harness, site, { status: "PICKED_UP" });
    const assigned = await site.as.LEAD.jobs.bulk({ ids: [one.id, two.id], action: { type: "assignee", assigneeId: site.users.STAFF.id } });
    expect(assigned.results.map((r) => r.ok)).toEqual([true, false]);
    expect((await harness.db.prisma.job.findUniqueOrThrow({ where: { id: one.id } })).assigneeId).toBe(site.users.STAFF.id);

    const archived = await site.as.LEAD.jobs.bulk({ ids: [one.id, two.id], action: { type: "archive" } });
    expect(archived.results.map((r) => r.ok)).toEqual([false, true]);

    await harness.db.prisma.job.update({ where: { id: one.id }, data: { priceCents: 2500 } });
    const invoiced = await site.as.LEAD.jobs.bulk({ ids: [one.id, one.id], action: { type: "sendInvoice" } });
    expect(invoiced.results).toEqual([{ id: one.id, ok: true }]);
    expect(await harness.db.prisma.invoice.count({ where: { jobId: one.id } })).toBe(1);
    const again = await site.as.LEAD.jobs.bulk({ ids: [one.id], action: { type: "sendInvoice" } });
    expect(again.results[0]).toMatchObject({ ok: false, reason: "DUPLICATE" });
  });
});

