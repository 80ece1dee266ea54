import { describe, expect, it } from "vitest";
import {
  JobStatus,
  OPEN_STATUSES,
  TERMINAL_STATUSES,
  TRANSITIONS,
  allowedNextStatuses,
  canTransition,
} from "../src/index.ts";

describe("status machine", () => {
  it("splits every status into open or terminal, never both", () => {
    for (const status of JobStatus.options) {
      expect(OPEN_STATUSES.includes(status) !== TERMINAL_STATUSES.includes(status)).toBe(true);
    }
  });

  it("never leaves a terminal status", () => {
    for (const from of TERMINAL_STATUSES) {
      expect(allowedNextStatuses(from, "PICKUP")).toEqual([]);
      expect(allowedNextStatuses(from, "SHIP")).toEqual([]);
    }
  });

  it("follows the production path for a pickup job", () => {
    const path = ["QUEUED", "IN_PROGRESS", "POST_PROCESSING", "READY_FOR_PICKUP", "PICKED_UP"] as const;
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!, "PICKUP")).toBe(true);
  });

  it("ships SHIP jobs and hands over PICKUP jobs, never the other way", () => {
    expect(canTransition("READY_FOR_PICKUP", "SHIPPED", "SHIP")).toBe(true);
    expect(canTransition("READY_FOR_PICKUP", "PICKED_UP", "SHIP")).toBe(false);
    expect(canTransition("READY_FOR_PICKUP", "PICKED_UP", "PICKUP")).toBe(true);
    expect(canTransition("READY_FOR_PICKUP", "SHIPPED", "PICKUP")).toBe(false);
  });

  it("holds from and back to every other open status, and cancels any open job", () => {
    for (const status of OPEN_STATUSES.filter((s) => s !== "ON_HOLD")) {
      expect(canTransition(status, "ON_HOLD", "PICKUP")).toBe(true);
      expect(canTransition("ON_HOLD", status, "PICKUP")).toBe(true);
    }
    for (const status of OPEN_STATUSES) expect(canTransition(status, "CANCELLED", "SHIP")).toBe(true);
  });

  it("fails only from production and reprints a failure by queueing it again", () => {
    const intoFailed = TRANSITIONS.filter((t) => t.to === "FAILED" && t.from !== "ON_HOLD").map((t) => t.from);
    expect(intoFailed.sort()).toEqual(["IN_PROGRESS", "POST_PROCESSING"]);
    expect(canTransition("FAILED", "QUEUED", "PICKUP")).toBe(true);
    expect(canTransition("FAILED", "IN_PROGRESS", "PICKUP")).toBe(false);
  });

  it("has no duplicate rows and no self-transitions", () => {
    const keys = TRANSITIONS.map((t) => `${t.from}>${t.to}>${t.fulfilment ?? "*"}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(TRANSITIONS.some((t) => t.from === t.to)).toBe(false);
  });
});
