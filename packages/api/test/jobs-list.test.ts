// jobs.list: every filter returns exactly the matching jobs, every sort pages by keyset so each
// job comes exactly once even while jobs are being added, and cursors cannot be forged.
import { isOpen, type JobListItem, type JobListSort } from "@orderdeck/contracts";
import { beforeAll, describe, expect, it } from "vitest";
import { insertJob, type FixtureJob } from "./jobs-fixtures.ts";
import { apiHarnessForFile, refusalOf } from "./harness.ts";

let customerId: string;
const DAY = 86_400_000;
const now = Date.now();

interface Known {
  id: string;
  title: string;
  status: string;
  queuePosition: number | null;
  dueAt: Date | null;
  createdAt: Date;
  archivedAt: Date | null;
  paymentStatus: string;
  source: string;
  customerId: string | null;
  assigneeId: string | null;
  number: number;
}
let known: Known[] = [];

async function add(job: FixtureJob & { source?: "MANUAL" | "FEED" | "CSV"; assigneeId?: string }) {
  const row = await insertJob(harness, site, job);
  const extra: Record<string, unknown> = {};
  if (job.source) extra.source = job.source;
  if (job.source && job.source !== "MANUAL") extra.externalId = `ext-${row.id}`;
  if (job.assigneeId) extra.assigneeId = job.assigneeId;
  const updated = Object.keys(extra).length ? await harness.db.prisma.job.update({ where: { id: row.id }, data: extra }) : row;
  known.push(updated);
  return updated;
}

const harness = await apiHarnessForFile();
const site = await harness.createSite("List");

beforeAll(async () => {
  customerId = (await harness.db.prisma.customer.create({ data: { siteId: site.siteId, name: "Zanzibar Robotics" } })).id;
  const statuses = ["QUEUED", "IN_PROGRESS", "READY_FOR_PICKUP", "ON_HOLD", "FAILED", "PICKED_UP", "CANCELLED", "SHIPPED"] as const;
  // Several jobs share a creation instant, so ties must break by id.
  const sharedInstant = new Date(now - 3 * DAY);
  for (let i = 0; i < 48; i++) {
    const status = statuses[i % statuses.length] as (typeof statuses)[number];
    await add({
      status,
      fulfilment: status === "SHIPPED" ? "SHIP" : "PICKUP",
      title: i % 7 === 0 ? `Widget 100% special_${i}` : `Bracket ${i}`,
      createdAt: i % 5 === 0 ? sharedInstant : new Date(now - (60 - i) * DAY),
      dueAt: i % 3 === 0 ? null : new Date(now + (i % 2 === 0 ? -1 : 1) * (i + 1) * DAY),
      paymentStatus: i % 4 === 0 ? "PAID" : i % 9 === 0 ? "REFUNDED" : "UNPAID",
      archivedAt: !isOpen(status) && i % 2 === 0 ? new Date(now - DAY) : null,
      customerId: i % 6 === 0 ? customerId : null,
      source: i % 10 === 0 ? "CSV" : i % 3 === 0 ? "FEED" : "MANUAL",
      ...(i % 4 === 1 ? { assigneeId: site.users.STAFF.id } : {}),
    });
  }
});

async function listAll(input: { filter?: object; sort?: JobListSort }, limit = 7): Promise<JobListItem[]> {
  const items: JobListItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await site.as.STAFF.jobs.list({ ...input, cursor, limit });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    // A cursor that never reaches the end is a failure to name, not a test left to time out.
    expect(items.length, `pages of ${JSON.stringify(input)} keep coming`).toBeLessThanOrEqual(10_000);
  } while (cursor);
  return items;
}

const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id).sort();
const visible = () => known.filter((j) => j.archivedAt === null);

