// What the database keeps for every job by itself: numbers, change_seq and versions (trigger
// jobs_before_write and the counters), the CHECK constraints, and append-only job events.
import { generatePickupCode } from "@orderdeck/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../src/testing/index.ts";
import { createSite, databaseWithSite, expectRefused, freshPosition, insertJob, type JobRow } from "./helpers.ts";

let db: TestDatabase;
let siteId: string;
beforeAll(async () => ({ db, siteId } = await databaseWithSite()));
afterAll(() => db?.drop());

describe("job bookkeeping", () => {
  it("takes a new, larger change_seq on every write, and bumps version and updated_at on updates", async () => {
    const job = await insertJob(db.pool, siteId);
    expect(job.version).toBe(1);
    let last = job;
    for (const notes of ["first", "second", "third"]) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const result = await db.pool.query<JobRow>(
        "UPDATE jobs SET notes = $2 WHERE id = $1 RETURNING id, number, status, queue_position, version, updated_at, change_seq",
        [job.id, notes],
      );
      const row = result.rows[0] as JobRow;
      expect(BigInt(row.change_seq)).toBeGreaterThan(BigInt(last.change_seq));
      expect(row.version).toBe(last.version + 1);
      expect(row.updated_at.getTime()).toBeGreaterThan(last.updated_at.getTime());
      last = row;
    }
    // A writer cannot pick its own sequence value or version.
    const forged = await db.pool.query<JobRow>(
      "UPDATE jobs SET change_seq = 1, version = 1 WHERE id = $1 RETURNING version, change_seq",
      [job.id],
    );
    expect(BigInt((forged.rows[0] as JobRow).change_seq)).toBeGreaterThan(BigInt(last.change_seq));
    expect((forged.rows[0] as JobRow).version).toBe(last.version + 1);
  });

  it("works through Prisma Client: number and change_seq come back from create, version from update", async () => {
    const site = await createSite(db.pool, "Through Prisma");
    const created = await db.prisma.job.create({
      data: { siteId: site, title: "Bracket", pickupCode: "23456789AB", queuePosition: freshPosition() },
    });
    expect(created).toMatchObject({ number: 1, version: 1, status: "QUEUED" });
    expect(typeof created.changeSeq).toBe("bigint");
    const updated = await db.prisma.job.update({ where: { id: created.id }, data: { status: "IN_PROGRESS" } });
    expect(updated.version).toBe(2);
    expect(updated.changeSeq).toBeGreaterThan(created.changeSeq);
    await expect(db.prisma.job.update({ where: { id: created.id }, data: { status: "SHIPPED" } })).rejects.toThrow(
      /job status transition IN_PROGRESS -> SHIPPED is not allowed/,
    );
  });

  it("gives every row of a multi-row update its own change_seq", async () => {
    const site = await createSite(db.pool, "Seq");
    for (let i = 0; i < 4; i++) await insertJob(db.pool, site);
    const result = await db.pool.query<{ change_seq: string }>(
      "UPDATE jobs SET notes = 'bulk' WHERE site_id = $1 RETURNING change_seq",
      [site],
    );
    expect(new Set(result.rows.map((r) => r.change_seq)).size).toBe(4);
  });

  it("numbers jobs consecutively per site, independently between sites, and never reuses a rolled-back number", async () => {
    const a = await createSite(db.pool, "Numbers A");
    const b = await createSite(db.pool, "Numbers B");
    const numbers = async (site: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await insertJob(db.pool, site)).number);
      return out;
    };
    expect(await numbers(a, 3)).toEqual([1, 2, 3]);
    expect(await numbers(b, 2)).toEqual([1, 2]);

    // A rolled-back insert gives its number back: no gap.
    const client = await db.pool.connect();
    try {
      await client.query("BEGIN");
      expect((await insertJob(client, a)).number).toBe(4);
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect(await numbers(a, 1)).toEqual([4]);
    const counter = await db.pool.query<{ value: number }>(
      "SELECT value FROM counters WHERE site_id = $1 AND kind = 'JOB' AND year = 0",
      [a],
    );
    expect(counter.rows[0]?.value).toBe(4);
  });

  it("gives 20 concurrent inserts 20 distinct consecutive numbers", async () => {
    const site = await createSite(db.pool, "Concurrent");
    const jobs = await Promise.all(Array.from({ length: 20 }, () => insertJob(db.pool, site)));
    expect(jobs.map((j) => j.number).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("next_counter is gapless and safe under concurrency for invoices too, per year", async () => {
    const site = await createSite(db.pool, "Invoices");
    const draw = (year: number) =>
      db.pool.query<{ n: number }>("SELECT next_counter($1, 'INVOICE', $2) AS n", [site, year]).then((r) => r.rows[0]?.n);
    const numbers = await Promise.all(Array.from({ length: 20 }, () => draw(2026)));
    expect(numbers.sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await draw(2027)).toBe(1);
  });

  it("a reserved block of job numbers is handed out in insert order, and the counter stays gapless around it", async () => {
    const site = await createSite(db.pool, "Blocks");
    const before = await insertJob(db.pool, site);
    const client = await db.pool.connect();
    try {
      await client.query("BEGIN");
      const reserved = await client.query<{ first: number }>("SELECT reserve_job_numbers($1, 3) AS first", [site]);
      expect(reserved.rows[0]?.first).toBe(before.number + 1);
      // A second block before the first is used up is refused: its numbers would interleave.
      await client.query("SAVEPOINT again");
      await expectRefused(client.query("SELECT reserve_job_numbers($1, 2)", [site]), { code: "23514" });
      await client.query("ROLLBACK TO SAVEPOINT again");
      const inserted = await client.query<{ title: string; number: number }>(
        `INSERT INTO jobs (id, site_id, title, pickup_code, queue_position)
         SELECT gen_random_uuid(), $1, t.title, t.code, t.position
           FROM unnest($2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS t(title, code, position, n) ORDER BY t.n
         RETURNING title, number`,
        [site, ["first", "second", "third"], [generatePickupCode(), generatePickupCode(), generatePickupCode()], [freshPosition(), freshPosition(), freshPosition()]],
      );
      expect(inserted.rows.map((r) => [r.title, r.number])).toEqual([
        ["first", before.number + 1],
        ["second", before.number + 2],
        ["third", before.number + 3],
      ]);
      // The block is used up: the next insert counts on from it.
      const next = await insertJob(client, site);
      expect(next.number).toBe(before.number + 4);
      await client.query("COMMIT");
    } finally {
      await client.query("ROLLBACK").catch(() => undefined);
      client.release();
    }
    // A rolled-back block leaves no gap.
    await db.pool.query("BEGIN; SELECT reserve_job_numbers($1, 50); ROLLBACK;".replace("$1", `'${site}'`));
    expect((await insertJob(db.pool, site)).number).toBe(before.number + 5);
  });

  it("a block set by hand beyond the counter is refused", async () => {
    const site = await createSite(db.pool, "Forged block");
    const client = await db.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT set_config('orderdeck.job_numbers', $1, true)", [`${site} 500 500`]);
      await expectRefused(insertJob(client, site), { code: "23514", constraint: "jobs_number_assigned" });
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  });

  it("refuses a supplied job number and a change of number or site", async () => {
    await expectRefused(
      db.pool.query(
        `INSERT INTO jobs (id, site_id, number, title, pickup_code, queue_position)
         VALUES (gen_random_uuid(), $1, 999, 'Numbered by hand', 'ABCDEFGHJK', $2)`,
        [siteId, freshPosition()],
      ),
      { code: "23514", constraint: "jobs_number_assigned" },
    );
    const job = await insertJob(db.pool, siteId);
    await expectRefused(db.pool.query("UPDATE jobs SET number = number + 100 WHERE id = $1", [job.id]), {
      code: "23514",
      constraint: "jobs_number_assigned",
    });
    const other = await createSite(db.pool, "Other");
    await expectRefused(db.pool.query("UPDATE jobs SET site_id = $2 WHERE id = $1", [job.id, other]), {
      code: "23514",
      constraint: "jobs_number_assigned",
    });
  });
});

describe("CHECK constraints", () => {
  it("refuse negative money, bad currencies, oversized or blank text and impossible quantities", async () => {
    const job = await insertJob(db.pool, siteId);
    const refuse = (set: string, constraint: string, value: unknown) =>
      expectRefused(db.pool.query(`UPDATE jobs SET ${set} = $2 WHERE id = $1`, [job.id, value]), {
        code: "23514",
        constraint,
      });
    await refuse("price_cents", "jobs_price_cents_check", -1);
    await refuse("currency", "jobs_currency_check", "eur");
    await refuse("currency", "jobs_currency_check", "E1R");
    await refuse("title", "jobs_title_check", "x".repeat(201));
    await refuse("title", "jobs_title_check", "   ");
    await refuse("quantity", "jobs_quantity_check", 0);
    await refuse("estimated_minutes", "jobs_estimated_minutes_check", -5);
    await refuse("notes", "jobs_notes_check", "n".repeat(4001));
    await refuse("pickup_code", "jobs_pickup_code_check", "ABCDE-FGHJ");
    // The limits themselves are allowed.
    await db.pool.query("UPDATE jobs SET title = $2, price_cents = 0 WHERE id = $1", [job.id, "t".repeat(200)]);

    await expectRefused(
      db.pool.query(
        `INSERT INTO users (id, site_id, email, name, role, password_hash)
         VALUES (gen_random_uuid(), $1, 'Someone@Example.com', 'Someone', 'STAFF', 'x')`,
        [siteId],
      ),
      { code: "23514", constraint: "users_email_check" },
    );
    await expectRefused(
      db.pool.query(
        `INSERT INTO payments (id, site_id, job_id, provider, provider_reference, amount_cents, currency)
         VALUES (gen_random_uuid(), $1, $2, 'cash', 'r-1', -100, 'EUR')`,
        [siteId, job.id],
      ),
      { code: "23514", constraint: "payments_amount_cents_check" },
    );
  });

  it("keeps users' emails unique regardless of case, because they are stored lowercased", async () => {
    await db.pool.query(
      `INSERT INTO users (id, site_id, email, name, role, password_hash)
       VALUES (gen_random_uuid(), $1, 'casey@example.com', 'Casey', 'STAFF', 'x')`,
      [siteId],
    );
    await expectRefused(
      db.pool.query(
        `INSERT INTO users (id, site_id, email, name, role, password_hash)
         VALUES (gen_random_uuid(), $1, 'CASEY@example.com', 'Casey again', 'STAFF', 'x')`,
        [siteId],
      ),
      { code: "23514", constraint: "users_email_check" },
    );
    await expectRefused(
      db.pool.query(
        `INSERT INTO users (id, site_id, email, name, role, password_hash)
         VALUES (gen_random_uuid(), $1, 'casey@example.com', 'Casey again', 'STAFF', 'x')`,
        [siteId],
      ),
      { code: "23505", constraint: "users_email_key" },
    );
  });
});

describe("job events", () => {
  it("are append-only, yet deleting a user keeps their events with the actor unknown", async () => {
    const job = await insertJob(db.pool, siteId);
    const user = await db.pool.query<{ id: string }>(
      `INSERT INTO users (id, site_id, email, name, role, password_hash)
       VALUES (gen_random_uuid(), $1, 'leaving@example.com', 'Leaving', 'STAFF', 'x') RETURNING id`,
      [siteId],
    );
    const userId = user.rows[0]?.id;
    const event = await db.pool.query<{ id: string }>(
      `INSERT INTO job_events (id, site_id, job_id, actor_kind, actor_user_id, type, after)
       VALUES (gen_random_uuid(), $1, $2, 'USER', $3, 'created', '{"status":"QUEUED"}') RETURNING id`,
      [siteId, job.id, userId],
    );
    const eventId = event.rows[0]?.id;
    await expectRefused(db.pool.query(`UPDATE job_events SET type = 'edited' WHERE id = $1`, [eventId]), {
      code: "23001",
    });
    await expectRefused(db.pool.query(`UPDATE job_events SET actor_user_id = NULL, after = '{}' WHERE id = $1`, [eventId]), {
      code: "23001",
    });

    await db.pool.query("DELETE FROM users WHERE id = $1", [userId]);
    const after = await db.pool.query<{ actor_user_id: string | null; type: string }>(
      "SELECT actor_user_id, type FROM job_events WHERE id = $1",
      [eventId],
    );
    expect(after.rows[0]).toEqual({ actor_user_id: null, type: "created" });
    // Retention may delete.
    await db.pool.query("DELETE FROM job_events WHERE id = $1", [eventId]);
  });
});
