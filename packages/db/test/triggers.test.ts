// The job status machine (trigger jobs_check_status_transition against the contracts' TRANSITIONS)
// and the queue-position rules (the deferrable per-site constraint and its CHECKs).
import {
  canTransition,
  Fulfilment,
  isOpen,
  JobStatus,
  OPEN_STATUSES,
  TRANSITIONS,
  type Fulfilment as FulfilmentT,
  type JobStatus as JobStatusT,
} from "@orderdeck/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../src/testing/index.ts";
import { createSite, databaseWithSite, expectRefused, freshPosition, insertJob, type JobRow } from "./helpers.ts";

let db: TestDatabase;
let siteId: string;
beforeAll(async () => ({ db, siteId } = await databaseWithSite()));
afterAll(() => db?.drop());

async function setStatus(job: JobRow, to: JobStatusT): Promise<void> {
  const position = isOpen(to) ? (job.queue_position ?? freshPosition()) : null;
  await db.pool.query(`UPDATE jobs SET status = $2::job_status, queue_position = $3 WHERE id = $1`, [job.id, to, position]);
}

describe("status machine", () => {
  it("job_status_transitions holds exactly the contracts' TRANSITIONS", async () => {
    const rows = await db.pool.query<{ from_status: string; to_status: string; fulfilment: string | null }>(
      "SELECT from_status, to_status, fulfilment FROM job_status_transitions",
    );
    const key = (from: string, to: string, fulfilment: string | null | undefined) => `${from} -> ${to} [${fulfilment ?? "any"}]`;
    const inDatabase = rows.rows.map((r) => key(r.from_status, r.to_status, r.fulfilment)).sort();
    const inContracts = TRANSITIONS.map((t) => key(t.from, t.to, t.fulfilment)).sort();
    expect(inDatabase).toEqual(inContracts);
    expect(new Set(inDatabase).size).toBe(inDatabase.length);
  });

  it("the open-status list of the queue-position CHECK is the contracts' OPEN_STATUSES", async () => {
    for (const status of JobStatus.options) {
      // With a position: accepted exactly when open. Without: accepted exactly when closed.
      const open = OPEN_STATUSES.includes(status);
      const accepted = await insertJob(db.pool, siteId, { status, queuePosition: open ? freshPosition() : null });
      expect(accepted.status).toBe(status);
      await expectRefused(insertJob(db.pool, siteId, { status, queuePosition: open ? null : freshPosition() }), {
        code: "23514",
        constraint: "jobs_queue_position_check",
      });
    }
  });

  it("allows every transition of the table, by raw SQL", async () => {
    for (const t of TRANSITIONS) {
      const fulfilment = t.fulfilment ?? "PICKUP";
      const job = await insertJob(db.pool, siteId, { status: t.from, fulfilment });
      await setStatus(job, t.to);
      const after = await db.pool.query<{ status: string }>("SELECT status FROM jobs WHERE id = $1", [job.id]);
      expect(after.rows[0]?.status, `${t.from} -> ${t.to}`).toBe(t.to);
    }
  });

  it("refuses every other status change, naming from and to", async () => {
    let refused = 0;
    for (const fulfilment of Fulfilment.options as FulfilmentT[]) {
      for (const from of JobStatus.options) {
        // A refused UPDATE changes nothing, so one job per starting status serves every attempt.
        const job = await insertJob(db.pool, siteId, { status: from, fulfilment });
        for (const to of JobStatus.options) {
          if (to === from || canTransition(from, to, fulfilment)) continue;
          const error = await expectRefused(setStatus(job, to), { code: "23514", constraint: "jobs_status_transition" });
          expect(error.message).toBe(`job status transition ${from} -> ${to} is not allowed`);
          refused++;
        }
      }
    }
    // 9 statuses × 8 targets × 2 fulfilments, less the 24 + 23 allowed ones (the two fulfilment
    // rows each allow one fulfilment only).
    expect(refused).toBe(9 * 8 * 2 - (TRANSITIONS.length * 2 - 2));
  });

  it("checks the fulfilment restriction: a SHIP job is never PICKED_UP, a PICKUP job never SHIPPED", async () => {
    const ship = await insertJob(db.pool, siteId, { status: "READY_FOR_PICKUP", fulfilment: "SHIP" });
    await expectRefused(setStatus(ship, "PICKED_UP"), { code: "23514", constraint: "jobs_status_transition" });
    const pickup = await insertJob(db.pool, siteId, { status: "READY_FOR_PICKUP", fulfilment: "PICKUP" });
    await expectRefused(setStatus(pickup, "SHIPPED"), { code: "23514", constraint: "jobs_status_transition" });
  });

  it("lets an INSERT use any status (imports and the seed create jobs already under way or closed)", async () => {
    for (const status of JobStatus.options) {
      const job = await insertJob(db.pool, siteId, { status });
      expect(job.status).toBe(status);
    }
  });
});

