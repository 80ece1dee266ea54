// The benchmark shop (issue 9): one site with 100 000 jobs, 20 000 of them open, 5 000 customers,
// a thousand signed-in seats at 50 consoles. Rows are drawn in JavaScript from a fixed seed (the
// demo seed's generator and word lists) and written with set-based INSERT … SELECT FROM unnest()
// in chunks, in one transaction: seconds, not minutes. Tokens come from the system's CSPRNG, not
// the seed: they are credentials.
//
// The bookkeeping trigger jobs_before_write is switched off inside the transaction, as for an
// import of history: it would take every job number from the site's counter row one at a time,
// and 100 000 updates of one row in one transaction walk an ever longer chain of row versions.
// The rows therefore carry their numbers (1..n in creation order) and change sequence here, and
// the counter is set once to n; every CHECK, unique and foreign key constraint still applies.
import { randomBytes } from "node:crypto";
import { hashPassword, hashToken } from "@orderdeck/api";
import { generatePickupCode, isOpen, type Fulfilment, type JobSource, type JobStatus, type PaymentStatus, type Priority } from "@orderdeck/contracts";
import { COMPANIES, createRandom, Dice, FIRST_NAMES, LAST_NAMES, MACHINES, MATERIALS, NOTES, TITLES } from "@orderdeck/db";
import type pg from "pg";
import { inTransaction } from "../transaction.ts";

export const BENCH_SEED = 20_260_009;

export interface BenchShopSize {
  jobs: number;
  openJobs: number;
  customers: number;
  /** Users, each signed in at one of the stations: rate limits are per account and per session. */
  seats: number;
  stations: number;
}

export const BENCH_SHOP: BenchShopSize = { jobs: 100_000, openJobs: 20_000, customers: 5_000, seats: 1_000, stations: 50 };

export interface BenchSeat {
  userId: string;
  /** Authorization and X-Station-Token of the seat's session. */
  headers: Record<string, string>;
}

export interface BenchShop {
  siteId: string;
  seats: BenchSeat[];
  /** Codes that can be handed over (ready, to be collected, paid or waived), in a seeded order. */
  handoverCodes: string[];
  /** Codes of jobs in every state, for lookups. */
  lookupCodes: string[];
  jobsByStatus: Partial<Record<JobStatus, number>>;
  seconds: number;
}

const DAY = 86_400_000;
const CHUNK = 10_000;
const PRIORITY_RANK: Record<Priority, number> = { RUSH: 0, HIGH: 1, NORMAL: 2, LOW: 3 };
const OPEN_MIX: Array<[JobStatus, number]> = [["QUEUED", 40], ["IN_PROGRESS", 15], ["POST_PROCESSING", 8], ["READY_FOR_PICKUP", 30], ["ON_HOLD", 4], ["FAILED", 3]];
const CLOSED_MIX: Array<[JobStatus, number]> = [["PICKED_UP", 75], ["SHIPPED", 15], ["CANCELLED", 10]];

/** Exactly `total` statuses in the given proportions, shuffled. */
function statusesFor(dice: Dice, mix: Array<[JobStatus, number]>, total: number): JobStatus[] {
  const weight = mix.reduce((sum, [, w]) => sum + w, 0);
  const out: JobStatus[] = [];
  mix.forEach(([status, w], i) => {
    const count = i === mix.length - 1 ? total - out.length : Math.round((total * w) / weight);
    for (let k = 0; k < count; k++) out.push(status);
  });
  shuffle(dice, out);
  return out;
}

function shuffle<T>(dice: Dice, items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = dice.int(0, i);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}

interface JobRow {
  id: string;
  number: number;
  customerId: string | null;
  title: string;
  material: string;
  colour: string;
  quantity: number;
  estimatedMinutes: number;
  dueAt: string | null;
  priority: Priority;
  status: JobStatus;
  queuePosition: number | null;
  assigneeId: string | null;
  machine: string | null;
  priceCents: number;
  paymentStatus: PaymentStatus;
  fulfilment: Fulfilment;
  pickupCode: string;
  pickedUpAt: string | null;
  pickedUpById: string | null;
  pickedUpStationId: string | null;
  notes: string | null;
  source: JobSource;
  externalId: string | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
  version: number;
  /** Whether a payment row backs a PAID or REFUNDED job (imports often come without one). */
  paymentRow: boolean;
}

