// The set-based path of the intake (new and unchanged rows a statement per chunk) against the
// per-row path it stands in for: the same chunks give the same jobs, numbers, queue, customers,
// payments, events, dead letters and counts. And what it must keep on its own: a refused row dead-lettered
// alone with numbers gapless, and an unchanged rerun that writes nothing.
import { inSite } from "@orderdeck/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TakeCounts } from "../src/intake/take-context.ts";
import { takeRows, takeRowsOneByOne } from "../src/intake/take.ts";
import { createApiHarness, type ApiHarness, type SiteFixture } from "./harness.ts";
import { writesFingerprint } from "./intake-helpers.ts";

let harness: ApiHarness;

beforeAll(async () => {
  harness = await createApiHarness();
});

afterAll(async () => {
  await harness.drop();
});

const people = {
  ada: { name: "Ada Lovelace", email: "ada@example.com", phone: null },
  bob: { name: "Bob", email: "bob@example.com", phone: "+44 20 7946 0000" },
  carol: { name: "Carol", email: "Carol@Example.com", phone: null },
  dan: { name: "Dan", email: "dan@example.com", phone: null },
  erin: { name: "Erin", email: "erin@example.com", phone: null },
  grace: { name: "Grace", email: "grace@example.com", phone: null },
};

function order(id: string, customer: (typeof people)[keyof typeof people], over: Record<string, unknown> = {}): Record<string, unknown> {
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

interface Feed {
  site: SiteFixture;
  sourceId: string;
}

async function newFeed(): Promise<Feed> {
  const site = await harness.createSite();
  const source = await site.as.ADMIN.intake.sources.create({ name: "Shop", baseUrl: "https://shop.example" });
  return { site, sourceId: source.id };
}

type Take = typeof takeRows;

function take(feed: Feed, rows: unknown[], how: Take = takeRows): Promise<TakeCounts> {
  const { siteId } = feed.site;
  return inSite(harness.db.prisma, siteId, (tx) =>
    how(tx, { siteId, sourceId: feed.sourceId, runId: null, requestId: null, now: new Date(), retry: false }, rows),
  );
}

async function jobId(feed: Feed, externalId: string): Promise<string> {
  const job = await harness.db.prisma.job.findFirstOrThrow({ where: { siteId: feed.site.siteId, externalId }, select: { id: true } });
  return job.id;
}

/** What a site holds after the intake, with its own ids replaced by what they stand for. */
async function outcomeOf(feed: Feed) {
  const { pool } = harness.db;
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

describe("the set-based path agrees with the per-row path", { timeout: 60_000 }, () => {
  // Three chunks of one feed: new orders and malformed rows; then every kind of row at once,
  // including a second row of the same order, an older version, and new rows that share a
  // customer with a changed one; then letters opened and closed within one chunk.
  const chunk1 = [
    order("N1", people.ada),
    order("N2", people.bob),
    order("N3", people.carol),
    { ...order("M", people.dan), quantity: "three" },
    order("N4", people.ada),
    order("N5", people.dan),
    { garbage: true },
    order("N6", people.erin),
  ];
  const chunk2 = [
    order("N1", people.ada),
    order("N9", { ...people.bob, name: "Robert" }),
    order("N2", people.bob, { updated_at: "2026-11-02T10:00:00.000Z", title: "Stand, engraved", quantity: 3 }),
    order("N7", people.grace),
    order("N3", people.carol, { updated_at: "2026-11-02T10:00:00.000Z", title: "Carol's second try" }),
    order("N8", { ...people.carol, phone: "+49 30 000000" }),
    order("M", people.dan),
    order("N4", people.ada, { updated_at: "2026-11-02T10:00:00.000Z", status: "cancelled" }),
    order("N7", people.grace),
    order("N1", people.ada, { updated_at: "2026-10-01T10:00:00.000Z", title: "An older version" }),
    { ...order("N5", people.dan), price_cents: -5 },
    order("C1", people.erin, { status: "cancelled" }),
  ];
  const chunk3 = [{ ...order("N6", people.erin), currency: "euro" }, order("N6", people.erin), order("N5", people.dan), order("N10", people.ada)];

  async function runAll(how: Take) {
    const feed = await newFeed();
    const counts = [await take(feed, chunk1, how)];
    // The shop starts N2: its quantity is frozen from now on.
    await feed.site.as.STAFF.jobs.transition({ id: await jobId(feed, "N2"), to: "IN_PROGRESS" });
    counts.push(await take(feed, chunk2, how));
    counts.push(await take(feed, chunk3, how));
    return { counts, outcome: await outcomeOf(feed) };
  }

  it("in jobs, numbers, queue, customers, events, intake records, dead letters and counts", async () => {
    const setBased = await runAll(takeRows);
    const rowByRow = await runAll(takeRowsOneByOne);

    expect(setBased.counts).toEqual(rowByRow.counts);
    expect(setBased.outcome.jobs).toEqual(rowByRow.outcome.jobs);
    expect(setBased.outcome.customers).toEqual(rowByRow.outcome.customers);
    expect(setBased.outcome.events).toEqual(rowByRow.outcome.events);
    expect(setBased.outcome.records).toEqual(rowByRow.outcome.records);
    expect(setBased.outcome.letters).toEqual(rowByRow.outcome.letters);

    // And what both come to is what the rules say.
    expect(setBased.counts).toEqual([
      { seen: 8, inserted: 6, updated: 0, unchanged: 0, rejected: 2, flagged: 0 },
      { seen: 12, inserted: 4, updated: 3, unchanged: 4, rejected: 1, flagged: 1 },
      { seen: 4, inserted: 1, updated: 0, unchanged: 2, rejected: 1, flagged: 0 },
    ]);
    const { jobs, customers, letters, events } = setBased.outcome;
    expect(jobs.map((j) => [j.external_id, j.number])).toEqual(
      ["N1", "N2", "N3", "N4", "N5", "N6", "N9", "N7", "N8", "M", "N10"].map((id, i) => [id, i + 1]),
    );
    const open = jobs.filter((j) => j.queue_position !== null);
    expect([...open].sort((a, b) => a.queue_position - b.queue_position).map((j) => j.external_id)).toEqual(
      ["N1", "N2", "N3", "N5", "N6", "N9", "N7", "N8", "M", "N10"],
    );
    expect(jobs.find((j) => j.external_id === "N4")).toMatchObject({ status: "CANCELLED", queue_position: null });
    expect(jobs.find((j) => j.external_id === "N2")).toMatchObject({ status: "IN_PROGRESS", title: "Stand, engraved", quantity: 1 });
    expect(jobs.find((j) => j.external_id === "N1")).toMatchObject({ title: "Print N1", version: 1 });
    expect(customers).toEqual([
      { email: "ada@example.com", name: "Ada Lovelace", phone: null },
      // The changed row came after the new one with the same address: its details are the newest.
      { email: "bob@example.com", name: "Bob", phone: "+44 20 7946 0000" },
      { email: "carol@example.com", name: "Carol", phone: "+49 30 000000" },
      { email: "dan@example.com", name: "Dan", phone: null },
      { email: "erin@example.com", name: "Erin", phone: null },
      { email: "grace@example.com", name: "Grace", phone: null },
    ]);
    expect(letters.map((l) => [l.kind, l.status, l.external_id])).toEqual([
      ["INVALID", "OPEN", null],
      ["INVALID", "RETRIED", "M"],
      ["CONFLICT", "OPEN", "N2"],
      ["INVALID", "RETRIED", "N5"],
      ["INVALID", "RETRIED", "N6"],
    ]);
    const created = events.filter((e) => e.includes('"type":"created"'));
    expect(created).toHaveLength(11);
    expect(created.find((e) => e.includes('"job_id":"job:N9"'))).toBe(
      JSON.stringify({
        job_id: "job:N9",
        type: "created",
        actor_kind: "SYSTEM",
        before: null,
        after: {
          title: "Print N9",
          source: "FEED",
          status: "QUEUED",
          customerId: "customer:bob@example.com",
          externalId: "N9",
          intakeRunId: null,
          queuePosition: 7 * 1024,
          intakeSourceId: "source",
        },
        request_id: null,
      }),
    );
  });
});

describe("a database refusal inside a set-based chunk", { timeout: 60_000 }, () => {
  it("dead-letters only the refused row; the rest lands, numbered gaplessly in feed order", async () => {
    const feed = await newFeed();
    const constraint = `test_refusal_${feed.site.siteId.slice(0, 8)}`;
    await harness.db.pool.query(`ALTER TABLE jobs ADD CONSTRAINT ${constraint} CHECK (title <> 'Refused title') NOT VALID`);
    try {
      await take(feed, [order("A", people.ada)]);
      const counts = await take(feed, [
        order("A", people.ada),
        order("B", people.bob),
        order("P", people.carol, { title: "Refused title" }),
        order("C", people.carol),
      ]);
      expect(counts).toEqual({ seen: 4, inserted: 2, updated: 0, unchanged: 1, rejected: 1, flagged: 0 });
      expect(await take(feed, [order("D", people.dan)])).toMatchObject({ inserted: 1 });
    } finally {
      await harness.db.pool.query(`ALTER TABLE jobs DROP CONSTRAINT ${constraint}`);
    }
    const { jobs, letters, events } = await outcomeOf(feed);
    expect(jobs.map((j) => [j.external_id, j.number])).toEqual([
      ["A", 1],
      ["B", 2],
      ["C", 3],
      ["D", 4],
    ]);
    const counter = await harness.db.pool.query(`SELECT value FROM counters WHERE site_id = $1 AND kind = 'JOB'`, [feed.site.siteId]);
    expect(counter.rows[0]?.value).toBe(4);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ kind: "INVALID", status: "OPEN", external_id: "P" });
    expect(String(letters[0]?.reason)).toMatch(/database refused/);
    expect(events.filter((e) => e.includes('"type":"created"'))).toHaveLength(4);
    const records = await harness.db.pool.query(`SELECT count(*)::int AS n FROM intake_records WHERE site_id = $1`, [feed.site.siteId]);
    expect(records.rows[0]?.n).toBe(4);
  });
});

