// A shop made straight in the database for the reliability suite: a site, its consoles, one
// signed-in seat (user + session at a console) per simulated person, and jobs in any state.
import { randomBytes, randomUUID } from "node:crypto";
import { hashPassword, hashToken, newToken } from "@orderdeck/api";
import { OPEN_STATUSES, generatePickupCode, type Fulfilment, type JobStatus, type PaymentStatus, type UserRole } from "@orderdeck/contracts";
import { createTestDatabase, type TestDatabase } from "@orderdeck/db/testing";
import type pg from "pg";
import { afterAll } from "vitest";
import { newSecretKey } from "./api-process.ts";

export const SHOP_PASSWORD = "reliable horse battery";

export interface Seat {
  userId: string;
  email: string;
  role: UserRole;
  stationId: string;
  /** Authorization and X-Station-Token of this seat's session. */
  headers: Record<string, string>;
}

export interface Shop {
  siteId: string;
  stations: Array<{ id: string; token: string }>;
  seats: Seat[];
}

export interface ShopOptions {
  name: string;
  stations: number;
  /** One user with a session per entry, spread over the stations. */
  seats: UserRole[];
}

/**
 * The calling test file's database and the key its API processes hash tokens with, awaited at the
 * file's top level. Dropped after the file's tests, after the file's own afterAll hooks (vitest runs
 * them last-registered first), so the processes a file starts stop before their database goes.
 */
export async function shopDatabaseForFile(): Promise<{ db: TestDatabase; secretKey: string }> {
  const db = await createTestDatabase();
  afterAll(async () => db.drop());
  return { db, secretKey: newSecretKey() };
}

let passwordHash: Promise<string> | undefined;

export async function createShop(pool: pg.Pool, secretKey: string, options: ShopOptions): Promise<Shop> {
  passwordHash ??= hashPassword(SHOP_PASSWORD);
  const hash = await passwordHash;
  const siteId = randomUUID();
  await pool.query(`INSERT INTO sites (id, name, timezone) VALUES ($1, $2, 'Europe/Berlin')`, [siteId, options.name]);
  const stations = Array.from({ length: options.stations }, (_, i) => ({ id: randomUUID(), token: newToken(), name: `${options.name} console ${i + 1}` }));
  await pool.query(
    `INSERT INTO stations (id, site_id, name, token_hash) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[])`,
    [stations.map((s) => s.id), stations.map(() => siteId), stations.map((s) => s.name), stations.map((s) => hashToken(secretKey, s.token))],
  );
  const tag = siteId.slice(0, 8);
  const seats = options.seats.map((role, i) => {
    const station = stations[i % stations.length] as (typeof stations)[number];
    return { role, i, userId: randomUUID(), email: `${role.toLowerCase()}${i}.${tag}@orderdeck.test`, station, sessionToken: newToken() };
  });
  await pool.query(
    `INSERT INTO users (id, site_id, email, name, role, password_hash)
     SELECT u.id, $1, u.email, u.name, u.role::user_role, $5 FROM unnest($2::uuid[], $3::text[], $4::text[], $6::text[]) AS u(id, email, role, name)`,
    [siteId, seats.map((s) => s.userId), seats.map((s) => s.email), seats.map((s) => s.role), hash, seats.map((s) => `${s.role} ${s.i}`)],
  );
  await pool.query(
    `INSERT INTO sessions (id, site_id, user_id, station_id, token_hash, expires_at)
     SELECT gen_random_uuid(), $1, s.user_id, s.station_id, s.token_hash, now() + interval '12 hours'
       FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS s(user_id, station_id, token_hash)`,
    [siteId, seats.map((s) => s.userId), seats.map((s) => s.station.id), seats.map((s) => hashToken(secretKey, s.sessionToken))],
  );
  return {
    siteId,
    stations: stations.map(({ id, token }) => ({ id, token })),
    seats: seats.map((s) => ({
      userId: s.userId,
      email: s.email,
      role: s.role,
      stationId: s.station.id,
      headers: { authorization: `Bearer ${s.sessionToken}`, "x-station-token": s.station.token },
    })),
  };
}

export interface JobSpec {
  status: JobStatus;
  paymentStatus?: PaymentStatus;
  fulfilment?: Fulfilment;
  priceCents?: number;
  /** Record the payment as a row too (otherwise a PAID job has none, as after an import). */
  withPayment?: boolean;
}

export interface ShopJob {
  id: string;
  number: number;
  pickupCode: string;
  status: JobStatus;
}

