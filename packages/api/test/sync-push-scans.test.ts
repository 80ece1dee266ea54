// Pickup scans replayed through sync.push: they spend the same scan budget as pickup.confirm,
// offline ones included (the outbox is no way around the limit on guessing codes), and a scan over
// the budget is neither applied nor recorded: the push stops at it with RATE_LIMITED and the
// seconds to wait, to be sent again. A scan that hands its job over gives its points back. The next
// scan's point is spent while one is applied, and given back should the push stop before it. Codes
// that are no valid code, or no job's, are recorded as what they are (INVALID_CODE, UNKNOWN_CODE),
// not as pickup conflicts in the exceptions list.
import { randomUUID } from "node:crypto";
import { generatePickupCode } from "@orderdeck/contracts";
import type { PoolClient } from "pg";
import { describe, expect, it } from "vitest";
import { listExceptions } from "../src/exceptions/service.ts";
import { apiHarnessForFile, detailsOf, refusalOf } from "./harness.ts";
import { addPickupJob, count, endTheLockWaiter, outboxScan, scanPoints } from "./pickup-helpers.ts";

const SCANS_PER_ACCOUNT = 3;

const harness = await apiHarnessForFile({}, { rateLimitPolicy: { scanPerUser: { points: SCANS_PER_ACCOUNT, durationSeconds: 60, blockSeconds: 60 } } });
const site = await harness.createSite("Scan budget");

const scanOutcomes = async (ids: string[]) =>
  (
    await harness.db.pool.query<{ outcome: string }>("SELECT outcome::text FROM scan_records WHERE client_mutation_id = ANY($1::text[]) ORDER BY server_time", [
      ids,
    ])
  ).rows.map((r) => r.outcome);

/**
 * Two handovers pushed at a new site while another transaction holds the first one's job: once the
 * second scan's point is spent too (two points, not one), `whileHeld` runs, then the job is let go.
 */
async function twoScansBehindAHeldJob(name: string, whileHeld: (holder: PoolClient) => Promise<void>) {
  const site = await harness.createSite(name);
  const [first, second] = await Promise.all([addPickupJob(harness, site), addPickupJob(harness, site)]);
  const points = () => scanPoints(harness, site.users.STAFF.id);
  const pushes = [outboxScan(first?.pickupCode ?? ""), outboxScan(second?.pickupCode ?? "")];
  const holder = await harness.db.pool.connect();
  try {
    await holder.query("BEGIN");
    await holder.query("SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE", [first?.id]);
    const pushed = site.as.STAFF.sync.push({ mutations: pushes });
    // Awaited by the test; settled or not, never an unhandled rejection while this waits.
    pushed.catch(() => undefined);
    await expect.poll(points).toEqual([2]);
    await whileHeld(holder);
    return { pushed, pushes, points };
  } finally {
    await holder.query("ROLLBACK");
    holder.release();
  }
}