describe("an unchanged rerun", { timeout: 60_000 }, () => {
  it("writes no job event and changes no row; it only closes an open INVALID letter of a row that is valid again", async () => {
    const feed = await newFeed();
    const rows = Array.from({ length: 40 }, (_, i) => order(`U${i}`, i % 2 === 0 ? people.ada : people.bob));
    await take(feed, [...rows, { ...order("X", people.erin), quantity: 0 }]);
    const before = await writesFingerprint(harness, feed.site.siteId);
    const seqBefore = await harness.db.pool.query(`SELECT max(change_seq)::text AS seq FROM jobs WHERE site_id = $1`, [feed.site.siteId]);
    const letterBefore = await harness.db.prisma.intakeDeadLetter.findFirstOrThrow({ where: { sourceId: feed.sourceId } });

    expect(await take(feed, rows)).toEqual({ seen: 40, inserted: 0, updated: 0, unchanged: 40, rejected: 0, flagged: 0 });
    expect(await writesFingerprint(harness, feed.site.siteId)).toBe(before);
    const seqAfter = await harness.db.pool.query(`SELECT max(change_seq)::text AS seq FROM jobs WHERE site_id = $1`, [feed.site.siteId]);
    expect(seqAfter.rows[0]?.seq).toBe(seqBefore.rows[0]?.seq);
    // Another row's open letter is left as it was.
    const letterAfter = await harness.db.prisma.intakeDeadLetter.findFirstOrThrow({ where: { id: letterBefore.id } });
    expect(letterAfter).toEqual(letterBefore);

    // U3 comes malformed once (a letter opens, the job stays), then as it was: unchanged, and its letter closes.
    await take(feed, [{ ...order("U3", people.bob), currency: "euro" }]);
    const opened = await harness.db.prisma.intakeDeadLetter.findFirstOrThrow({ where: { sourceId: feed.sourceId, externalId: "U3" } });
    expect(opened.status).toBe("OPEN");
    const events = await harness.db.pool.query(`SELECT count(*)::int AS n FROM job_events WHERE site_id = $1`, [feed.site.siteId]);
    expect(await take(feed, rows)).toMatchObject({ unchanged: 40 });
    expect((await harness.db.prisma.intakeDeadLetter.findUniqueOrThrow({ where: { id: opened.id } })).status).toBe("RETRIED");
    const eventsAfter = await harness.db.pool.query(`SELECT count(*)::int AS n FROM job_events WHERE site_id = $1`, [feed.site.siteId]);
    expect(eventsAfter.rows[0]?.n).toBe(events.rows[0]?.n);
    expect((await harness.db.prisma.intakeDeadLetter.findUniqueOrThrow({ where: { id: letterBefore.id } })).status).toBe("OPEN");
  });
});

