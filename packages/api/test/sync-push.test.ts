// sync.push against a real database: every mutation type applied, rejected with the online
// procedure's reason, or answered as a conflict with the current row; the same batch twice
// changing nothing the second time; offline handovers that lost a race or a cancellation ending
// in the exceptions list instead of a second handover.
import { randomUUID } from "node:crypto";
import type { SyncMutationEnvelope, SyncMutationType } from "@orderdeck/contracts";
import { describe, expect, it } from "vitest";
import { listExceptions } from "../src/exceptions/service.ts";
import { apiHarnessForFile, refusalOf, type Caller } from "./harness.ts";
import { addPickupJob, addStation, count } from "./pickup-helpers.ts";
import { insertJob } from "./jobs-fixtures.ts";

const harness = await apiHarnessForFile();
const site = await harness.createSite("Sync Hamburg");

function mutation(type: SyncMutationType, args: unknown): SyncMutationEnvelope {
  return { id: randomUUID(), type, args, clientTime: new Date().toISOString() };
}

const scan = (code: string, offline = true) => mutation("pickup.confirm", { code, scannedAt: new Date().toISOString(), offline });

/** Everything a replayed batch must leave alone (the ledger's own rows included). */
async function digest(): Promise<string> {
  const result = await harness.db.pool.query<{ digest: string }>(`
    SELECT md5(string_agg(t, '|' ORDER BY t)) AS digest FROM (
      SELECT 'jobs:' || md5(COALESCE(string_agg(j::text, ',' ORDER BY j.id), '')) AS t FROM jobs j
      UNION ALL SELECT 'events:' || count(*)::text FROM job_events
      UNION ALL SELECT 'receipts:' || count(*)::text FROM receipts
      UNION ALL SELECT 'scans:' || count(*)::text FROM scan_records
      UNION ALL SELECT 'handoffs:' || md5(COALESCE(string_agg(h::text, ',' ORDER BY h.id), '')) FROM handoffs h
      UNION ALL SELECT 'ledger:' || md5(COALESCE(string_agg(m::text, ',' ORDER BY m.id), '')) FROM client_mutations m
    ) parts`);
  return result.rows[0]?.digest ?? "";
}

async function exceptionRefs(): Promise<string[]> {
  const list = await listExceptions(harness.db.prisma, site.siteId, { kinds: ["PICKUP_CONFLICT"], perKind: 200 });
  return list.items.map((item) => item.job?.id ?? "");
}

