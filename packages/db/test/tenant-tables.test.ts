// Every table of the migrated database is either a tenant table, keyed by `site_id` and walled off
// by row-level security, or one of the few global tables listed here, each with its reason. A
// host with thousands of shops distributes the tenant tables by site_id (docs/SCALING.md); a new
// table that forgets site_id, or a new unique key that spans sites, fails here until someone
// decides what it is.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../src/testing/index.ts";

/** Tables that belong to no one site, and why. */
const GLOBAL_TABLES: Record<string, string> = {
  // The tenants themselves: a site's row is keyed by its id (the site_id of everything else).
  sites: "the tenant list",
  // The status machine, the same for every site (contracts/src/status-machine.ts); read by a trigger.
  job_status_transitions: "reference data",
  // Attempt counters keyed by a hashed address, account or session: sign-in is counted before the site is known.
  rate_limits: "counts before a site is known",
  // One row per worker process; workers serve every site.
  worker_heartbeats: "per process",
  // The migrator's bookkeeping, as `prisma migrate deploy` keeps it.
  _prisma_migrations: "migration bookkeeping",
};

/** Tenant tables whose site_id may be empty, and why. */
const SITE_OPTIONAL: Record<string, string> = {
  // A failed sign-in with an unknown address, or an action before a site is known, belongs to no site.
  audit_log: "events without a site",
};

/**
 * Unique keys of tenant tables that do not include site_id (primary keys on a random uuid aside):
 * lookups that reach across sites by design. A distributed database needs each of them kept as a
 * global lookup (docs/SCALING.md, "Distributing by site"), so each is listed on purpose.
 */
const CROSS_SITE_KEYS = [
  // Sign-in names an email, not a site: one account per address across the host.
  "users(email)",
  // A bearer token or an enrollment code is presented before anything says which site it is for.
  "sessions(token_hash)",
  "stations(token_hash)",
  "station_enrollments(code_hash)",
  // A scanned code is looked up before its site is known, so another site's code can be named as such.
  "jobs(pickup_code)",
  // A payment provider's reference is unique at the provider, whatever the site.
  "payments(provider_reference)",
  // A customer's status page link names no site before its token's hash is found.
  "job_status_links(token_hash)",
  // Keys of rows whose parent is already one site's (a job's, a source's).
  "job_status_links(job_id)",
  "intake_records(job_id)",
  "intake_records(source_id, external_id)",
].sort();

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => db.drop());

interface TableFacts {
  table: string;
  site_id_type: string | null;
  site_id_nullable: boolean | null;
  rls: boolean;
  policies: number;
}

async function tables(): Promise<TableFacts[]> {
  const { rows } = await db.pool.query<TableFacts>(
    `SELECT c.relname AS table,
            format_type(a.atttypid, a.atttypmod) AS site_id_type,
            NOT a.attnotnull AS site_id_nullable,
            c.relrowsecurity AS rls,
            (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'site_id' AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p')
      ORDER BY c.relname`,
  );
  return rows;
}

describe("tenant tables", () => {
  it("keys every table but the listed global ones by a uuid site_id", async () => {
    const all = await tables();
    expect(all.length).toBeGreaterThan(20);
    const unkeyed = all.filter((t) => t.site_id_type === null).map((t) => t.table);
    expect(unkeyed.sort()).toEqual(Object.keys(GLOBAL_TABLES).sort());
    const tenant = all.filter((t) => t.site_id_type !== null);
    expect(tenant.filter((t) => t.site_id_type !== "uuid").map((t) => `${t.table}: ${t.site_id_type}`)).toEqual([]);
    expect(tenant.filter((t) => t.site_id_nullable).map((t) => t.table)).toEqual(Object.keys(SITE_OPTIONAL));
  });

  it("walls every tenant table off by row-level security", async () => {
    const tenant = (await tables()).filter((t) => t.site_id_type !== null);
    expect(tenant.filter((t) => !t.rls || t.policies === 0).map((t) => t.table)).toEqual([]);
  });

  it("has no unique key across sites but the listed lookups", async () => {
    const { rows } = await db.pool.query<{ key: string }>(
      `SELECT c.relname || '(' || string_agg(a.attname, ', ' ORDER BY k.ord) || ')' AS key
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE i.indisunique AND NOT i.indisprimary
          AND EXISTS (SELECT 1 FROM pg_attribute s WHERE s.attrelid = c.oid AND s.attname = 'site_id' AND NOT s.attisdropped)
        GROUP BY c.relname, i.indexrelid
       HAVING NOT bool_or(a.attname = 'site_id')
        ORDER BY 1`,
    );
    expect(rows.map((r) => r.key).sort()).toEqual(CROSS_SITE_KEYS);
  });
});
