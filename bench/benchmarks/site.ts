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
import type { BenchSeat } from "../seed/index.ts";
import { inTransaction } from "../transaction.ts";
import type pg from "pg";

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

/**
 * A site named `name` with one job per code, numbered in order; the first `ready` ready for pickup
 * and paid, the rest queued and unpaid. Set-based, with the bookkeeping trigger off (see above).
 */
async function insertSiteWithJobs(client: pg.PoolClient, siteId: string, name: string, codes: string[], ready: number): Promise<void> {
  await client.query("INSERT INTO sites (id, name, timezone, updated_at) VALUES ($1, $2, 'Europe/Berlin', now())", [siteId, name]);
  await client.query("ALTER TABLE jobs DISABLE TRIGGER jobs_before_write");
  await client.query(
    `INSERT INTO jobs (id, site_id, number, change_seq, title, status, queue_position, payment_status, price_cents, pickup_code)
     SELECT gen_random_uuid(), $1::uuid, c.i, nextval('job_change_seq'), $2 || ' part ' || c.i,
            (CASE WHEN c.i <= $3 THEN 'READY_FOR_PICKUP' ELSE 'QUEUED' END)::job_status, c.i * 1024,
            (CASE WHEN c.i <= $3 THEN 'PAID' ELSE 'UNPAID' END)::payment_status, 1500, c.code
       FROM unnest($4::text[]) WITH ORDINALITY AS c(code, i)`,
    [siteId, name, ready, codes],
  );
  await client.query("ALTER TABLE jobs ENABLE TRIGGER jobs_before_write");
  await client.query("INSERT INTO counters (site_id, kind, year, value) VALUES ($1, 'JOB', 0, $2)", [siteId, codes.length]);
}

export async function consoleSite(env: BenchEnvironment, options: { name: string; jobs: number; ready: number }): Promise<ConsoleSite> {
  const siteId = randomUUID();
  const password = randomBytes(12).toString("base64url");
  const email = `staff.${siteId.slice(0, 8)}@orderdeck.test`;
  const code = [...randomBytes(12)].map((b) => ENROLLMENT_ALPHABET[b % 32]).join("");
  const codes = uniqueCodes(options.jobs);
  await inTransaction(env.pool, async (client) => {
    await insertSiteWithJobs(client, siteId, options.name, codes, options.ready);
    await client.query(`INSERT INTO users (id, site_id, email, name, role, password_hash, updated_at) VALUES (gen_random_uuid(), $1, $2, 'Bench staff', 'STAFF', $3, now())`, [
      siteId,
      email,
      await hashPassword(password),
    ]);
    await client.query(`INSERT INTO station_enrollments (id, site_id, name, code_hash, expires_at) VALUES (gen_random_uuid(), $1, 'Bench console', $2, now() + interval '1 hour')`, [
      siteId,
      hashToken(env.secretKey, code),
    ]);
  });
  await env.pool.query("ANALYZE jobs");
  return { siteId, email, password, code, codes, readyCodes: codes.slice(0, options.ready) };
}

export interface CounterSite {
  siteId: string;
  /** Signed-in seats at the site's consoles. */
  seats: BenchSeat[];
  /** Pickup codes of its ready, paid jobs. */
  readyCodes: string[];
}

/**
 * `count` small sites of their own, each with `seats` signed-in seats at its consoles and `ready`
 * jobs ready for pickup and paid: handovers spread over sites, each site with its own receipt counter.
 */
export async function counterSites(env: BenchEnvironment, options: { count: number; seats: number; ready: number }): Promise<CounterSite[]> {
  const sites: CounterSite[] = [];
  for (let s = 0; s < options.count; s++) {
    const siteId = randomUUID();
    const stationIds = Array.from({ length: Math.max(1, Math.ceil(options.seats / 4)) }, () => randomUUID());
    const stationTokens = stationIds.map(() => randomBytes(32).toString("base64url"));
    const userIds = Array.from({ length: options.seats }, () => randomUUID());
    const sessionTokens = userIds.map(() => randomBytes(32).toString("base64url"));
    const codes = uniqueCodes(options.ready);
    await inTransaction(env.pool, async (client) => {
      await insertSiteWithJobs(client, siteId, `Counter ${s + 1}`, codes, codes.length);
      await client.query(
        `INSERT INTO stations (id, site_id, name, token_hash) SELECT t.id, $1, 'Counter console ' || t.n, t.hash FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS t(id, hash, n)`,
        [siteId, stationIds, stationTokens.map((t) => hashToken(env.secretKey, t))],
      );
      await client.query(
        `INSERT INTO users (id, site_id, email, name, role, password_hash, updated_at)
         SELECT u.id, $1, 'counter' || u.n || '.' || $2 || '@bench.orderdeck.test', 'Counter seat ' || u.n, 'STAFF', 'no sign-in', now()
           FROM unnest($3::uuid[]) WITH ORDINALITY AS u(id, n)`,
        // The site's id keeps addresses apart when several benchmarks make counter sites in one run.
        [siteId, siteId, userIds],
      );
      await client.query(
        `INSERT INTO sessions (id, site_id, user_id, station_id, token_hash, expires_at)
         SELECT gen_random_uuid(), $1, t.user_id, t.station_id, t.hash, now() + interval '7 days'
           FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS t(user_id, station_id, hash)`,
        [siteId, userIds, userIds.map((_, i) => stationIds[i % stationIds.length]), sessionTokens.map((t) => hashToken(env.secretKey, t))],
      );
    });
    sites.push({
      siteId,
      seats: userIds.map((userId, i) => ({
        userId,
        headers: { authorization: `Bearer ${sessionTokens[i]}`, "x-station-token": stationTokens[i % stationTokens.length] as string },
      })),
      readyCodes: codes,
    });
  }
  await env.pool.query("ANALYZE jobs");
  return sites;
}