/** Jobs inserted as an import would (an insert may use any status); open ones go to the end of the queue. */
export async function addJobs(pool: pg.Pool, siteId: string, specs: JobSpec[]): Promise<ShopJob[]> {
  const start = await pool.query<{ last: number }>(`SELECT COALESCE(max(queue_position), 0) AS last FROM jobs WHERE site_id = $1`, [siteId]);
  let position = start.rows[0]?.last ?? 0;
  const rows = specs.map((spec, i) => {
    const open = (OPEN_STATUSES as readonly JobStatus[]).includes(spec.status);
    return {
      id: randomUUID(),
      title: `Bracket batch ${i + 1}`,
      status: spec.status,
      position: open ? (position += 1024) : null,
      paymentStatus: spec.paymentStatus ?? "UNPAID",
      fulfilment: spec.fulfilment ?? "PICKUP",
      priceCents: spec.priceCents ?? 2_500,
      pickupCode: generatePickupCode(),
    };
  });
  const inserted = await pool.query<{ id: string; number: number; pickup_code: string; status: JobStatus }>(
    `INSERT INTO jobs (id, site_id, title, status, queue_position, payment_status, fulfilment, price_cents, pickup_code)
     SELECT j.id, $1, j.title, j.status::job_status, j.position, j.payment::payment_status, j.fulfilment::fulfilment, j.price, j.code
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::int[], $9::text[])
            WITH ORDINALITY AS j(id, title, status, position, payment, fulfilment, price, code, n)
      ORDER BY j.n
     RETURNING id::text, number, pickup_code, status`,
    [
      siteId,
      rows.map((r) => r.id),
      rows.map((r) => r.title),
      rows.map((r) => r.status),
      rows.map((r) => r.position),
      rows.map((r) => r.paymentStatus),
      rows.map((r) => r.fulfilment),
      rows.map((r) => r.priceCents),
      rows.map((r) => r.pickupCode),
    ],
  );
  const paid = rows.filter((r, i) => specs[i]?.withPayment && r.paymentStatus === "PAID");
  if (paid.length > 0) {
    await pool.query(
      `INSERT INTO payments (id, site_id, job_id, provider, provider_reference, amount_cents, currency)
       SELECT gen_random_uuid(), $1, p.job_id, 'cash', 'reliability-' || p.job_id, p.amount, 'EUR' FROM unnest($2::uuid[], $3::int[]) AS p(job_id, amount)`,
      [siteId, paid.map((r) => r.id), paid.map((r) => r.priceCents)],
    );
  }
  const byId = new Map(inserted.rows.map((r) => [r.id, r]));
  return rows.map((r) => {
    const row = byId.get(r.id);
    if (!row) throw new Error(`job ${r.id} was not inserted`);
    return { id: r.id, number: row.number, pickupCode: row.pickup_code, status: row.status };
  });
}

/**
 * A "ready for pickup" mail for each job, logged and enqueued as the product's queueMail does
 * (mail_log row PENDING with a dedupe key, send_mail job keyed by the mail), all in one commit.
 * Answers the moment of the commit (performance.now()) and the batch's dedupe-key prefix.
 */
export async function queueMails(pool: pg.Pool, siteId: string, jobIds: string[]): Promise<{ committedAt: number; batch: string }> {
  const batch = randomUUID();
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    // app_enqueue takes the site from the transaction, as inside the product's inSite.
    await client.query("SELECT set_config('app.site_id', $1, true)", [siteId]);
    await client.query(
      `INSERT INTO mail_log (id, site_id, kind, "to", subject, job_id, status, attempts, dedupe_key)
       SELECT gen_random_uuid(), j.site_id, 'READY_FOR_PICKUP', 'customer.' || j.number || '@example.com', 'Your order is ready for pickup', j.id, 'PENDING', 0, $2 || ':' || j.id
         FROM jobs j WHERE j.site_id = $1 AND j.id = ANY($3::uuid[])`,
      [siteId, batch, jobIds],
    );
    await client.query(
      `SELECT app_enqueue('send_mail', json_build_object('siteId', site_id::text, 'mailLogId', id::text), 'mail:' || id::text)
         FROM mail_log WHERE site_id = $1 AND dedupe_key LIKE $2 || ':%'`,
      [siteId, batch],
    );
    await client.query("COMMIT");
    return { committedAt: performance.now(), batch };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The batch's mails by status. */
export async function mailStatuses(pool: pg.Pool, siteId: string, batch: string): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: number }>(
    `SELECT status::text, count(*)::int AS n FROM mail_log WHERE site_id = $1 AND dedupe_key LIKE $2 || ':%' GROUP BY status`,
    [siteId, batch],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** A customer with a mail address for every job of the site that has none, so that its status changes, receipts and invoices send mail. */
export async function giveJobsCustomers(pool: pg.Pool, siteId: string): Promise<void> {
  await pool.query(
    `WITH made AS (
       INSERT INTO customers (id, site_id, name, email)
       SELECT gen_random_uuid(), j.site_id, 'Customer of J-' || j.number, 'customer.' || j.number || '@example.com'
         FROM jobs j WHERE j.site_id = $1 AND j.customer_id IS NULL
       RETURNING id, site_id, name
     )
     UPDATE jobs j SET customer_id = made.id FROM made WHERE j.site_id = made.site_id AND made.name = 'Customer of J-' || j.number`,
    [siteId],
  );
}

/** A one-time code that enrolls one more console at the site (what an admin hands out). */
export async function enrollmentCode(pool: pg.Pool, secretKey: string, siteId: string, stationName: string): Promise<string> {
  // 12 symbols of Crockford's base 32, as the product makes them.
  const code = [...randomBytes(12)].map((byte) => "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[byte % 32]).join("");
  await pool.query(
    `INSERT INTO station_enrollments (id, site_id, name, code_hash, expires_at) VALUES (gen_random_uuid(), $1, $2, $3, now() + interval '1 hour')`,
    [siteId, stationName, hashToken(secretKey, code)],
  );
  return code;
}
