// Customers are matched by address case-insensitively, through the lower-cased address the
// database keeps beside it (customers.email_key): a chunk's orders find the site's customer
// whatever the case, and the lookup probes its index as the app role, under row-level security.
import { Prisma, inSite } from "@orderdeck/db";
import { afterAll, describe, expect, it } from "vitest";
import { customersByEmailStatement } from "../src/intake/customer-match.ts";
import { runIncrementalSync } from "../src/intake/sync-run.ts";
import { apiHarnessForFile } from "./harness.ts";
import { addFeed, intakeDeps, stopFeeds } from "./intake-helpers.ts";

const harness = await apiHarnessForFile();

afterAll(async () => {
  await stopFeeds();
});

describe("customers matched by address", { timeout: 60_000 }, () => {
  it("the site's customer is found whatever the case of either address, for every order of a chunk", async () => {
    const site = await harness.createSite();
    const other = await harness.createSite();
    const insertCustomer = (siteId: string, email: string) =>
      harness.db.pool.query<{ id: string; email_key: string }>(
        `INSERT INTO customers (id, site_id, name, email, updated_at) VALUES (gen_random_uuid(), $1, 'Ada Lovelace', $2, now()) RETURNING id, email_key`,
        [siteId, email],
      );
    const existing = (await insertCustomer(site.siteId, "Ada.Lovelace@Example.COM")).rows[0];
    expect(existing?.email_key).toBe("ada.lovelace@example.com");
    // Another site's customer with the same address is never matched.
    await insertCustomer(other.siteId, "ada.lovelace@example.com");

    const feed = await addFeed(harness, site, { orders: 6, pageSize: 6 });
    feed.store.control.updateOrder("SO-100002", { customer: { name: "Ada Lovelace", email: "ADA.LOVELACE@example.com", phone: null } });
    feed.store.control.updateOrder("SO-100005", { customer: { name: "Ada Lovelace", email: "ada.lovelace@EXAMPLE.com", phone: null } });
    const outcome = await runIncrementalSync(intakeDeps(harness, { chunkSize: 6 }), { siteId: site.siteId, sourceId: feed.sourceId });
    expect(outcome).toMatchObject({ status: "SUCCEEDED", run: { rowsInserted: 6 } });

    const jobs = await harness.db.pool.query<{ external_id: string; customer_id: string }>(
      `SELECT external_id, customer_id::text FROM jobs WHERE site_id = $1 AND external_id IN ('SO-100002', 'SO-100005') ORDER BY external_id`,
      [site.siteId],
    );
    expect(jobs.rows).toEqual([
      { external_id: "SO-100002", customer_id: existing?.id },
      { external_id: "SO-100005", customer_id: existing?.id },
    ]);
    const same = await harness.db.pool.query(`SELECT count(*)::int AS n FROM customers WHERE site_id = $1 AND email_key = 'ada.lovelace@example.com'`, [site.siteId]);
    expect(same.rows).toEqual([{ n: 1 }]);
  });

  it("keeps the lower-cased address current when the address changes", async () => {
    const site = await harness.createSite();
    const { rows } = await harness.db.pool.query<{ id: string }>(
      `INSERT INTO customers (id, site_id, name, email, updated_at) VALUES (gen_random_uuid(), $1, 'Grace', 'Grace@Example.com', now()) RETURNING id`,
      [site.siteId],
    );
    const updated = await harness.db.pool.query(`UPDATE customers SET email = 'G.Hopper@Example.com' WHERE id = $1 RETURNING email_key`, [rows[0]?.id]);
    expect(updated.rows).toEqual([{ email_key: "g.hopper@example.com" }]);
    const cleared = await harness.db.pool.query(`UPDATE customers SET email = NULL WHERE id = $1 RETURNING email_key`, [rows[0]?.id]);
    expect(cleared.rows).toEqual([{ email_key: null }]);
  });

  it("probes the index as the app role: the address is an index condition, not a filter over the site's customers", async () => {
    const site = await harness.createSite();
    const plan = await inSite(harness.db.prisma, site.siteId, async (tx) => {
      // A test database is small enough that a scan would be cheaper; what matters is whether the index can be used at all.
      await tx.$executeRaw`SET LOCAL enable_seqscan = off`;
      const rows = await tx.$queryRaw<Array<{ "QUERY PLAN": string }>>(
        Prisma.sql`EXPLAIN (COSTS OFF) ${customersByEmailStatement(site.siteId, ["ada.lovelace@example.com", "grace@example.com"])}`,
      );
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    });
    expect(plan).toContain("customers_site_id_email_key_idx");
    expect(plan).toMatch(/Index Cond: .*email_key = ANY/);
    expect(plan).not.toContain("Seq Scan");
  });
});