describe("sync.push applies each kind of change", () => {
  it("hands over, notes, moves, writes and acknowledges a handoff, in order", async () => {
    const ready = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", paymentStatus: "PAID" });
    const queued = await insertJob(harness, site);
    const lead = await harness.signIn(site, "LEAD");
    const admin = await harness.signIn(site, "ADMIN");

    const batch = [
      scan(ready.pickupCode, false),
      mutation("job.note", { id: queued.id, version: 1, notes: "Customer wants it matte" }),
      mutation("job.transition", { id: queued.id, version: 2, to: "IN_PROGRESS" }),
    ];
    const { results, halted } = await site.as.STAFF.sync.push({ mutations: batch });
    expect(halted).toBeNull();
    expect(results.map((r) => [r.id, r.status])).toEqual(batch.map((m) => [m.id, "applied"]));
    expect(results[0]?.job).toMatchObject({ id: ready.id, status: "PICKED_UP", pickedUpStationId: site.stationId });
    expect(results[0]?.receipts).toHaveLength(1);
    expect(results[2]?.job).toMatchObject({ id: queued.id, status: "IN_PROGRESS", notes: "Customer wants it matte", version: 3 });

    const written = await lead.sync.push({ mutations: [mutation("handoff.create", { notes: "Printer 2 jams" })] });
    expect(written.results[0]).toMatchObject({ status: "applied", handoff: { notes: "Printer 2 jams", status: "DRAFT" } });
    const handoffId = written.results[0]?.handoff?.id as string;
    const taken = await admin.sync.push({ mutations: [mutation("handoff.acknowledge", { id: handoffId })] });
    expect(taken.results[0]).toMatchObject({ status: "applied", handoff: { id: handoffId, status: "ACKNOWLEDGED" } });

    const events = await harness.db.pool.query<{ type: string }>("SELECT type FROM job_events WHERE job_id = $1 ORDER BY at, id", [queued.id]);
    expect(events.rows.map((e) => e.type)).toEqual(["updated", "status_changed"]);
  });

  it("rejects with the online procedure's reason, and goes on with the rest of the batch", async () => {
    const queued = await insertJob(harness, site);
    const unpaid = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", paymentStatus: "UNPAID", priceCents: 1_250 });
    const online = await refusalOf(site.as.STAFF.jobs.transition({ id: queued.id, to: "READY_FOR_PICKUP" }));

    const batch = [
      mutation("job.transition", { id: queued.id, version: 1, to: "READY_FOR_PICKUP" }),
      scan(unpaid.pickupCode, false),
      mutation("job.note", { id: queued.id, version: "one", notes: 7 }),
      mutation("handoff.create", { notes: "STAFF cannot write one" }),
      mutation("job.transition", { id: queued.id, version: 1, to: "IN_PROGRESS" }),
    ];
    const { results } = await site.as.STAFF.sync.push({ mutations: batch });
    expect(results.map((r) => [r.status, r.reason])).toEqual([
      ["rejected", "INVALID_TRANSITION"],
      ["rejected", "UNPAID"],
      ["rejected", "VALIDATION_FAILED"],
      // Refused for who sent it, not for what it is: recorded nowhere (sync-push-authorship.test.ts).
      ["deferred", "FORBIDDEN"],
      ["applied", null],
    ]);
    expect(results[0]?.message).toBe(online.message);
    expect(results[1]?.message).toMatch(/collect €12.50 first/);
    // A live scan refused at the counter is an ordinary refusal, not an exception.
    expect(await exceptionRefs()).not.toContain(unpaid.id);
  });

  it("answers a change made against an older version as a conflict carrying the current row", async () => {
    const job = await insertJob(harness, site);
    await site.as.STAFF.jobs.update({ id: job.id, version: 1, machine: "Prusa 3" });
    const { results } = await site.as.STAFF.sync.push({
      mutations: [
        mutation("job.transition", { id: job.id, version: 1, to: "IN_PROGRESS" }),
        mutation("job.note", { id: job.id, version: 1, notes: "Written offline" }),
      ],
    });
    for (const result of results) {
      expect(result).toMatchObject({ status: "conflict", reason: "VERSION_CONFLICT", job: { id: job.id, version: 2, machine: "Prusa 3", status: "QUEUED" } });
      expect(result.details).not.toHaveProperty("current");
    }
    const row = await harness.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ status: "QUEUED", notes: null, version: 2 });
  });

  it("answers a handoff another lead already acknowledged as a conflict", async () => {
    const lead = await harness.signIn(site, "LEAD");
    const admin = await harness.signIn(site, "ADMIN");
    const created = await lead.handoff.create({ notes: "Night shift" });
    await admin.handoff.acknowledge({ id: created.id });
    const { results } = await admin.sync.push({ mutations: [mutation("handoff.acknowledge", { id: created.id })] });
    expect(results[0]).toMatchObject({ status: "conflict", reason: "DUPLICATE", handoff: { id: created.id, status: "ACKNOWLEDGED" } });
  });
});

