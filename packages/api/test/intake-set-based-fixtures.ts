// What the tests of the intake's set-based path share: storefront orders, a feed per run, a chunk
// taken by either path, and a site's outcome with its own ids replaced by what they stand for.
import { inSite } from "@orderdeck/db";
import type { TakeCounts } from "../src/intake/take-context.ts";
import { takeRows } from "../src/intake/take.ts";
import type { ApiHarness, SiteFixture } from "./harness.ts";

export const people = {
  ada: { name: "Ada Lovelace", email: "ada@example.com", phone: null },
  bob: { name: "Bob", email: "bob@example.com", phone: "+44 20 7946 0000" },
  carol: { name: "Carol", email: "Carol@Example.com", phone: null },
  dan: { name: "Dan", email: "dan@example.com", phone: null },
  erin: { name: "Erin", email: "erin@example.com", phone: null },
  grace: { name: "Grace", email: "grace@example.com", phone: null },
};

export function order(id: string, customer: (typeof people)[keyof typeof people], over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    updated_at: "2026-11-01T10:00:00.000Z",
    status: "open",
    customer,
    title: `Print ${id}`,
    material: "PLA",
    colour: "black",
    quantity: 1,
    estimated_minutes: 30,
    price_cents: 1500,
    currency: "EUR",
    due_at: "2026-12-01T09:00:00.000Z",
    fulfilment: "pickup",
    priority: "normal",
    notes: null,
    ...over,
  };
}

export interface Feed {
  site: SiteFixture;
  sourceId: string;
}

export type Take = typeof takeRows;

/**
 * The intake's two paths over one harness: a fresh feed per run, a chunk taken by either path, and
 * what a site holds afterwards, comparable across sites.
 */
export function intakeFeeds(harness: () => ApiHarness) {
  async function newFeed(): Promise<Feed> {
    const site = await harness().createSite();
    const source = await site.as.ADMIN.intake.sources.create({ name: "Shop", baseUrl: "https://shop.example" });
    return { site, sourceId: source.id };
  }

  function take(feed: Feed, rows: unknown[], how: Take = takeRows): Promise<TakeCounts> {
    const { siteId } = feed.site;
    return inSite(harness().db.prisma, siteId, (tx) =>
      how(tx, { siteId, sourceId: feed.sourceId, runId: null, requestId: null, now: new Date(), retry: false }, rows),
    );
  }

  async function jobId(feed: Feed, externalId: string): Promise<string> {
    const job = await harness().db.prisma.job.findFirstOrThrow({ where: { siteId: feed.site.siteId, externalId }, select: { id: true } });
    return job.id;
  }

  /** What a site holds after the intake, with its own ids replaced by what they stand for. */
  async function outcomeOf(feed: Feed) {
    const { pool } = harness().db;
    const siteId = feed.site.siteId;
    const names = new Map<string, string>([[feed.sourceId, "source"]]);
    const jobs = await pool.query(
      `SELECT j.id, j.external_id, j.number, j.status, j.queue_position, j.title, j.quantity, j.notes, j.price_cents, j.due_at,
              j.priority, j.fulfilment, j.version, j.payment_status, lower(c.email) AS customer
         FROM jobs j LEFT JOIN customers c ON c.id = j.customer_id WHERE j.site_id = $1 ORDER BY j.number`,
      [siteId],
    );
    for (const j of jobs.rows) names.set(j.id, `job:${j.external_id}`);
    const customers = await pool.query(`SELECT id, email, name, phone FROM customers WHERE site_id = $1 ORDER BY lower(email), name`, [siteId]);
    for (const c of customers.rows) names.set(c.id, `customer:${c.email}`);
    const letters = await pool.query(
      `SELECT id, kind, status, external_id, reason, payload, resolved_at IS NOT NULL AS resolved
         FROM intake_dead_letters WHERE site_id = $1 ORDER BY external_id NULLS FIRST, kind, status`,
      [siteId],
    );
    for (const l of letters.rows) names.set(l.id, `letter:${l.kind}:${l.external_id}`);
    const payments = await pool.query(
      `SELECT p.id, j.external_id AS job, p.provider, p.provider_reference, p.amount_cents, p.currency, p.received_at, p.recorded_by_id
         FROM payments p JOIN jobs j ON j.id = p.job_id WHERE p.site_id = $1 ORDER BY p.provider_reference`,
      [siteId],
    );
    for (const p of payments.rows) names.set(p.id, `payment:${p.provider_reference}`);
    const rename = (value: unknown): unknown =>
      typeof value === "string"
        ? (names.get(value) ?? value)
        : Array.isArray(value)
          ? value.map(rename)
          : value !== null && typeof value === "object"
            ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rename(v)]))
            : value;
    const events = await pool.query(
      // (The shop's own request ids differ from site to site; the intake's are what is compared.)
      `SELECT e.job_id, e.type, e.actor_kind, e.before, e.after, CASE WHEN e.actor_kind = 'SYSTEM' THEN e.request_id END AS request_id
         FROM job_events e WHERE e.site_id = $1`,
      [siteId],
    );
    const records = await pool.query(
      `SELECT job_id, external_id, payload_hash, source_updated_at, snapshot FROM intake_records WHERE site_id = $1 ORDER BY external_id`,
      [siteId],
    );
    return {
      jobs: jobs.rows.map(({ id: _id, ...j }) => j),
      customers: customers.rows.map(({ id: _id, ...c }) => c),
      letters: letters.rows.map(({ id: _id, ...l }) => rename(l) as Record<string, unknown>),
      events: events.rows.map((e) => JSON.stringify(rename(e))).sort(),
      records: records.rows.map((r) => rename(r)),
      payments: payments.rows.map(({ id: _id, ...p }) => p),
    };
  }

  return { newFeed, take, jobId, outcomeOf };
}
