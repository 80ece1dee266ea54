// Shared by the pickup, label, handoff and pushed-scan test files: more stations at a site, jobs
// made straight in the database in any state, a digest of what a refused scan must leave alone,
// and what the pushed-scan tests read and break (budget points, a connection waiting for a lock).
import { randomUUID } from "node:crypto";
import { generatePickupCode, type Fulfilment, type JobStatus, type PaymentStatus, type SyncMutationEnvelope } from "@orderdeck/contracts";
import { expect } from "vitest";
import { hashToken, newToken } from "../src/auth/tokens.ts";
import { TEST_SECRET, type ApiHarness, type Caller, type SiteFixture } from "./harness.ts";

export interface StationFixture {
  stationId: string;
  name: string;
  /** The site's STAFF user, signed in at this station. */
  staff: Caller;
}

let stationCounter = 0;

/** Another enrolled console at the site, with the site's STAFF user signed in at it. */
export async function addStation(harness: ApiHarness, site: SiteFixture, name = `Counter ${++stationCounter}`): Promise<StationFixture> {
  const stationToken = newToken();
  const station = await harness.db.prisma.station.create({
    data: { siteId: site.siteId, name, tokenHash: hashToken(TEST_SECRET, stationToken) },
  });
  const sessionToken = newToken();
  await harness.db.prisma.session.create({
    data: {
      siteId: site.siteId,
      userId: site.users.STAFF.id,
      stationId: station.id,
      tokenHash: hashToken(TEST_SECRET, sessionToken),
      expiresAt: new Date(Date.now() + 12 * 3_600_000),
    },
  });
  return { stationId: station.id, name, staff: harness.caller({ authorization: `Bearer ${sessionToken}`, stationToken }) };
}

/** The site's STAFF user signed in on no station at all (a browser, say). */
export async function signInWithoutStation(harness: ApiHarness, site: SiteFixture): Promise<Caller> {
  const sessionToken = newToken();
  await harness.db.prisma.session.create({
    data: {
      siteId: site.siteId,
      userId: site.users.STAFF.id,
      tokenHash: hashToken(TEST_SECRET, sessionToken),
      expiresAt: new Date(Date.now() + 12 * 3_600_000),
    },
  });
  return harness.caller({ authorization: `Bearer ${sessionToken}` });
}

const OPEN: JobStatus[] = ["QUEUED", "IN_PROGRESS", "POST_PROCESSING", "READY_FOR_PICKUP", "ON_HOLD", "FAILED"];
const positions = new Map<string, number>();

export interface PickupJobOptions {
  status?: JobStatus;
  paymentStatus?: PaymentStatus;
  fulfilment?: Fulfilment;
  priceCents?: number;
  title?: string;
  customer?: string;
  estimatedMinutes?: number | null;
  dueAt?: Date | null;
  createdAt?: Date;
  pickedUp?: { at: Date; byId: string; stationId: string };
}

export interface PickupJob {
  id: string;
  number: number;
  pickupCode: string;
}

/** A job in any state, inserted directly (inserts skip the status-machine trigger on purpose). */
export async function addPickupJob(harness: ApiHarness, site: SiteFixture, options: PickupJobOptions = {}): Promise<PickupJob> {
  const status = options.status ?? "READY_FOR_PICKUP";
  const position = (positions.get(site.siteId) ?? 0) + 1;
  positions.set(site.siteId, position);
  const customer = options.customer ? await harness.db.prisma.customer.create({ data: { siteId: site.siteId, name: options.customer } }) : null;
  const job = await harness.db.prisma.job.create({
    data: {
      siteId: site.siteId,
      title: options.title ?? `Bracket ${position}`,
      status,
      queuePosition: OPEN.includes(status) ? position : null,
      paymentStatus: options.paymentStatus ?? "PAID",
      fulfilment: options.fulfilment ?? "PICKUP",
      priceCents: options.priceCents ?? 2_500,
      pickupCode: generatePickupCode(),
      customerId: customer?.id ?? null,
      estimatedMinutes: options.estimatedMinutes ?? null,
      dueAt: options.dueAt ?? null,
      ...(options.createdAt ? { createdAt: options.createdAt } : {}),
      ...(options.pickedUp
        ? { pickedUpAt: options.pickedUp.at, pickedUpById: options.pickedUp.byId, pickedUpStationId: options.pickedUp.stationId }
        : {}),
    },
  });
  return { id: job.id, number: job.number, pickupCode: job.pickupCode };
}

/**
 * A digest of every table a refused scan must not change: jobs (whole rows), receipts, job
 * events, payments, counters, invoices. Scan records and the mutation ledger are left out:
 * writing those is what a refusal does.
 */
export async function fingerprint(harness: ApiHarness): Promise<string> {
  const result = await harness.db.pool.query<{ digest: string }>(`
    SELECT md5(string_agg(t, '|' ORDER BY t)) AS digest FROM (
      SELECT 'jobs:' || md5(COALESCE(string_agg(j::text, ',' ORDER BY j.id), '')) AS t FROM jobs j
      UNION ALL SELECT 'receipts:' || md5(COALESCE(string_agg(r::text, ',' ORDER BY r.id), '')) FROM receipts r
      UNION ALL SELECT 'events:' || md5(COALESCE(string_agg(e::text, ',' ORDER BY e.id), '')) FROM job_events e
      UNION ALL SELECT 'payments:' || md5(COALESCE(string_agg(p::text, ',' ORDER BY p.id), '')) FROM payments p
      UNION ALL SELECT 'invoices:' || md5(COALESCE(string_agg(i::text, ',' ORDER BY i.id), '')) FROM invoices i
      UNION ALL SELECT 'counters:' || md5(COALESCE(string_agg(k::text, ',' ORDER BY k.site_id, k.kind, k.year), '')) FROM counters k
    ) parts`);
  return result.rows[0]?.digest ?? "";
}

export async function count(harness: ApiHarness, sql: string, params: unknown[] = []): Promise<number> {
  const result = await harness.db.pool.query<{ n: string }>(sql, params);
  return Number(result.rows[0]?.n ?? 0);
}

/** A valid code that no job has (fresh random codes never collide in practice; checked anyway). */
export async function unusedCode(harness: ApiHarness): Promise<string> {
  for (;;) {
    const code = generatePickupCode();
    if ((await count(harness, "SELECT count(*) AS n FROM jobs WHERE pickup_code = $1", [code])) === 0) return code;
  }
}

/** A scan as a console's outbox pushes it. */
export function outboxScan(code: string, offline = true): SyncMutationEnvelope {
  return { id: randomUUID(), type: "pickup.confirm", args: { code, scannedAt: new Date().toISOString(), offline }, clientTime: new Date().toISOString() };
}

/** The points spent on the scan budgets that name `userId`. */
export async function scanPoints(harness: ApiHarness, userId: string): Promise<number[]> {
  return (await harness.db.pool.query<{ points: number }>("SELECT points FROM rate_limits WHERE key LIKE '%' || $1", [userId])).rows.map((r) => r.points);
}

/**
 * Waits until one connection waits for a lock while running a statement that contains `running`,
 * then ends it: a connection lost in the middle of its transaction.
 */
export async function endTheLockWaiter(harness: ApiHarness, running = ""): Promise<void> {
  const waiter = `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND strpos(query, $1) > 0`;
  await expect.poll(async () => (await harness.db.pool.query(waiter, [running])).rows).toHaveLength(1);
  await harness.db.pool.query(`SELECT pg_terminate_backend(pid) FROM (${waiter}) waiting`, [running]);
}
