// Concurrent reorders of one site's queue: positions stay distinct, no job is lost, and the final
// order is the one a serial replay of the same moves (in the order they took effect) produces.
import { describe, expect, it } from "vitest";
import { boardOrder, insertJob } from "./jobs-fixtures.ts";
import { apiHarnessForFile, refusalOf, type Caller, type SiteFixture } from "./harness.ts";

const harness = await apiHarnessForFile();

/** A small deterministic generator, so a failing run can be repeated. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

interface Move {
  id: string;
  before?: string;
  after?: string;
}

function movesFor(ids: string[], count: number, seed: number): Move[] {
  const next = random(seed);
  const moves: Move[] = [];
  while (moves.length < count) {
    const id = ids[Math.floor(next() * ids.length)] as string;
    const target = ids[Math.floor(next() * ids.length)] as string;
    if (id === target) continue;
    moves.push(next() < 0.5 ? { id, before: target } : { id, after: target });
  }
  return moves;
}

function replay(initial: string[], moves: Move[]): string[] {
  let order = [...initial];
  for (const move of moves) {
    order = order.filter((id) => id !== move.id);
    const target = (move.before ?? move.after) as string;
    order.splice(order.indexOf(target) + (move.before ? 0 : 1), 0, move.id);
  }
  return order;
}

/** The site's moves in the order they took effect (their change sequence, taken under the queue lock). */
async function movesAsApplied(siteId: string): Promise<Move[]> {
  const events = await harness.db.prisma.jobEvent.findMany({ where: { siteId, type: "reordered" } });
  return events
    .map((e) => ({ jobId: e.jobId, after: e.after as { before?: string; after?: string; changeSeq: string } }))
    .sort((a, b) => Number(BigInt(a.after.changeSeq) - BigInt(b.after.changeSeq)))
    .map(({ jobId, after }) => ({ id: jobId, ...(after.before ? { before: after.before } : { after: after.after }) }));
}

async function concurrentReorders(site: SiteFixture, seed: number) {
  const initial = (await boardOrder(harness, site.siteId)).map((r) => r.id);
  const moves = movesFor(initial, 20, seed);
  // Twenty leads at twenty consoles, all at once.
  const callers: Caller[] = await Promise.all(moves.map(() => harness.signIn(site, "LEAD")));
  const results = await Promise.allSettled(moves.map((move, i) => (callers[i] as Caller).jobs.reorder(move)));
  const failures = results.filter((r) => r.status === "rejected");
  expect(failures, JSON.stringify(failures.map((f) => (f as PromiseRejectedResult).reason?.message))).toEqual([]);

  const final = await boardOrder(harness, site.siteId);
  const positions = final.map((r) => r.queue_position);
  expect(new Set(positions).size).toBe(positions.length);
  expect(new Set(final.map((r) => r.id))).toEqual(new Set(initial));

  const applied = await movesAsApplied(site.siteId);
  // Every move either took effect (and has its event) or found the job already in place.
  expect(applied.length).toBeLessThanOrEqual(moves.length);
  expect(final.map((r) => r.id)).toEqual(replay(initial, applied));
  return { applied, moves, final };
}