function planJobs(dice: Dice, size: BenchShopSize, now: number, customerIds: string[], userIds: string[], stationIds: string[]): JobRow[] {
  // The newest quarter-and-a-bit of the jobs holds all the open ones; older work is closed.
  const recent = Math.min(size.jobs, Math.round(size.openJobs * 1.25));
  const open = statusesFor(dice, OPEN_MIX, size.openJobs);
  const recentClosed = statusesFor(dice, CLOSED_MIX, recent - size.openJobs);
  const recentStatuses = [...open, ...recentClosed];
  shuffle(dice, recentStatuses);
  const statuses = [...statusesFor(dice, CLOSED_MIX, size.jobs - recent), ...recentStatuses];
  const floor = userIds.slice(0, 20);
  const codes = new Set<string>();
  const rows: JobRow[] = [];
  let feed = 100_000;
  let csv = 1;
  for (let i = 0; i < size.jobs; i++) {
    const status = statuses[i] as JobStatus;
    const isRecent = i >= size.jobs - recent;
    // Two years of history, evenly; the recent block covers the last 45 days.
    const createdAt = isRecent
      ? now - 45 * DAY + ((i - (size.jobs - recent)) / recent) * 44 * DAY
      : now - 730 * DAY + (i / (size.jobs - recent)) * 685 * DAY;
    const spec = dice.weighted(MATERIALS);
    const count = dice.int(2, 24);
    const template = dice.pick(TITLES[spec.process]);
    const quantity = template.includes("{n}") ? count : dice.weighted([[1, 8], [2, 2], [3, 1]]);
    const estimatedMinutes = spec.process === "LASER" ? dice.int(5, 90) : Math.max(5, Math.round(dice.int(30, 840) / 5) * 5);
    const priority = dice.weighted<Priority>([["NORMAL", 70], ["HIGH", 15], ["LOW", 10], ["RUSH", 5]]);
    const priceCents = Math.max(50, Math.round((800 + estimatedMinutes * 12) * (1 + (Math.min(quantity, 50) - 1) * 0.15) / 50) * 50);
    const fulfilment: Fulfilment = status === "SHIPPED" ? "SHIP" : status === "PICKED_UP" ? "PICKUP" : dice.chance(0.1) ? "SHIP" : "PICKUP";
    const source = dice.weighted<JobSource>([["MANUAL", 45], ["FEED", 45], ["CSV", 10]]);
    let paymentStatus: PaymentStatus;
    if (status === "READY_FOR_PICKUP") paymentStatus = dice.weighted<PaymentStatus>([["PAID", 80], ["WAIVED", 5], ["UNPAID", 15]]);
    else if (status === "PICKED_UP") paymentStatus = dice.chance(0.92) ? "PAID" : "WAIVED";
    else if (status === "SHIPPED") paymentStatus = "PAID";
    else if (status === "CANCELLED") paymentStatus = dice.chance(0.5) ? "REFUNDED" : "UNPAID";
    else paymentStatus = source === "FEED" || dice.chance(0.2) ? "PAID" : "UNPAID";
    const started = status !== "QUEUED" && status !== "CANCELLED";
    const closed = !isOpen(status);
    const closedAt = Math.min(now - DAY, createdAt + dice.int(1, 12) * DAY);
    const draw = () =>
      generatePickupCode((bytes) => {
        bytes.set(dice.bytes(bytes.length));
        return bytes;
      });
    let code = draw();
    while (codes.has(code)) code = draw();
    codes.add(code);
    const pickedUp = status === "PICKED_UP";
    rows.push({
      id: dice.uuid(),
      number: i + 1,
      customerId: dice.chance(0.95) ? (customerIds[Math.floor(customerIds.length * dice.int(0, 999) ** 2 / 1_000_000)] ?? null) : null,
      title: template.replace("{n}", String(count)),
      material: spec.material,
      colour: dice.pick(spec.colours),
      quantity,
      estimatedMinutes,
      dueAt: dice.chance(0.8) ? new Date(createdAt + dice.int(3, 14) * DAY).toISOString() : null,
      priority,
      status,
      queuePosition: null,
      assigneeId: started && dice.chance(0.7) ? dice.pick(floor) : null,
      machine: started ? dice.pick(MACHINES[spec.process]) : null,
      priceCents,
      paymentStatus,
      fulfilment,
      pickupCode: code,
      pickedUpAt: pickedUp ? new Date(closedAt).toISOString() : null,
      pickedUpById: pickedUp ? dice.pick(floor) : null,
      pickedUpStationId: pickedUp ? dice.pick(stationIds) : null,
      notes: dice.chance(0.1) ? dice.pick(NOTES) : null,
      source,
      externalId: source === "FEED" ? `SF-${feed++}` : source === "CSV" ? `CSV-${String(csv++).padStart(6, "0")}` : null,
      createdAt: new Date(createdAt).toISOString(),
      updatedAt: new Date(closed ? closedAt : Math.min(now, createdAt + DAY)).toISOString(),
      archivedAt: closed && closedAt < now - 30 * DAY ? new Date(closedAt + 30 * DAY).toISOString() : null,
      version: status === "QUEUED" ? 1 : dice.int(2, 6),
      paymentRow: (paymentStatus === "PAID" || paymentStatus === "REFUNDED") && (status !== "READY_FOR_PICKUP" || dice.chance(0.5)),
    });
  }
  // The board: open jobs by priority, then age, a gap apart.
  rows
    .filter((r) => isOpen(r.status))
    .sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.number - b.number)
    .forEach((r, k) => {
      r.queuePosition = (k + 1) * 1024;
    });
  return rows;
}