describe("queue positions", () => {
  it("refuses two open jobs of one site at one position, on insert and on update", async () => {
    const site = await createSite(db.pool, "Positions");
    await insertJob(db.pool, site, { queuePosition: 1 });
    await expectRefused(insertJob(db.pool, site, { queuePosition: 1 }), {
      code: "23505",
      constraint: "jobs_site_id_queue_position_key",
    });
    const second = await insertJob(db.pool, site, { queuePosition: 2 });
    await expectRefused(db.pool.query("UPDATE jobs SET queue_position = 1 WHERE id = $1", [second.id]), {
      code: "23505",
      constraint: "jobs_site_id_queue_position_key",
    });
    // Another site may use the same position, and closed jobs (no position) never collide.
    await insertJob(db.pool, await createSite(db.pool, "Elsewhere"), { queuePosition: 1 });
    await insertJob(db.pool, site, { status: "PICKED_UP" });
    await insertJob(db.pool, site, { status: "CANCELLED" });
  });

  it("swaps two positions in one transaction when the constraint is deferred, and refuses it otherwise", async () => {
    const site = await createSite(db.pool, "Swaps");
    const a = await insertJob(db.pool, site, { queuePosition: 1 });
    const b = await insertJob(db.pool, site, { queuePosition: 2 });
    const client = await db.pool.connect();
    try {
      // Immediate (the default): the first half of the swap already collides.
      await client.query("BEGIN");
      await expectRefused(client.query("UPDATE jobs SET queue_position = 2 WHERE id = $1", [a.id]), {
        code: "23505",
        constraint: "jobs_site_id_queue_position_key",
      });
      await client.query("ROLLBACK");

      // Deferred: checked at COMMIT, when the swap is complete.
      await client.query("BEGIN");
      await client.query("SET CONSTRAINTS jobs_site_id_queue_position_key DEFERRED");
      await client.query("UPDATE jobs SET queue_position = 2 WHERE id = $1", [a.id]);
      await client.query("UPDATE jobs SET queue_position = 1 WHERE id = $1", [b.id]);
      await client.query("COMMIT");

      // Deferred, but the transaction ends with a duplicate: COMMIT fails and nothing changes.
      await client.query("BEGIN");
      await client.query("SET CONSTRAINTS jobs_site_id_queue_position_key DEFERRED");
      await client.query("UPDATE jobs SET queue_position = 1 WHERE id = $1", [a.id]);
      await expectRefused(client.query("COMMIT"), { code: "23505", constraint: "jobs_site_id_queue_position_key" });
    } finally {
      client.release();
    }
    const rows = await db.pool.query<{ id: string; queue_position: number }>(
      "SELECT id, queue_position FROM jobs WHERE site_id = $1 ORDER BY queue_position",
      [site],
    );
    expect(rows.rows).toEqual([
      { id: b.id, queue_position: 1 },
      { id: a.id, queue_position: 2 },
    ]);
  });

  it("a single-statement bulk reorder is checked at the end of the statement", async () => {
    const site = await createSite(db.pool, "Bulk");
    for (let p = 1; p <= 5; p++) await insertJob(db.pool, site, { queuePosition: p });
    // Shifting everything down by one passes through duplicates row by row, never at statement end.
    await db.pool.query("UPDATE jobs SET queue_position = queue_position + 1 WHERE site_id = $1", [site]);
    const rows = await db.pool.query<{ queue_position: number }>(
      "SELECT queue_position FROM jobs WHERE site_id = $1 ORDER BY queue_position",
      [site],
    );
    expect(rows.rows.map((r) => r.queue_position)).toEqual([2, 3, 4, 5, 6]);
  });

  it("of two concurrent reorders to one position, the second is refused", async () => {
    const site = await createSite(db.pool, "Race");
    const a = await insertJob(db.pool, site, { queuePosition: 1 });
    const b = await insertJob(db.pool, site, { queuePosition: 2 });
    const first = await db.pool.connect();
    const second = await db.pool.connect();
    try {
      await first.query("BEGIN");
      await second.query("BEGIN");
      await first.query("UPDATE jobs SET queue_position = 50 WHERE id = $1", [a.id]);
      // Blocks on the first transaction's uncommitted entry, then fails once it commits.
      const racing = second.query("UPDATE jobs SET queue_position = 50 WHERE id = $1", [b.id]);
      racing.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await first.query("COMMIT");
      await expectRefused(racing, { code: "23505", constraint: "jobs_site_id_queue_position_key" });
      await second.query("ROLLBACK");
    } finally {
      first.release();
      second.release();
    }
  });

  it("refuses archiving an open job (archived jobs are terminal, hence without a position)", async () => {
    const open = await insertJob(db.pool, siteId, { status: "QUEUED" });
    await expectRefused(db.pool.query("UPDATE jobs SET archived_at = now() WHERE id = $1", [open.id]), {
      code: "23514",
      constraint: "jobs_archived_at_check",
    });
    const closed = await insertJob(db.pool, siteId, { status: "SHIPPED", fulfilment: "SHIP" });
    await db.pool.query("UPDATE jobs SET archived_at = now() WHERE id = $1", [closed.id]);
  });
});
