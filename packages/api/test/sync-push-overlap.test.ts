// A push's scans overlap: the next scan's reads (its claim, its job locked, its payments and
// receipts) go out while the scan before it writes, its writes while that one commits, and it
// commits only once that one has committed. So the receipt numbers still follow the outbox, gapless,
// and a push that stops at a scan rolls back the one started after it, its budget point given back.
import { describe, expect, it } from "vitest";
import { apiHarnessForFile } from "./harness.ts";
import { addPickupJob, count, endTheLockWaiter, outboxScan, scanPoints, type PickupJob } from "./pickup-helpers.ts";

const harness = await apiHarnessForFile({});

/** Whether another transaction holds the job's row (a scan's reads lock it). */
async function jobHeld(id: string): Promise<boolean> {
  const probe = await harness.db.pool.connect();
  try {
    await probe.query("BEGIN");
    await probe.query("SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE NOWAIT", [id]);
    return false;
  } catch (error) {
    if ((error as { code?: string }).code === "55P03") return true;
    throw error;
  } finally {
    await probe.query("ROLLBACK");
    probe.release();
  }
}

const waitingStatements = async () =>
  (await harness.db.pool.query<{ query: string }>("SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows.map(
    (r) => r.query,
  );

/**
 * Two handovers pushed while another transaction holds what the first needs: the site's receipt
 * counter (it waits at its number, before its last batch), or its receipt mail's place in the
 * mail log (it waits in its last batch, the one that commits). `whileHeld` runs once the second
 * has gone as far as it may: its job locked, or its own receipt number asked for.
 */
async function twoScansWhileTheFirstWaits(name: string, held: "counter" | "mail", whileHeld: (jobs: { first: PickupJob; second: PickupJob }) => Promise<void>) {
  const site = await harness.createSite(name);
  const first = await addPickupJob(harness, site);
  const second = await addPickupJob(harness, site);
  if (held === "mail") {
    const customer = await harness.db.prisma.customer.create({ data: { siteId: site.siteId, name: "Ada Lovelace", email: "ada@example.test" } });
    await harness.db.pool.query("UPDATE jobs SET customer_id = $2 WHERE id = $1", [first.id, customer.id]);
  }
  const pushes = [outboxScan(first.pickupCode), outboxScan(second.pickupCode)];
  const holder = await harness.db.pool.connect();
  try {
    await holder.query("BEGIN");
    if (held === "counter") {
      await holder.query("SELECT next_counter(id, 'RECEIPT', EXTRACT(year FROM now() AT TIME ZONE timezone)::int) FROM sites WHERE id = $1", [site.siteId]);
    } else {
      // Its dedupe key alone: a row naming the job would hold the job itself (its foreign key).
      await holder.query(
        `INSERT INTO mail_log (id, site_id, kind, "to", subject, status, attempts, dedupe_key)
         VALUES (gen_random_uuid(), $1, 'RECEIPT', 'ada@example.test', 'held', 'PENDING', 0, 'pickup-receipt:' || $2)`,
        [site.siteId, first.id],
      );
    }
    const pushed = site.as.STAFF.sync.push({ mutations: pushes });
    // Awaited by the test; settled or not, never an unhandled rejection while this waits.
    pushed.catch(() => undefined);
    if (held === "counter") await expect.poll(() => jobHeld(second.id), { timeout: 5_000 }).toBe(true);
    else await expect.poll(async () => (await waitingStatements()).some((q) => q.includes("next_counter")), { timeout: 5_000 }).toBe(true);
    await whileHeld({ first, second });
    return { site, first, second, pushed, pushes };
  } finally {
    await holder.query("ROLLBACK");
    holder.release();
  }
}

const receiptNumbers = async (jobs: PickupJob[]) =>
  (
    await harness.db.pool.query<{ job_id: string; number: number }>("SELECT job_id::text, number FROM receipts WHERE job_id = ANY($1::uuid[]) ORDER BY number", [
      jobs.map((job) => job.id),
    ])
  ).rows;

const statusOf = async (id: string) => (await harness.db.pool.query<{ status: string }>("SELECT status::text FROM jobs WHERE id = $1", [id])).rows[0]?.status;

// Where the first scan is held: at its receipt number (the second has only read, its job locked),
// or in its last batch, the one that commits (the second has written and waits for its number).
const HOLDS = [
  { held: "counter", first: "waits for its receipt number", waiting: "next_counter" },
  { held: "mail", first: "commits", waiting: "mail_log" },
] as const;

describe.each(HOLDS)("a push's scans, while the first $first", ({ held, waiting }) => {
  it("hand both over in order, the receipt numbers gapless and in the outbox's order", async () => {
    const { first, second, pushed } = await twoScansWhileTheFirstWaits(`Overlapping scans (${held})`, held, async ({ first, second }) => {
      // The second has gone as far as it may, and nothing is handed over before the first commits.
      expect([await statusOf(first.id), await statusOf(second.id)]).toEqual(["READY_FOR_PICKUP", "READY_FOR_PICKUP"]);
    });
    const { results, halted } = await pushed;
    expect(halted).toBeNull();
    expect(results.map((r) => r.status)).toEqual(["applied", "applied"]);
    expect(await receiptNumbers([first, second])).toEqual([
      { job_id: first.id, number: 1 },
      { job_id: second.id, number: 2 },
    ]);
  });

  it("roll the second back when the first fails there, and give its point back", async () => {
    // The first scan's connection is lost while it waits.
    const { site, second, pushed, pushes } = await twoScansWhileTheFirstWaits(`Overlapping scans, failed (${held})`, held, () =>
      endTheLockWaiter(harness, waiting),
    );
    const { results, halted } = await pushed;
    expect(results).toEqual([]);
    expect(halted).toMatchObject({ id: pushes[0]?.id });
    // The second scan left nothing: not handed over, no answer stored, no scan recorded, no receipt.
    expect(await statusOf(second.id)).toBe("READY_FOR_PICKUP");
    const ids = pushes.map((p) => p.id);
    expect(await count(harness, "SELECT count(*) AS n FROM client_mutations WHERE mutation_id = ANY($1::text[])", [ids])).toBe(0);
    expect(await count(harness, "SELECT count(*) AS n FROM scan_records WHERE client_mutation_id = ANY($1::text[])", [ids])).toBe(0);
    expect(await count(harness, "SELECT count(*) AS n FROM receipts WHERE site_id = $1", [site.siteId])).toBe(0);
    // The first scan's point stays spent, as any scan's that was not a handover; the second's came back.
    expect(await scanPoints(harness, site.users.STAFF.id)).toEqual([1]);
    // Sent again, both hand over, numbered from where the failed ones left the counter: no gap.
    const again = await site.as.STAFF.sync.push({ mutations: pushes });
    expect(again.results.map((r) => [r.status, r.replayed])).toEqual([
      ["applied", false],
      ["applied", false],
    ]);
    expect(await count(harness, "SELECT max(number) AS n FROM receipts WHERE site_id = $1", [site.siteId])).toBe(2);
  });
});