const JOB_COLUMNS: Array<[keyof JobRow, string, string]> = [
  ["id", "id", "uuid"],
  ["number", "number", "int"],
  ["customerId", "customer_id", "uuid"],
  ["title", "title", "text"],
  ["material", "material", "text"],
  ["colour", "colour", "text"],
  ["quantity", "quantity", "int"],
  ["estimatedMinutes", "estimated_minutes", "int"],
  ["dueAt", "due_at", "timestamptz"],
  ["priority", "priority", "priority"],
  ["status", "status", "job_status"],
  ["queuePosition", "queue_position", "int"],
  ["assigneeId", "assignee_id", "uuid"],
  ["machine", "machine", "text"],
  ["priceCents", "price_cents", "int"],
  ["paymentStatus", "payment_status", "payment_status"],
  ["fulfilment", "fulfilment", "fulfilment"],
  ["pickupCode", "pickup_code", "text"],
  ["pickedUpAt", "picked_up_at", "timestamptz"],
  ["pickedUpById", "picked_up_by_id", "uuid"],
  ["pickedUpStationId", "picked_up_station_id", "uuid"],
  ["notes", "notes", "text"],
  ["source", "source", "job_source"],
  ["externalId", "external_id", "text"],
  ["createdAt", "created_at", "timestamptz"],
  ["updatedAt", "updated_at", "timestamptz"],
  ["archivedAt", "archived_at", "timestamptz"],
  ["version", "version", "int"],
];