describe("sync.push is idempotent", () => {
  it("changes nothing when the same batch arrives again (a lost response), and answers the same", async () => {
    const ready = await addPickupJob(harness, site);
    const queued = await insertJob(harness, site);
    const stale = await insertJob(harness, site);
    await site.as.STAFF.jobs.update({ id: stale.id, version: 1, machine: "Other" });
    const batch = [
      scan(ready.pickupCode),
      mutation("job.note", { id: queued.id, version: 1, notes: "Once" }),
      mutation("job.transition", { id: queued.id, version: 2, to: "IN_PROGRESS" }),
      mutation("job.transition", { id: queued.id, version: 2, to: "CANCELLED" }),
      mutation("job.transition", { id: stale.id, version: 1, to: "ON_HOLD" }),
    ];
    const first = await site.as.STAFF.sync.push({ mutations: batch });
    const before = await digest();
    const second = await site.as.STAFF.sync.push({ mutations: batch });
    expect(await digest()).toBe(before);
    expect(second.results.map((r) => [r.status, r.reason, r.message, r.replayed])).toEqual(
      first.results.map((r) => [r.status, r.reason, r.message, true]),
    );
    expect(first.results.map((r) => r.status)).toEqual(["applied", "applied", "applied", "conflict", "conflict"]);
    // Once each: one handover event, one note, one status change.
    expect(await count(harness, "SELECT count(*) AS n FROM job_events WHERE job_id = $1", [ready.id])).toBe(1);
    expect(await count(harness, "SELECT count(*) AS n FROM job_events WHERE job_id = $1", [queued.id])).toBe(2);
  });

  it("a long run of scans: each answered in its place, a code scanned twice handed over by its first scan only, receipts gapless", async () => {
    const jobs = await Promise.all(Array.from({ length: 7 }, () => addPickupJob(harness, site, { status: "READY_FOR_PICKUP", paymentStatus: "WAIVED", priceCents: 0 })));
    const queued = await insertJob(harness, site);
    const codes = jobs.map((j) => j.pickupCode);
    // Applied in order: the repeated code sees the first scan's handover.
    const batch = [
      ...codes.slice(0, 5).map((code) => scan(code)),
      scan(codes[1] ?? ""),
      mutation("job.note", { id: queued.id, version: 1, notes: "Between the scans" }),
      ...codes.slice(5).map((code) => scan(code)),
      scan("2345678923"),
    ];
    const receiptsBefore = await count(harness, "SELECT count(*) AS n FROM receipts WHERE site_id = $1", [site.siteId]);
    const { results, halted } = await site.as.STAFF.sync.push({ mutations: batch });
    expect(halted).toBeNull();
    expect(results.map((r) => r.id)).toEqual(batch.map((m) => m.id));
    expect(results.map((r) => r.status)).toEqual(["applied", "applied", "applied", "applied", "applied", "conflict", "applied", "applied", "applied", "rejected"]);
    expect(results[5]).toMatchObject({ reason: "ALREADY_PICKED_UP", job: { id: jobs[1]?.id, status: "PICKED_UP" } });
    expect(results.slice(0, 5).map((r) => r.job?.id)).toEqual(jobs.slice(0, 5).map((j) => j.id));
    for (const job of jobs) {
      expect(await count(harness, "SELECT count(*) AS n FROM job_events WHERE job_id = $1 AND type = 'picked_up'", [job.id])).toBe(1);
    }
    // The scan record of the repeat is the conflict; the first scan's is the handover.
    const scans = await harness.db.pool.query<{ mutation: string; outcome: string }>(
      "SELECT client_mutation_id AS mutation, outcome::text AS outcome FROM scan_records WHERE client_mutation_id = ANY($1::text[])",
      [[batch[1]?.id, batch[5]?.id]],
    );
    expect(Object.fromEntries(scans.rows.map((r) => [r.mutation, r.outcome]))).toEqual({ [batch[1]?.id ?? ""]: "HANDED_OVER", [batch[5]?.id ?? ""]: "CONFLICT" });
    // One receipt per handover, numbered without a gap.
    const numbers = await harness.db.pool.query<{ number: number }>("SELECT number FROM receipts WHERE site_id = $1 ORDER BY year, number", [site.siteId]);
    expect(numbers.rows).toHaveLength(receiptsBefore + 7);
    expect(numbers.rows.map((r) => r.number)).toEqual(numbers.rows.map((_, i) => i + 1));
    expect(results.slice(0, 5).flatMap((r) => r.receipts)).toHaveLength(5);

    // Sent again (a lost response): the same answers, in the same places, nothing changed.
    const before = await digest();
    const again = await site.as.STAFF.sync.push({ mutations: batch });
    expect(await digest()).toBe(before);
    expect(again.results.map((r) => [r.id, r.status, r.reason])).toEqual(results.map((r) => [r.id, r.status, r.reason]));
  });

  it("refuses an id reused for a different change instead of applying it", async () => {
    const queued = await insertJob(harness, site);
    const first = mutation("job.note", { id: queued.id, version: 1, notes: "First" });
    await site.as.STAFF.sync.push({ mutations: [first] });
    const reused = { ...first, type: "job.transition" as const, args: { id: queued.id, version: 2, to: "IN_PROGRESS" } };
    const { results } = await site.as.STAFF.sync.push({ mutations: [reused] });
    expect(results[0]).toMatchObject({ status: "rejected", reason: "VERSION_CONFLICT" });
    expect((await harness.db.prisma.job.findUniqueOrThrow({ where: { id: queued.id } })).status).toBe("QUEUED");
  });
});