describe("jobs.list filters", () => {
  const cases: Array<[string, object, (j: Known) => boolean]> = [
    ["statuses", { statuses: ["QUEUED", "FAILED"] }, (j) => j.status === "QUEUED" || j.status === "FAILED"],
    ["assignee", { assigneeId: "STAFF" }, (j) => j.assigneeId !== null],
    ["unassigned", { assigneeId: null }, (j) => j.assigneeId === null],
    ["customer", { customerId: "CUSTOMER" }, (j) => j.customerId !== null],
    ["due before", { dueBefore: new Date(now).toISOString() }, (j) => j.dueAt !== null && j.dueAt.getTime() < now],
    ["overdue", { overdue: true }, (j) => isOpen(j.status as never) && j.dueAt !== null && j.dueAt.getTime() < now],
    ["payment status", { paymentStatuses: ["REFUNDED", "PAID"] }, (j) => j.paymentStatus === "REFUNDED" || j.paymentStatus === "PAID"],
    ["source", { sources: ["CSV"] }, (j) => j.source === "CSV"],
    ["search title", { search: "bracket 1" }, (j) => j.title.toLowerCase().includes("bracket 1")],
    ["search literal % and _", { search: "100% special_" }, (j) => j.title.includes("100% special_")],
    ["search customer", { search: "zanzibar" }, (j) => j.customerId !== null],
    ["search short prefix", { search: "wi" }, (j) => j.title.toLowerCase().startsWith("wi")],
  ];
  for (const [name, rawFilter, predicate] of cases) {
    it(`${name}: exactly the matching jobs, in every sort`, async () => {
      const filter = JSON.parse(JSON.stringify(rawFilter).replace('"STAFF"', JSON.stringify(site.users.STAFF.id)).replace('"CUSTOMER"', JSON.stringify(customerId)));
      const expected = ids(visible().filter(predicate));
      expect(expected.length, "the fixture has matches").toBeGreaterThan(0);
      for (const field of ["queue", "due", "created"] as const) {
        expect(ids(await listAll({ filter, sort: { field, direction: "asc" } })), `${name} by ${field}`).toEqual(expected);
      }
    });
  }

  it("search by job number, as printed or as typed", async () => {
    const target = known[5] as Known;
    for (const search of [`J-${String(target.number).padStart(6, "0")}`, String(target.number), `#${target.number}`]) {
      const found = await site.as.STAFF.jobs.list({ filter: { search, archived: "include" } });
      expect(found.items.map((j) => j.id), search).toContain(target.id);
    }
  });

  it("archived jobs only when asked for", async () => {
    expect(ids(await listAll({ filter: { archived: "only" } }))).toEqual(ids(known.filter((j) => j.archivedAt !== null)));
    expect(ids(await listAll({ filter: { archived: "include" } }))).toEqual(ids(known));
  });

  it("list items carry list fields only, with overdue and ageing from the site's thresholds", async () => {
    await harness.db.prisma.site.update({ where: { id: site.siteId }, data: { slaWarnHours: 24 * 10, slaBreachHours: 24 * 40 } });
    const items = await listAll({ filter: { statuses: ["QUEUED", "PICKED_UP"] } });
    for (const item of items) {
      expect(item).not.toHaveProperty("notes");
      expect(item).not.toHaveProperty("pickupCode");
      const k = known.find((j) => j.id === item.id) as Known;
      const hours = (Date.now() - k.createdAt.getTime()) / 3_600_000;
      if (item.status === "PICKED_UP") expect(item.ageing).toBeNull();
      else expect(item.ageing?.level).toBe(hours >= 960 ? "breach" : hours >= 240 ? "warn" : "ok");
      expect(item.overdue).toBe(item.status === "QUEUED" && k.dueAt !== null && k.dueAt.getTime() < Date.now());
    }
    expect(new Set(items.filter((i) => i.ageing).map((i) => i.ageing?.level))).toEqual(new Set(["ok", "warn", "breach"]));
  });
});

function expectedOrder(sort: JobListSort, rows: Known[]): string[] {
  const sign = sort.direction === "asc" ? 1 : -1;
  const byCreated = (a: Known, b: Known) => sign * (a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
  const primary = (j: Known): number | null =>
    sort.field === "queue" ? j.queuePosition : sort.field === "due" ? (j.dueAt?.getTime() ?? null) : null;
  return [...rows]
    .sort((a, b) => {
      if (sort.field === "created") return byCreated(a, b);
      const pa = primary(a);
      const pb = primary(b);
      if (pa === null && pb === null) return byCreated(a, b);
      if (pa === null) return 1;
      if (pb === null) return -1;
      return sign * (pa - pb || (a.id < b.id ? -1 : 1));
    })
    .map((j) => j.id);
}

describe("jobs.list keyset pagination", () => {
  for (const field of ["queue", "due", "created"] as const) {
    for (const direction of ["asc", "desc"] as const) {
      it(`by ${field} ${direction}: every job exactly once, in order, while jobs are added between pages`, async () => {
        const sort = { field, direction };
        const before = [...known];
        const seen: JobListItem[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await site.as.STAFF.jobs.list({ filter: { archived: "include" }, sort, cursor, limit: 9 });
          seen.push(...page.items);
          cursor = page.nextCursor ?? undefined;
          pages++;
          // New work arrives while the first pages are read: at the end of the queue, and with
          // creation times and due dates on both sides of the cursor.
          if (pages <= 6) {
            await site.as.STAFF.jobs.create({ title: `Arrival ${field} ${direction} ${pages}` });
            await add({ status: "QUEUED", createdAt: new Date(now - pages * 7 * DAY), dueAt: new Date(now + (pages - 3) * DAY) });
            await add({ status: "CANCELLED", createdAt: new Date(now - 100 * DAY + pages), dueAt: null });
          }
        } while (cursor && pages < 1000);
        const seenIds = seen.map((j) => j.id);
        expect(new Set(seenIds).size, "no job twice").toBe(seenIds.length);
        const original = new Set(before.map((j) => j.id));
        const originalSeen = seenIds.filter((id) => original.has(id));
        expect(originalSeen.length, "every job that was there at the start").toBe(before.length);
        expect(originalSeen).toEqual(expectedOrder(sort, before));
        known = (await harness.db.prisma.job.findMany({ where: { siteId: site.siteId } })) as Known[];
      });
    }
  }

  it("refuses a forged, foreign or mismatched cursor with BAD_REQUEST", async () => {
    const page = await site.as.STAFF.jobs.list({ sort: { field: "due", direction: "asc" }, limit: 2 });
    const cursor = page.nextCursor as string;
    expect(cursor).toBeTruthy();
    const other = await refusalOf(site.as.STAFF.jobs.list({ sort: { field: "created", direction: "asc" }, cursor }));
    expect(other.code).toBe("BAD_REQUEST");
    for (const forged of [
      "not-base64!",
      Buffer.from("{}").toString("base64url"),
      Buffer.from(JSON.stringify({ f: "due", d: "asc", s: 1, v: "x'; DROP TABLE jobs; --", i: "1" })).toString("base64url"),
      Buffer.from(JSON.stringify({ f: "due", d: "asc", s: 1, v: 5, i: "00000000-0000-4000-8000-000000000000" })).toString("base64url"),
    ]) {
      expect((await refusalOf(site.as.STAFF.jobs.list({ sort: { field: "due", direction: "asc" }, cursor: forged }))).code).toBe("BAD_REQUEST");
    }
    expect((await refusalOf(site.as.STAFF.jobs.list({ limit: 201 }))).code).toBe("BAD_REQUEST");
  });
});
