// The set-based path of the intake (new and unchanged rows a statement per chunk) against the
// per-row path it stands in for: the same chunks give the same jobs, numbers, queue, customers,
// payments, events, dead letters and counts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { takeRows, takeRowsOneByOne } from "../src/intake/take.ts";
import { createApiHarness, type ApiHarness } from "./harness.ts";
import { intakeFeeds, order, people, type Take } from "./intake-set-based-fixtures.ts";

let harness: ApiHarness;

beforeAll(async () => {
  harness = await createApiHarness();
});

afterAll(async () => {
  await harness.drop();
});

const { newFeed, take, jobId, outcomeOf } = intakeFeeds(() => harness);

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