describe("scans pushed from the outbox", () => {
  it("spend the account's scan budget even when made offline; over it the push halts, records nothing and says how long to wait", async () => {
    const guesses = Array.from({ length: SCANS_PER_ACCOUNT + 2 }, () => outboxScan(generatePickupCode()));
    const { results, halted } = await site.as.STAFF.sync.push({ mutations: guesses });

    expect(results.map((r) => [r.status, r.reason])).toEqual(Array(SCANS_PER_ACCOUNT).fill(["rejected", "UNKNOWN_CODE"]));
    const limited = guesses[SCANS_PER_ACCOUNT];
    expect(halted).toMatchObject({ id: limited?.id, reason: "RATE_LIMITED", message: expect.stringMatching(/Too many pickup scans from this account/) });
    expect(halted?.retryAfterSeconds).toBeGreaterThan(0);
    // The halted scan and the one after it were left untouched, to be sent again.
    const untouched = guesses.slice(SCANS_PER_ACCOUNT).map((g) => g.id);
    expect(await count(harness, "SELECT count(*) AS n FROM client_mutations WHERE mutation_id = ANY($1::text[])", [untouched])).toBe(0);
    expect(await scanOutcomes(untouched)).toEqual([]);
    // The ones answered are recorded as unknown codes, not conflicts: nothing on the exceptions list.
    expect(await scanOutcomes(guesses.map((g) => g.id))).toEqual(Array(SCANS_PER_ACCOUNT).fill("UNKNOWN_CODE"));
    const exceptions = await listExceptions(harness.db.prisma, site.siteId, { kinds: ["PICKUP_CONFLICT"], perKind: 50 });
    expect(exceptions.items).toEqual([]);

    // The same budget as the online scan: the account cannot scan at the counter either now.
    const online = await refusalOf(site.as.STAFF.pickup.lookup({ code: generatePickupCode() }));
    expect(online.code).toBe("TOO_MANY_REQUESTS");
    expect(detailsOf(online)).toMatchObject({ limiter: "scan_user" });
    // A change that is not a scan still goes through for the same person.
    const job = await addPickupJob(harness, site, { status: "QUEUED" });
    const note = { id: randomUUID(), type: "job.note" as const, args: { id: job.id, version: 1, notes: "Still writing" }, clientTime: new Date().toISOString() };
    expect((await site.as.STAFF.sync.push({ mutations: [note] })).results[0]).toMatchObject({ status: "applied" });
  });

  it("give their points back when they hand a job over, so an outage's handovers replay at once and guesses stay bounded", async () => {
    const jobs = await Promise.all(Array.from({ length: SCANS_PER_ACCOUNT * 3 }, () => addPickupJob(harness, site)));
    const handovers = jobs.map((job) => outboxScan(job.pickupCode));
    const pushed = await site.as.ADMIN.sync.push({ mutations: handovers });
    expect(pushed.halted).toBeNull();
    expect(pushed.results.map((r) => r.status)).toEqual(Array(handovers.length).fill("applied"));
    // Sent again (its answer lost on the way), a handover is answered from the ledger and costs nothing either.
    expect((await site.as.ADMIN.sync.push({ mutations: handovers })).results.every((r) => r.status === "applied" && r.replayed)).toBe(true);

    // The budget is whole for guesses: as many as it allows, then the push halts.
    const guesses = Array.from({ length: SCANS_PER_ACCOUNT + 1 }, () => outboxScan(generatePickupCode()));
    const guessed = await site.as.ADMIN.sync.push({ mutations: guesses });
    expect(guessed.results.map((r) => r.reason)).toEqual(Array(SCANS_PER_ACCOUNT).fill("UNKNOWN_CODE"));
    expect(guessed.halted).toMatchObject({ id: guesses[SCANS_PER_ACCOUNT]?.id, reason: "RATE_LIMITED" });
    // Locked now: a handover does not lift the lock it cannot pay for.
    const late = await addPickupJob(harness, site);
    expect((await site.as.ADMIN.sync.push({ mutations: [outboxScan(late.pickupCode)] })).halted).toMatchObject({ reason: "RATE_LIMITED" });
  });

  it("between guesses, a handover's point comes back with the next scan, and the last one's as the push ends", async () => {
    const mixed = await harness.createSite("Scan budget, mixed push");
    const [first, second] = await Promise.all([addPickupJob(harness, mixed), addPickupJob(harness, mixed)]);
    const points = () => scanPoints(harness, mixed.users.STAFF.id);
    // Handover (given back with the guess), guess, guess, handover (given back as the push ends): two spent.
    const pushes = [outboxScan(first?.pickupCode ?? ""), outboxScan(generatePickupCode()), outboxScan(generatePickupCode()), outboxScan(second?.pickupCode ?? "")];
    const pushed = await mixed.as.STAFF.sync.push({ mutations: pushes });
    expect(pushed.halted).toBeNull();
    expect(pushed.results.map((r) => r.status)).toEqual(["applied", "rejected", "rejected", "applied"]);
    expect(await points()).toEqual([2]);
    // One guess left, then the push halts.
    const guesses = [outboxScan(generatePickupCode()), outboxScan(generatePickupCode())];
    const guessed = await mixed.as.STAFF.sync.push({ mutations: guesses });
    expect(guessed.results.map((r) => r.reason)).toEqual(["UNKNOWN_CODE"]);
    expect(guessed.halted).toMatchObject({ id: guesses[1]?.id, reason: "RATE_LIMITED" });
  });

  it("spend the next scan's point while one is applied, and hold none once both handed over", async () => {
    const { pushed, points } = await twoScansBehindAHeldJob("Scan budget, spent ahead", async (holder) => {
      await holder.query("ROLLBACK");
    });
    const { results, halted } = await pushed;
    expect(halted).toBeNull();
    expect(results.map((r) => r.status)).toEqual(["applied", "applied"]);
    // Both handed their jobs over: both points given back.
    expect(await points()).toEqual([0]);
  });

  it("give back the point spent ahead for a scan the push stops before", async () => {
    // The first scan's connection is lost while it waits: the push stops there, the second scan untouched.
    const { pushed, pushes, points } = await twoScansBehindAHeldJob("Scan budget, stopped push", () => endTheLockWaiter(harness));
    const { results, halted } = await pushed;
    expect(results).toEqual([]);
    expect(halted).toMatchObject({ id: pushes[0]?.id });
    // The first scan's point stays spent, as any scan's that was not a handover; the second's came back.
    expect(await points()).toEqual([1]);
  });

  it("records a misread code as INVALID_CODE and a code of no job as UNKNOWN_CODE, answered so, with no conflict", async () => {
    const misread = outboxScan("2345678923");
    const nobodys = outboxScan(generatePickupCode());
    const { results, halted } = await site.as.LEAD.sync.push({ mutations: [misread, nobodys] });
    expect(halted).toBeNull();
    expect(results.map((r) => [r.status, r.reason])).toEqual([
      ["rejected", "INVALID_CODE"],
      ["rejected", "UNKNOWN_CODE"],
    ]);
    expect(await scanOutcomes([misread.id])).toEqual(["INVALID_CODE"]);
    expect(await scanOutcomes([nobodys.id])).toEqual(["UNKNOWN_CODE"]);
    expect((await listExceptions(harness.db.prisma, site.siteId, { kinds: ["PICKUP_CONFLICT"], perKind: 50 })).items).toEqual([]);

    // A real conflict still is one: a job cancelled since the console handed it over offline.
    const job = await addPickupJob(harness, site);
    await site.as.LEAD.jobs.transition({ id: job.id, to: "CANCELLED" });
    const lost = outboxScan(job.pickupCode);
    expect((await site.as.LEAD.sync.push({ mutations: [lost] })).results[0]).toMatchObject({ status: "conflict", reason: "CANCELLED" });
    expect(await scanOutcomes([lost.id])).toEqual(["CONFLICT"]);
    const exceptions = await listExceptions(harness.db.prisma, site.siteId, { kinds: ["PICKUP_CONFLICT"], perKind: 50 });
    expect(exceptions.items.map((item) => item.job?.id)).toEqual([job.id]);
  });
});
