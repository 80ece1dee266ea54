// A site of its own for the console-side benchmarks: `jobs` open jobs (all in a console's sync
// scope, unlike the benchmark shop's mostly closed and archived history), the first `ready` of
// them ready for pickup and paid, one STAFF user with a known password and a one-time
// enrollment code for a console. Jobs are written set-based, as an import would: the bookkeeping
// trigger (which numbers rows one counter update at a time) is off for the insert and its
// columns are filled here.
import { randomBytes, randomUUID } from "node:crypto";
import { hashPassword, hashToken } from "@orderdeck/api";
import { generatePickupCode } from "@orderdeck/contracts";
import type { BenchEnvironment } from "../environment.ts";
import { inTransaction } from "../transaction.ts";

const ENROLLMENT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export interface ConsoleSite {
  siteId: string;
  email: string;
  password: string;
  /** A one-time enrollment code for a console of the site. */
  code: string;
  /** Pickup codes of every job, in job-number order (valid codes: a console refuses a misread before any lookup). */
  codes: string[];
  /** Pickup codes of the ready, paid jobs. */
  readyCodes: string[];
}

function uniqueCodes(count: number): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(generatePickupCode());
  return [...codes];
}

export async function consoleSite(env: BenchEnvironment, options: { name: string; jobs: number; ready: number }): Promise<ConsoleSite> {
  const siteId = randomUUID();
  const password = randomBytes(12).toString("base64url");
  const email = `staff.${siteId.slice(0, 8)}@orderdeck.test`;
  const code = [...randomBytes(12)].map((b) => ENROLLMENT_ALPHABET[b % 32]).join("");
  const codes = uniqueCodes(options.jobs);
  await inTransaction(env.pool, async (client) => {
    await client.query("INSERT INTO sites (id, name, timezone, updated_at) VALUES ($1, $2, 'Europe/Berlin', now())", [siteId, options.name]);
    await client.query(`INSERT INTO users (id, site_id, email, name, role, password_hash, updated_at) VALUES (gen_random_uuid(), $1, $2, 'Bench staff', 'STAFF', $3, now())`, [
      siteId,
      email,
      await hashPassword(password),
    ]);
    await client.query(`INSERT INTO station_enrollments (id, site_id, name, code_hash, expires_at) VALUES (gen_random_uuid(), $1, 'Bench console', $2, now() + interval '1 hour')`, [
      siteId,
      hashToken(env.secretKey, code),
    ]);
    await client.query("ALTER TABLE jobs DISABLE TRIGGER jobs_before_write");
    await client.query(
      `INSERT INTO jobs (id, site_id, number, change_seq, title, status, queue_position, payment_status, price_cents, pickup_code)
       SELECT gen_random_uuid(), $1::uuid, c.i, nextval('job_change_seq'), $2 || ' part ' || c.i,
              (CASE WHEN c.i <= $3 THEN 'READY_FOR_PICKUP' ELSE 'QUEUED' END)::job_status, c.i * 1024,
              (CASE WHEN c.i <= $3 THEN 'PAID' ELSE 'UNPAID' END)::payment_status, 1500, c.code
         FROM unnest($4::text[]) WITH ORDINALITY AS c(code, i)`,
      [siteId, options.name, options.ready, codes],
    );
    await client.query("ALTER TABLE jobs ENABLE TRIGGER jobs_before_write");
    await client.query("INSERT INTO counters (site_id, kind, year, value) VALUES ($1, 'JOB', 0, $2)", [siteId, options.jobs]);
  });
  await env.pool.query("ANALYZE jobs");
  return { siteId, email, password, code, codes, readyCodes: codes.slice(0, options.ready) };
}