describe("storefront payments: the set-based path agrees with the per-row path", { timeout: 60_000 }, () => {
  // Payment references are unique across sites, so each run's storefront has its own.
  function paid(prefix: string, ref: string, status: "paid" | "refunded" = "paid", paidAt: string | null = null) {
    return { payment: { status, provider: "stripe", reference: `${prefix}${ref}`, paid_at: paidAt } };
  }
  const pending = { payment: { status: "pending", provider: "stripe", reference: null, paid_at: null } };
  const later = (over: Record<string, unknown>) => ({ updated_at: "2026-11-02T10:00:00.000Z", ...over });

  async function runAll(how: Take) {
    const feed = await newFeed();
    const prefix = `${feed.site.siteId.slice(0, 8)}-`;
    const counts = [
      await take(
        feed,
        [
          order("P1", people.ada, paid(prefix, "ch_1")),
          order("P2", people.bob, paid(prefix, "ch_2", "paid", "2026-10-31T08:15:00.000Z")),
          order("P3", people.carol, pending),
          // The same charge again on another order: refused, with the job it belongs to.
          order("P4", people.dan, paid(prefix, "ch_1")),
          { ...order("P5", people.erin), payment: { status: "paid", provider: "stripe", reference: null } },
          order("P7", people.grace),
        ],
        how,
      ),
    ];
    // The shop lets the customer of P7 off paying; then the storefront reports it paid online.
    await feed.site.as.LEAD.payments.waive({ jobId: await jobId(feed, "P7"), reason: "goodwill" });
    counts.push(
      await take(
        feed,
        [
          order("P3", people.carol, later(paid(prefix, "ch_3"))),
          order("P1", people.ada, later(paid(prefix, "ch_1", "refunded"))),
          order("P2", people.bob, paid(prefix, "ch_2", "paid", "2026-10-31T08:15:00.000Z")),
          order("P6", people.erin, paid(prefix, "ch_6")),
          order("P7", people.grace, later(paid(prefix, "ch_7"))),
        ],
        how,
      ),
    );
    counts.push(
      await take(
        feed,
        [
          order("P1", people.ada, { ...paid(prefix, "ch_1", "refunded"), updated_at: "2026-11-03T10:00:00.000Z", title: "Refunded, still wanted" }),
          order("P3", people.carol, { ...paid(prefix, "ch_3"), updated_at: "2026-11-03T10:00:00.000Z", notes: "Paid online" }),
        ],
        how,
      ),
    );
    // The site's own ids and references, written as what they stand for (the payload hashes hold the references too).
    const raw = await outcomeOf(feed);
    raw.records = raw.records.map((r) => ({ ...(r as Record<string, unknown>), payload_hash: "(hash of the order)" }));
    const outcome = JSON.parse(JSON.stringify(raw).replaceAll(prefix, "")) as typeof raw;
    return { counts, outcome };
  }

  it("in jobs' payment status, payment rows, events, dead letters and counts; a repeated payment writes nothing", async () => {
    const setBased = await runAll(takeRows);
    const rowByRow = await runAll(takeRowsOneByOne);
    expect(setBased.counts).toEqual(rowByRow.counts);
    for (const part of ["jobs", "customers", "payments", "events", "records", "letters"] as const) {
      expect(setBased.outcome[part], part).toEqual(rowByRow.outcome[part]);
    }

    const { counts, jobs, payments, letters, events } = { counts: setBased.counts, ...setBased.outcome };
    expect(counts).toEqual([
      { seen: 6, inserted: 4, updated: 0, unchanged: 0, rejected: 2, flagged: 0 },
      { seen: 5, inserted: 1, updated: 2, unchanged: 2, rejected: 0, flagged: 1 },
      { seen: 2, inserted: 0, updated: 2, unchanged: 0, rejected: 0, flagged: 0 },
    ]);
    const statusOf = (id: string) => jobs.find((j) => j.external_id === id)?.payment_status;
    expect(["P1", "P2", "P3", "P6", "P7"].map(statusOf)).toEqual(["REFUNDED", "PAID", "PAID", "PAID", "WAIVED"]);
    // One payment per charge: the order's price, received when paid (else when the order last changed), no one recorded it.
    expect(payments).toEqual([
      { job: "P1", provider: "stripe", provider_reference: "ch_1", amount_cents: 1500, currency: "EUR", received_at: "2026-11-01T10:00:00.000Z", recorded_by_id: null },
      { job: "P2", provider: "stripe", provider_reference: "ch_2", amount_cents: 1500, currency: "EUR", received_at: "2026-10-31T08:15:00.000Z", recorded_by_id: null },
      { job: "P3", provider: "stripe", provider_reference: "ch_3", amount_cents: 1500, currency: "EUR", received_at: "2026-11-02T10:00:00.000Z", recorded_by_id: null },
      { job: "P6", provider: "stripe", provider_reference: "ch_6", amount_cents: 1500, currency: "EUR", received_at: "2026-11-01T10:00:00.000Z", recorded_by_id: null },
    ]);
    expect(letters.map((l) => [l.kind, l.status, l.external_id])).toEqual([
      ["INVALID", "OPEN", "P4"],
      ["INVALID", "OPEN", "P5"],
      ["CONFLICT", "OPEN", "P7"],
    ]);
    expect(letters[0]?.reason).toBe("Order P4 was paid with stripe ch_1, which is already recorded for J-000001; two orders cannot share a payment.");
    expect(letters[1]?.reason).toBe("payment.reference: a paid or refunded order needs the payment's reference");
    expect(letters[2]?.reason).toMatch(/the storefront reports the order paid \(stripe ch_7\), but the job is already WAIVED at the shop/);
    const ofType = (type: string) => events.filter((e) => e.includes(`"type":"${type}"`)).map((e) => JSON.parse(e) as { job_id: string; before: unknown; after: unknown });
    expect(ofType("payment_recorded").map((e) => e.job_id).sort()).toEqual(["job:P1", "job:P2", "job:P3", "job:P6"]);
    expect(ofType("payment_recorded").find((e) => e.job_id === "job:P2")).toMatchObject({
      before: { paymentStatus: "UNPAID", paidCents: 0 },
      after: { paymentStatus: "PAID", paidCents: 1500, paymentId: "payment:ch_2", provider: "stripe", providerReference: "ch_2", receipt: null },
    });
    expect(ofType("payment_refunded")).toEqual([
      expect.objectContaining({ job_id: "job:P1", before: { paymentStatus: "PAID" }, after: expect.objectContaining({ paymentStatus: "REFUNDED", providerReference: "ch_1" }) }),
    ]);
    expect(ofType("intake_conflict").map((e) => e.job_id)).toEqual(["job:P7"]);
  });
});
