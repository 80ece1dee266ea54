// The rules of what a changed storefront order may do to its job and to its money (mapping.ts),
// as pure functions.
import { describe, expect, it } from "vitest";
import {
  MAPPING_REVISION,
  planChange,
  planPayment,
  type JobFields,
  type JobState,
  type MappedOrder,
  type OrderPayment,
  type OrderSnapshot,
  type PaymentState,
} from "../src/intake/mapping.ts";
import { parseRow, rawRowHash } from "../src/intake/take-parse.ts";

// orderHash of the row in "the mapping's revision", under MAPPING_REVISION 1.
const PINNED_HASH = "2f52b9bd0da4a0d9cec69568771e6fc4c1512b5fe665093246214a383f46f37d";

const FIELDS: JobFields = {
  title: "Phone stand",
  notes: null,
  dueAt: "2026-12-01T00:00:00.000Z",
  quantity: 2,
  material: "PLA",
  colour: "black",
  estimatedMinutes: 60,
  priority: "NORMAL",
  priceCents: 1500,
  currency: "EUR",
  fulfilment: "PICKUP",
  customerEmail: "ada@example.com",
};

const previous: OrderSnapshot = { fields: FIELDS, cancelled: false };

function order(fields: Partial<JobFields>, cancelled = false): MappedOrder {
  return {
    externalId: "SO-1",
    updatedAt: new Date("2026-11-02T00:00:00Z"),
    fields: { ...FIELDS, ...fields },
    customer: { name: "Ada", email: "ada@example.com", phone: null },
    cancelled,
    payment: null,
  };
}

function job(state: Partial<JobState> = {}): JobState {
  return { status: "QUEUED", archived: false, touchedByShop: false, fields: FIELDS, ...state };
}

describe("planChange", () => {
  it("a job the shop has not started follows the order in every field, and a cancellation cancels it", () => {
    const plan = planChange(job(), previous, order({ title: "Stand v2", quantity: 5, priceCents: 2000 }, true));
    expect(plan.changes).toEqual({ title: "Stand v2", quantity: 5, priceCents: 2000 });
    expect(plan.cancel).toBe(true);
    expect(plan.conflicts).toEqual([]);
  });

  for (const started of [{ status: "IN_PROGRESS" as const }, { touchedByShop: true }, { status: "ON_HOLD" as const }]) {
    it(`once started (${JSON.stringify(started)}): title, notes and due date follow, the rest is flagged`, () => {
      const plan = planChange(
        job(started),
        previous,
        order({ title: "Stand v2", notes: "Gift", dueAt: "2026-12-05T00:00:00.000Z", quantity: 5, material: "PETG", customerEmail: "x@example.com" }),
      );
      expect(plan.changes).toEqual({ title: "Stand v2", notes: "Gift", dueAt: "2026-12-05T00:00:00.000Z" });
      expect(plan.cancel).toBe(false);
      expect(plan.conflicts.map((c) => c.field)).toEqual(["quantity", "material", "customerEmail"]);
      expect(plan.conflicts[0]).toEqual({ field: "quantity", job: 2, source: 5 });
    });
  }

  it("a field the shop changed itself stays the shop's", () => {
    const plan = planChange(job({ touchedByShop: true, fields: { ...FIELDS, title: "Shop's title" } }), previous, order({ title: "Order's new title" }));
    expect(plan.changes).toEqual({});
    expect(plan.conflicts).toEqual([]);
  });

  it("a started job is never cancelled by the order: the cancellation is flagged once", () => {
    const first = planChange(job({ status: "POST_PROCESSING" }), previous, order({}, true));
    expect(first.cancel).toBe(false);
    expect(first.conflicts).toEqual([{ field: "status", job: "POST_PROCESSING", source: "cancelled" }]);
    // The next version of the order (still cancelled) is no news: standing, not flagged again.
    const again = planChange(job({ status: "POST_PROCESSING" }), { fields: FIELDS, cancelled: true }, order({ notes: "x" }, true));
    expect(again.conflicts).toEqual([]);
    expect(again.standing).toHaveLength(1);
  });

  it("a disagreement already flagged is not flagged again, and one the order takes back is gone", () => {
    const flagged: OrderSnapshot = { fields: { ...FIELDS, quantity: 5 }, cancelled: false };
    const still = planChange(job({ status: "IN_PROGRESS" }), flagged, order({ quantity: 5, title: "Stand v3" }));
    expect(still.conflicts).toEqual([]);
    expect(still.standing.map((s) => s.field)).toEqual(["quantity"]);
    const back = planChange(job({ status: "IN_PROGRESS" }), flagged, order({ quantity: 2 }));
    expect(back.standing).toEqual([]);
  });

  it("a closed job changes not at all; only a cancellation or a reopening at the storefront is flagged", () => {
    const picked = planChange(job({ status: "PICKED_UP" }), previous, order({ title: "New", quantity: 9 }));
    expect(picked).toEqual({ changes: {}, cancel: false, conflicts: [], standing: [] });
    const refunded = planChange(job({ status: "PICKED_UP" }), previous, order({}, true));
    expect(refunded.conflicts).toEqual([{ field: "status", job: "PICKED_UP", source: "cancelled" }]);
    const reopened = planChange(job({ status: "CANCELLED" }), { fields: FIELDS, cancelled: true }, order({}));
    expect(reopened.conflicts).toEqual([{ field: "status", job: "CANCELLED", source: "open" }]);
    const archived = planChange(job({ status: "SHIPPED", archived: true }), previous, order({ notes: "late note" }));
    expect(archived.changes).toEqual({});
  });
});

