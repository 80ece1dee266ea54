// The job timeline shows what a change did to the money and to how the job leaves, not only "updated".
import { describe, expect, it } from "vitest";
import { timelineWhat } from "../src/renderer/src/board/job-words.ts";

describe("timelineWhat", () => {
  it("spells out price, currency and fulfilment changes, and names the other fields", () => {
    expect(timelineWhat({ type: "updated", before: { priceCents: 4_000, fulfilment: "PICKUP" }, after: { priceCents: 1_000, fulfilment: "SHIP" } }, "EUR")).toBe(
      "updated: price €40.00 → €10.00, fulfilment PICKUP → SHIP",
    );
    expect(timelineWhat({ type: "updated", before: { priceCents: 4_000, currency: "EUR" }, after: { priceCents: 4_000_00, currency: "JPY" } }, "JPY")).toBe(
      "updated: price €40.00 → JP¥400,000, currency EUR → JPY",
    );
    expect(timelineWhat({ type: "updated", before: { title: "a", dueAt: null }, after: { title: "b", dueAt: "2026-12-01T00:00:00.000Z" } }, "EUR")).toBe("updated: title, due date");
  });

  it("keeps other events as their type", () => {
    expect(timelineWhat({ type: "payment_waived", before: { paymentStatus: "UNPAID" }, after: { paymentStatus: "WAIVED", reason: "remake" } }, "EUR")).toBe("payment waived");
    expect(timelineWhat({ type: "updated", before: null, after: null }, "EUR")).toBe("updated");
  });
});
