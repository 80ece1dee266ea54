// A push's scans overlap: the next scan's reads (its claim, its job locked, its payments and
// receipts) go out while the scan before it writes, its handover's writes while that one commits,
// and its last batch (its receipt numbers and COMMIT) only once that one has committed. So the
// receipt numbers still follow the outbox, gapless, and a push that stops at a scan rolls back the
// one started after it, its budget point given back.
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

/** How many transactions have written scan records and not ended (each handover writes one). */
const scanWriters = async () =>
  count(
    harness,
    `SELECT count(DISTINCT l.pid) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
      WHERE c.relname = 'scan_records' AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()`,
    [],
  );

/**
 * Two handovers pushed while another transaction holds what the first needs in its last batch,
 * the one that commits: the site's receipt counter (it waits at its receipt's number), or its
 * receipt mail's place in the mail log (it waits after its number). `whileHeld` runs once the
 * second has gone as far as it may: its handover written, its last batch not sent.
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
    await expect.poll(scanWriters, { timeout: 5_000 }).toBe(2);
    expect(await jobHeld(second.id)).toBe(true);
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

const formattedNumbers = async (jobs: PickupJob[]) =>
  (
    await harness.db.pool.query<{ formatted_number: string }>("SELECT formatted_number FROM receipts WHERE job_id = ANY($1::uuid[]) ORDER BY number", [
      jobs.map((job) => job.id),
    ])
  ).rows.map((r) => r.formatted_number);

const statusOf = async (id: string) => (await harness.db.pool.query<{ status: string }>("SELECT status::text FROM jobs WHERE id = $1", [id])).rows[0]?.status;

// Where the first scan is held in its last batch: at its receipt's number, or after it.
const HOLDS = [
  { held: "counter", first: "waits for its receipt number", waiting: "next_counter" },
  { held: "mail", first: "writes its receipt mail", waiting: "mail_log" },
] as const;

describe.each(HOLDS)("a push's scans, while the first $first", ({ held, waiting }) => {
  it("hand both over in order, the receipt numbers gapless and in the outbox's order", async () => {
    const { site, first, second, pushed, pushes } = await twoScansWhileTheFirstWaits(`Overlapping scans (${held})`, held, async ({ first, second }) => {
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
    // The answers stored in the ledger carry the numbers as taken: sent again, the same receipts.
    const stored = await formattedNumbers([first, second]);
    expect(results.map((r) => r.receipts)).toEqual([[stored[0]], [stored[1]]]);
    const again = await site.as.STAFF.sync.push({ mutations: pushes });
    expect(again.results.map((r) => [r.replayed, r.receipts])).toEqual([
      [true, [stored[0]]],
      [true, [stored[1]]],
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