/** Seeds the benchmark shop into an empty, migrated database. */
export async function seedBenchShop(pool: pg.Pool, secretKey: string, size: BenchShopSize = BENCH_SHOP, now = Date.now()): Promise<BenchShop> {
  const started = performance.now();
  const dice = new Dice(createRandom(BENCH_SEED));
  const siteId = dice.uuid();
  const stationIds = Array.from({ length: size.stations }, () => dice.uuid());
  const userIds = Array.from({ length: size.seats }, () => dice.uuid());
  const customers = Array.from({ length: size.customers }, (_, i) => {
    const company = dice.chance(0.12) ? dice.pick(COMPANIES) : null;
    const first = dice.pick(FIRST_NAMES);
    const last = dice.pick(LAST_NAMES);
    const name = company ? `${company} ${i}` : `${first} ${String.fromCharCode(65 + dice.int(0, 25))}. ${last}`;
    return {
      id: dice.uuid(),
      name,
      email: dice.chance(0.85) ? `${first}.${last}.${i}@example.com`.toLowerCase() : null,
      phone: dice.chance(0.6) ? `+49 30 555 ${String(dice.int(100, 9999)).padStart(4, "0")}` : null,
    };
  });
  const jobs = planJobs(dice, size, now, customers.map((c) => c.id), userIds, stationIds);
  const passwordHash = await hashPassword(randomBytes(18).toString("base64url"));
  const stationTokens = stationIds.map(() => randomBytes(32).toString("base64url"));
  const sessionTokens = userIds.map(() => randomBytes(32).toString("base64url"));

  await inTransaction(pool, async (client) => {
    await client.query(`INSERT INTO sites (id, name, timezone) VALUES ($1, 'OrderDeck Bench Workshop', 'Europe/Berlin')`, [siteId]);
    await client.query(
      `INSERT INTO stations (id, site_id, name, token_hash) SELECT s.id, $1, 'Console ' || s.n, s.hash FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS s(id, hash, n)`,
      [siteId, stationIds, stationTokens.map((t) => hashToken(secretKey, t))],
    );
    await client.query(
      `INSERT INTO users (id, site_id, email, name, role, password_hash)
       SELECT u.id, $1, 'seat' || u.n || '@bench.orderdeck.test', 'Seat ' || u.n,
              (CASE WHEN u.n = 1 THEN 'ADMIN' WHEN u.n <= 100 THEN 'LEAD' ELSE 'STAFF' END)::user_role, $3
         FROM unnest($2::uuid[]) WITH ORDINALITY AS u(id, n)`,
      [siteId, userIds, passwordHash],
    );
    await client.query(
      `INSERT INTO sessions (id, site_id, user_id, station_id, token_hash, expires_at)
       SELECT md5('bench-session-' || s.n)::uuid, $1, s.user_id, s.station_id, s.hash, now() + interval '7 days'
         FROM unnest($2::uuid[], $3::uuid[], $4::text[]) WITH ORDINALITY AS s(user_id, station_id, hash, n)`,
      [siteId, userIds, userIds.map((_, i) => stationIds[i % stationIds.length]), sessionTokens.map((t) => hashToken(secretKey, t))],
    );
    await client.query(
      `INSERT INTO customers (id, site_id, name, email, phone) SELECT c.id, $1, c.name, c.email, c.phone FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) AS c(id, name, email, phone)`,
      [siteId, customers.map((c) => c.id), customers.map((c) => c.name), customers.map((c) => c.email), customers.map((c) => c.phone)],
    );

    await client.query("ALTER TABLE jobs DISABLE TRIGGER jobs_before_write");
    const select = JOB_COLUMNS.map(([, column]) => `j.${column}`).join(", ");
    const params = JOB_COLUMNS.map(([, , type], i) => `$${i + 2}::${type}[]`).join(", ");
    for (let offset = 0; offset < jobs.length; offset += CHUNK) {
      const chunk = jobs.slice(offset, offset + CHUNK);
      await client.query(
        `INSERT INTO jobs (site_id, change_seq, ${JOB_COLUMNS.map(([, column]) => column).join(", ")})
         SELECT $1, nextval('job_change_seq'), ${select}
           FROM unnest(${params}) WITH ORDINALITY AS j(${JOB_COLUMNS.map(([, column]) => column).join(", ")}, n)
          ORDER BY j.n`,
        [siteId, ...JOB_COLUMNS.map(([key]) => chunk.map((row) => row[key]))],
      );
    }
    await client.query("ALTER TABLE jobs ENABLE TRIGGER jobs_before_write");
    await client.query(`INSERT INTO counters (site_id, kind, year, value) VALUES ($1, 'JOB', 0, $2)`, [siteId, jobs.length]);

    const paid = jobs.filter((j) => j.paymentRow);
    await client.query(
      `INSERT INTO payments (id, site_id, job_id, provider, provider_reference, amount_cents, currency, received_at, created_at)
       SELECT md5('bench-payment-' || j.number)::uuid, $1, j.id, CASE WHEN j.source = 'FEED' THEN 'storefront' ELSE 'card-terminal' END,
              'bench-' || j.number, j.price_cents, j.currency, j.created_at, j.created_at
         FROM jobs j WHERE j.site_id = $1 AND j.id = ANY($2::uuid[])`,
      [siteId, paid.map((j) => j.id)],
    );
    await client.query(
      `INSERT INTO job_events (id, site_id, job_id, actor_kind, at, type, after)
       SELECT md5('bench-created-' || j.number)::uuid, $1, j.id, 'SYSTEM', j.created_at, 'created',
              jsonb_build_object('status', 'QUEUED', 'source', j.source, 'title', j.title)
         FROM jobs j WHERE j.site_id = $1`,
      [siteId],
    );
  });
  // What autovacuum has long done to a shop's database in use: statistics, the visibility map, and
  // the trigram indexes' pending lists merged (a search otherwise reads every row inserted above).
  await pool.query("VACUUM ANALYZE");

  const handover = jobs.filter(
    (j) => j.status === "READY_FOR_PICKUP" && j.fulfilment === "PICKUP" && (j.paymentStatus === "PAID" || j.paymentStatus === "WAIVED"),
  );
  const jobsByStatus: Partial<Record<JobStatus, number>> = {};
  for (const j of jobs) jobsByStatus[j.status] = (jobsByStatus[j.status] ?? 0) + 1;
  const lookupDice = new Dice(createRandom(BENCH_SEED + 1));
  return {
    siteId,
    seats: userIds.map((userId, i) => ({
      userId,
      headers: { authorization: `Bearer ${sessionTokens[i]}`, "x-station-token": stationTokens[i % stationTokens.length] as string },
    })),
    handoverCodes: handover.map((j) => j.pickupCode),
    lookupCodes: Array.from({ length: 5_000 }, () => lookupDice.pick(jobs).pickupCode),
    jobsByStatus,
    seconds: (performance.now() - started) / 1000,
  };
}