describe("jobs.reorder under concurrency", () => {
  it("20 concurrent moves on a spaced-out queue: distinct positions, same jobs, order of a serial replay", async () => {
    const site = await harness.createSite("Reorder spaced");
    for (let i = 0; i < 12; i++) await site.as.STAFF.jobs.create({ title: `Part ${i}` });
    const { applied } = await concurrentReorders(site, 42);
    expect(applied.length).toBeGreaterThan(10);
  });

  it("20 concurrent moves on a packed queue (every move lays the queue out again)", async () => {
    const site = await harness.createSite("Reorder packed");
    // Adjacent positions: no room between any two jobs, so moves must renumber under the deferred constraint.
    for (let i = 1; i <= 12; i++) await insertJob(harness, site, { status: "QUEUED", queuePosition: i });
    const { applied } = await concurrentReorders(site, 7);
    const events = await harness.db.prisma.jobEvent.findMany({ where: { siteId: site.siteId, type: "reordered" } });
    expect(events.some((e) => (e.after as { renumbered: boolean }).renumbered)).toBe(true);
    expect(applied.length).toBeGreaterThan(10);
  });

  it("moves racing with creates, reprints and cancellations never share a position or lose a job", async () => {
    const site = await harness.createSite("Reorder mixed");
    for (let i = 0; i < 10; i++) await site.as.STAFF.jobs.create({ title: `Mixed ${i}` });
    const failed = [];
    for (let i = 0; i < 3; i++) failed.push(await insertJob(harness, site, { status: "FAILED" }));
    const initial = (await boardOrder(harness, site.siteId)).map((r) => r.id);
    // Two jobs are cancelled while the others move; the moves never name them.
    const cancelled = initial.slice(0, 2);
    const moves = movesFor(initial.slice(2), 15, 99);
    const work: Array<Promise<unknown>> = [
      ...moves.map(async (m) => (await harness.signIn(site, "LEAD")).jobs.reorder(m)),
      ...[1, 2, 3, 4, 5].map(async (i) => (await harness.signIn(site, "STAFF")).jobs.create({ title: `New ${i}` })),
      ...failed.map(async (f) => (await harness.signIn(site, "STAFF")).jobs.transition({ id: f.id, to: "QUEUED" })),
      ...cancelled.map(async (id) => (await harness.signIn(site, "STAFF")).jobs.transition({ id, to: "CANCELLED" })),
    ];
    const results = await Promise.allSettled(work);
    const failures = results.filter((r) => r.status === "rejected");
    expect(failures, JSON.stringify(failures.map((f) => (f as PromiseRejectedResult).reason?.message))).toEqual([]);
    const final = await boardOrder(harness, site.siteId);
    expect(new Set(final.map((r) => r.queue_position)).size).toBe(final.length);
    expect(final.length).toBe(initial.length + 5 - cancelled.length);
    for (const id of [...initial.slice(2), ...failed.map((f) => f.id)]) expect(final.map((r) => r.id)).toContain(id);
  });
});

describe("jobs.reorder rules", () => {
  it("moves before and after, refuses closed jobs, itself and other sites' jobs", async () => {
    const site = await harness.createSite("Reorder rules");
    const other = await harness.createSite("Reorder other");
    const [a, b, c] = [
      await site.as.STAFF.jobs.create({ title: "a" }),
      await site.as.STAFF.jobs.create({ title: "b" }),
      await site.as.STAFF.jobs.create({ title: "c" }),
    ];
    const ids = async () => (await boardOrder(harness, site.siteId)).map((r) => r.id);
    await site.as.LEAD.jobs.reorder({ id: c.id, before: a.id });
    expect(await ids()).toEqual([c.id, a.id, b.id]);
    await site.as.LEAD.jobs.reorder({ id: c.id, after: b.id });
    expect(await ids()).toEqual([a.id, b.id, c.id]);
    const unchanged = await site.as.LEAD.jobs.reorder({ id: a.id, before: b.id });
    expect(unchanged.renumbered).toBe(false);
    expect(await ids()).toEqual([a.id, b.id, c.id]);

    expect((await refusalOf(site.as.LEAD.jobs.reorder({ id: a.id, before: a.id }))).code).toBe("BAD_REQUEST");
    expect((await refusalOf(site.as.LEAD.jobs.reorder({ id: a.id }))).code).toBe("BAD_REQUEST");
    const closed = await insertJob(harness, site, { status: "SHIPPED", fulfilment: "SHIP" });
    expect((await refusalOf(site.as.LEAD.jobs.reorder({ id: closed.id, before: a.id }))).code).toBe("PRECONDITION_FAILED");
    expect((await refusalOf(site.as.LEAD.jobs.reorder({ id: a.id, after: closed.id }))).code).toBe("PRECONDITION_FAILED");
    const theirs = await other.as.STAFF.jobs.create({ title: "theirs" });
    expect((await refusalOf(site.as.LEAD.jobs.reorder({ id: a.id, before: theirs.id }))).code).toBe("NOT_FOUND");
    expect((await refusalOf(site.as.LEAD.jobs.reorder({ id: theirs.id, before: a.id }))).code).toBe("NOT_FOUND");
    expect(await ids()).toEqual([a.id, b.id, c.id]);
  });
});
