// The rule of what a changed storefront order may do to its job (mapping.ts), as a pure function.
import { describe, expect, it } from "vitest";
import { planChange, type JobFields, type JobState, type MappedOrder, type OrderSnapshot } from "../src/intake/mapping.ts";

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