describe("offline handovers that lost", () => {
  it("two consoles offline hand over the same job: one handover, the other a conflict in the exceptions list", async () => {
    const job = await addPickupJob(harness, site);
    const a = await addStation(harness, site, "Counter A");
    const b = await addStation(harness, site, "Counter B");
    const [ra, rb] = await Promise.all([
      a.staff.sync.push({ mutations: [scan(job.pickupCode)] }),
      b.staff.sync.push({ mutations: [scan(job.pickupCode)] }),
    ]);
    const outcomes = [ra.results[0], rb.results[0]];
    expect(outcomes.map((r) => r?.status).sort()).toEqual(["applied", "conflict"]);
    const lost = outcomes.find((r) => r?.status === "conflict");
    expect(lost).toMatchObject({ reason: "ALREADY_PICKED_UP", job: { id: job.id, status: "PICKED_UP" } });
    expect(await count(harness, "SELECT count(*) AS n FROM job_events WHERE job_id = $1 AND type = 'picked_up'", [job.id])).toBe(1);
    expect(await count(harness, "SELECT count(*) AS n FROM scan_records WHERE job_id = $1 AND outcome = 'CONFLICT'", [job.id])).toBe(1);
    expect(await exceptionRefs()).toContain(job.id);
  });

  it("a job cancelled on the server while a console handed it over offline ends as a conflict exception, not a handover", async () => {
    const job = await addPickupJob(harness, site);
    await site.as.STAFF.jobs.transition({ id: job.id, to: "CANCELLED" });
    const { results } = await site.as.STAFF.sync.push({ mutations: [scan(job.pickupCode)] });
    expect(results[0]).toMatchObject({ status: "conflict", reason: "CANCELLED", job: { id: job.id, status: "CANCELLED" } });
    const row = await harness.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe("CANCELLED");
    expect(row.pickedUpAt).toBeNull();
    expect(await exceptionRefs()).toContain(job.id);
    const list = await listExceptions(harness.db.prisma, site.siteId, { kinds: ["PICKUP_CONFLICT"], perKind: 200 });
    expect(list.items.find((item) => item.job?.id === job.id)?.message).toMatch(/replayed from offline conflicted .*CANCELLED/);
  });

  it("counts replays by type and outcome on /metrics", async () => {
    const text = await harness.deps.metrics.registry.getSingleMetricAsString("orderdeck_sync_mutations_total");
    expect(text).toMatch(/orderdeck_sync_mutations_total\{type="pickup.confirm",outcome="conflict",replayed="false"\} [1-9]/);
    expect(text).toMatch(/orderdeck_sync_mutations_total\{type="job.note",outcome="applied",replayed="true"\} [1-9]/);
  });
});

describe("sync.push input", () => {
  it("refuses an empty, oversized or duplicated batch as a whole", async () => {
    const caller: Caller = site.as.STAFF;
    expect((await refusalOf(caller.sync.push({ mutations: [] }))).code).toBe("BAD_REQUEST");
    const many = Array.from({ length: 101 }, () => scan("ABCDE23456"));
    expect((await refusalOf(caller.sync.push({ mutations: many }))).code).toBe("BAD_REQUEST");
    const one = scan("ABCDE23456");
    expect((await refusalOf(caller.sync.push({ mutations: [one, one] }))).code).toBe("BAD_REQUEST");
  });
});