describe("planPayment", () => {
  const paid: OrderPayment = { status: "PAID", provider: "stripe", reference: "pi_1", receivedAt: "2026-11-02T00:00:00.000Z", amountCents: 1500, currency: "EUR" };
  const refunded: OrderPayment = { ...paid, status: "REFUNDED" };
  const money = (state: Partial<PaymentState> = {}): PaymentState => ({
    status: "QUEUED",
    archived: false,
    paymentStatus: "UNPAID",
    currency: "EUR",
    recordedHere: false,
    recordedFor: null,
    ...state,
  });

  it("no payment, or a pending one, records nothing", () => {
    expect(planPayment(money(), undefined, null)).toEqual({ record: false, refund: false, conflict: null, standing: null });
  });

  it("paid online: recorded on any open unpaid job, started or not, once", () => {
    for (const status of ["QUEUED", "IN_PROGRESS", "READY_FOR_PICKUP", "ON_HOLD"] as const) {
      expect(planPayment(money({ status }), undefined, paid)).toMatchObject({ record: true, conflict: null });
    }
    // The same payment seen again (a repeated sync) is the one already recorded.
    expect(planPayment(money({ paymentStatus: "PAID", recordedHere: true }), paid, paid)).toEqual({ record: false, refund: false, conflict: null, standing: null });
  });

  it("refunded at the storefront: a job paid through it becomes REFUNDED; one never paid through it is left alone", () => {
    expect(planPayment(money({ paymentStatus: "PAID", recordedHere: true }), paid, refunded)).toMatchObject({ refund: true, conflict: null });
    expect(planPayment(money({ paymentStatus: "REFUNDED", recordedHere: true }), refunded, refunded)).toMatchObject({ refund: false, conflict: null });
    expect(planPayment(money(), undefined, refunded)).toEqual({ record: false, refund: false, conflict: null, standing: null });
  });

  it("flags, once, a payment for a job the shop settled, a reference of another job, another currency and any change on a closed job", () => {
    const cases: Array<[Partial<PaymentState>, OrderPayment, RegExp]> = [
      [{ paymentStatus: "WAIVED" }, paid, /already WAIVED at the shop/],
      [{ paymentStatus: "PAID" }, paid, /already PAID at the shop; one of the payments may need refunding/],
      [{ recordedFor: "J-000007" }, paid, /already recorded for J-000007/],
      [{ currency: "USD" }, paid, /priced in USD, the payment is in EUR/],
      [{ status: "PICKED_UP" }, paid, /the job is PICKED_UP/],
      [{ status: "PICKED_UP", paymentStatus: "PAID", recordedHere: true }, refunded, /the job is PICKED_UP/],
      [{ status: "READY_FOR_PICKUP", archived: true, paymentStatus: "PAID", recordedHere: true }, refunded, /archived/],
    ];
    for (const [state, next, why] of cases) {
      const plan = planPayment(money(state), undefined, next);
      expect(plan, JSON.stringify(state)).toMatchObject({ record: false, refund: false, conflict: { field: "payment" } });
      expect(String(plan.conflict?.job)).toMatch(why);
      // Seen again unchanged: standing, not flagged a second time.
      expect(planPayment(money(state), next, next)).toMatchObject({ conflict: null, standing: { field: "payment" } });
    }
  });
});

describe("the mapping's revision", () => {
  it("is raised with any change to what a row maps and hashes to (rows recorded as sent under the old mapping are then mapped again)", () => {
    const row = {
      id: "SO-1",
      updated_at: "2026-11-02T00:00:00Z",
      status: "open",
      customer: { name: "Ada", email: "Ada@Example.com", phone: null },
      title: "Phone stand",
      material: "PLA",
      colour: "black",
      quantity: 2,
      estimated_minutes: 60,
      price_cents: 1500,
      currency: "EUR",
      due_at: "2026-12-01T00:00:00Z",
      fulfilment: "pickup",
      priority: "normal",
      notes: null,
      payment: { status: "paid", provider: "card", reference: "ch_1", paid_at: "2026-11-01T12:00:00Z" },
    };
    const parsed = parseRow(row);
    if (!parsed.ok) throw new Error(parsed.reason);
    // When this hash changes, raise MAPPING_REVISION and pin the new hash with it.
    expect({ revision: MAPPING_REVISION, hash: parsed.hash }).toEqual({ revision: 1, hash: PINNED_HASH });
    expect(parsed.rawHash).toBe(rawRowHash(row));
    expect(rawRowHash({ ...row, title: "Phone stand." })).not.toBe(parsed.rawHash);
  });
});
