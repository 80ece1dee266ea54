// The scanner listener's rule for "a scanner, not a person", on the key timings both produce.
import { describe, expect, it } from "vitest";
import { continuesBurst, endsScan, looksLikeTyping, type BurstPace } from "../src/renderer/src/pickup/scan-pace.ts";
import { slaOf } from "../src/renderer/src/board/job-words.ts";

/** Feeds key times (ms) through the rule as the listener does; true when Enter at `enterAt` makes it a scan. */
function isScan(keyTimes: number[], enterAt: number): boolean {
  let burst: (BurstPace & { typing: boolean }) | null = null;
  for (const at of keyTimes) {
    if (burst && continuesBurst(burst, at)) {
      burst.gaps.push(at - burst.lastAt);
      burst.lastAt = at;
      if (looksLikeTyping(burst)) burst.typing = true;
    } else {
      burst = { gaps: [], lastAt: at, typing: false };
    }
  }
  return burst !== null && !burst.typing && endsScan(burst, enterAt);
}

const evenly = (n: number, gap: number, start = 1_000) => Array.from({ length: n }, (_, i) => start + i * gap);

describe("scanner pace", () => {
  it("takes ten keys 5–10 ms apart ended by Enter as a scan", () => {
    expect(isScan(evenly(10, 5), 1_000 + 9 * 5 + 5)).toBe(true);
    expect(isScan(evenly(10, 10), 1_000 + 9 * 10 + 10)).toBe(true);
  });

  it("keeps a scan whole when a busy page delays a few of its keys", () => {
    const times = [1_000, 1_060, 1_068, 1_150, 1_158, 1_166, 1_174, 1_182, 1_190, 1_198];
    expect(isScan(times, 1_208)).toBe(true);
  });

  it("takes typing at a person's pace as typing, fast typists included", () => {
    expect(isScan(evenly(10, 120), 1_000 + 10 * 120)).toBe(false);
    expect(isScan(evenly(10, 60), 1_000 + 10 * 60)).toBe(false);
    expect(isScan(evenly(10, 40), 1_000 + 10 * 40)).toBe(false);
  });

  it("needs at least six keys, and Enter right after them", () => {
    expect(isScan(evenly(5, 5), 1_030)).toBe(false);
    expect(isScan(evenly(10, 5), 1_045 + 400)).toBe(false);
  });
});

describe("SLA text", () => {
  const now = new Date("2026-03-02T12:00:00Z");
  it("says overdue, warn or on time in words, and nothing for closed or undated jobs", () => {
    const fresh = { level: "ok" as const, hours: 2 };
    expect(slaOf({ dueAt: "2026-03-01T12:00:00Z", status: "QUEUED", ageing: fresh }, now)).toEqual({ level: "overdue", text: "Overdue 24 h", ageing: null });
    expect(slaOf({ dueAt: "2026-03-02T16:00:00Z", status: "IN_PROGRESS", ageing: fresh }, now)).toEqual({ level: "warn", text: "Warn: due in 4 h", ageing: null });
    expect(slaOf({ dueAt: "2026-03-06T12:00:00Z", status: "QUEUED", ageing: fresh }, now).level).toBe("ok");
    expect(slaOf({ dueAt: "2026-03-01T12:00:00Z", status: "PICKED_UP", ageing: null }, now).level).toBe("none");
    expect(slaOf({ dueAt: null, status: "QUEUED", ageing: fresh }, now).level).toBe("none");
  });

  it("colours a job open past the site's thresholds as ageing or breached, whatever its due date, and says so", () => {
    expect(slaOf({ dueAt: null, status: "QUEUED", ageing: { level: "warn", hours: 40 } }, now)).toEqual({ level: "warn", text: "Ageing: open 40 h", ageing: "warn" });
    expect(slaOf({ dueAt: "2026-03-06T12:00:00Z", status: "QUEUED", ageing: { level: "breach", hours: 100 } }, now)).toEqual({
      level: "overdue",
      text: "On time (4 d left) · SLA breach: open 4 d",
      ageing: "breach",
    });
    // Overdue by its date and only ageing: the worse colour wins, both are said.
    expect(slaOf({ dueAt: "2026-03-01T12:00:00Z", status: "QUEUED", ageing: { level: "warn", hours: 60 } }, now)).toMatchObject({ level: "overdue", ageing: "warn" });
  });
});
