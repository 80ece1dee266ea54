// A console's offline pickups replayed into the server's scan limit: the server takes what the
// budget allows and asks the rest to wait; the console keeps them, in order, waits the seconds it
// was told and sends them then. Every handover the counter made arrives, once, with no refusal.
import { describe, expect, it } from "vitest";
import { apiStackForFile, addJob, createSiteSetup, until } from "./console-helpers.ts";

const SCANS = 3;
// Three scans per account, then a 2 s wait before the next three.
const stack = apiStackForFile({ rateLimits: { scanPerUser: { points: SCANS, durationSeconds: 60, blockSeconds: 2 } } });

describe("offline pickups over the scan limit", () => {
  it("wait at the console for the server's pause and are all handed over once, in order", { timeout: 60_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Busy Counter");
    const jobs: Array<Awaited<ReturnType<typeof addJob>>> = [];
    for (let i = 0; i < SCANS + 2; i++) jobs.push(await addJob(stack.db, setup.siteId, { status: "READY_FOR_PICKUP" }));
    const { core } = await stack.console(setup);
    await until(core, (s) => s.connection === "online" && s.lastSyncAt !== null);

    const made = await stack.serverDown(async () => {
      const answers = [];
      for (const job of jobs) answers.push(await core.pickup.confirm(job.pickupCode));
      return answers;
    });
    expect(made.map((a) => a.outcome)).toEqual(Array(jobs.length).fill("pending_sync"));

    // Back online: the first three go at once, the rest after the server's pause; none is dropped.
    const seen: string[] = [];
    const stop = core.sync.subscribe((state) => {
      if (state.lastError) seen.push(state.lastError);
    });
    await until(core, (s) => s.connection === "online" && s.outboxSize === 0, 30_000);
    stop();
    expect(seen.some((message) => /the server asked for a pause of \d+ s \(too many pickup scans\)/.test(message))).toBe(true);
    expect(core.notices.list()).toEqual([]);

    const ledger = await stack.db.pool.query<{ mutation_id: string; outcome: string }>(
      "SELECT mutation_id, outcome::text FROM client_mutations WHERE site_id = $1 ORDER BY received_at",
      [setup.siteId],
    );
    expect(ledger.rows).toEqual(made.map((a) => ({ mutation_id: a.mutationId, outcome: "APPLIED" })));
    const handed = await stack.db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM jobs WHERE site_id = $1 AND status = 'PICKED_UP' AND id = ANY($2::uuid[])",
      [setup.siteId, jobs.map((j) => j.id)],
    );
    expect(handed.rows[0]?.n).toBe(jobs.length);
  });
});
