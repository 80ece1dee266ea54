// Wall-clock arithmetic in the site's timezone (pure, no database): the spring-forward gap, the
// fall-back hour that happens twice, and shift starts on both nights.
import { describe, expect, it } from "vitest";
import { defaultShiftHistory } from "@orderdeck/contracts";
import { currentShiftStart, formatLocal, instantOfWallTime, parseBoundary, wallTimeAt } from "../src/documents/zoned-time.ts";

const BERLIN = "Europe/Berlin";
const wall = (year: number, month: number, day: number, hour = 0, minute = 0) => ({ year, month, day, hour, minute, second: 0 });
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe("instantOfWallTime", () => {
  it("reads ordinary wall times with the offset in force (CET in winter, CEST in summer)", () => {
    expect(iso(instantOfWallTime(wall(2026, 1, 15, 9), BERLIN))).toBe("2026-01-15T08:00:00.000Z");
    expect(iso(instantOfWallTime(wall(2026, 7, 15, 9), BERLIN))).toBe("2026-07-15T07:00:00.000Z");
  });

  it("moves a time in the spring-forward gap forward by the gap (02:30 does not exist on 29 March 2026)", () => {
    expect(iso(instantOfWallTime(wall(2026, 3, 29, 2, 30), BERLIN))).toBe("2026-03-29T01:30:00.000Z");
    expect(formatLocal(instantOfWallTime(wall(2026, 3, 29, 2, 30), BERLIN), BERLIN)).toBe("Sun, 29 Mar 2026, 03:30 CEST");
    expect(iso(instantOfWallTime(wall(2026, 3, 29, 1, 59), BERLIN))).toBe("2026-03-29T00:59:00.000Z");
    expect(iso(instantOfWallTime(wall(2026, 3, 29, 3, 0), BERLIN))).toBe("2026-03-29T01:00:00.000Z");
  });

  it("takes the first of the two 02:30s on the fall-back night (25 October 2026)", () => {
    expect(iso(instantOfWallTime(wall(2026, 10, 25, 2, 30), BERLIN))).toBe("2026-10-25T00:30:00.000Z");
    expect(iso(instantOfWallTime(wall(2026, 10, 25, 3, 0), BERLIN))).toBe("2026-10-25T02:00:00.000Z");
    // Both instants show 02:30 on the wall.
    expect(wallTimeAt(new Date("2026-10-25T00:30:00Z"), BERLIN)).toMatchObject({ hour: 2, minute: 30 });
    expect(wallTimeAt(new Date("2026-10-25T01:30:00Z"), BERLIN)).toMatchObject({ hour: 2, minute: 30 });
  });

  it("makes days of 23, 25 and 24.5 hours where the zone says so", () => {
    const hours = (zone: string, y: number, m: number, d: number) =>
      (instantOfWallTime(wall(y, m, d + 1), zone).getTime() - instantOfWallTime(wall(y, m, d), zone).getTime()) / 3_600_000;
    expect(hours(BERLIN, 2026, 3, 29)).toBe(23);
    expect(hours(BERLIN, 2026, 10, 25)).toBe(25);
    expect(hours(BERLIN, 2026, 6, 1)).toBe(24);
    expect(hours("America/New_York", 2026, 3, 8)).toBe(23);
    // Lord Howe Island moves its clocks by half an hour.
    expect(hours("Australia/Lord_Howe", 2026, 4, 5)).toBe(24.5);
  });
});

describe("parseBoundary", () => {
  it("reads dates and wall times in the site's zone, instants with an offset as they are", () => {
    expect(iso(parseBoundary("2026-03-29", BERLIN))).toBe("2026-03-28T23:00:00.000Z");
    expect(iso(parseBoundary("2026-03-30", BERLIN))).toBe("2026-03-29T22:00:00.000Z");
    expect(iso(parseBoundary("2026-10-25T06:00", BERLIN))).toBe("2026-10-25T05:00:00.000Z");
    expect(iso(parseBoundary("2026-10-25T06:00:30.5", BERLIN))).toBe("2026-10-25T05:00:30.500Z");
    expect(iso(parseBoundary("2026-10-25T06:00:00Z", BERLIN))).toBe("2026-10-25T06:00:00.000Z");
    expect(iso(parseBoundary("2026-10-25T06:00:00.123+05:30", BERLIN))).toBe("2026-10-25T00:30:00.123Z");
    expect(iso(parseBoundary("2026-10-25T06:00-0300", BERLIN))).toBe("2026-10-25T09:00:00.000Z");
  });

  it("refuses what is not a real date and time", () => {
    for (const text of ["2026-02-30", "2026-13-01", "2026-03-29T24:00", "2026-03-29T12:60", "9999-99-99T99:99:99Z", "1", "", "1999-12-31", "2026-03-29T12:00+19:00", "tomorrow"]) {
      expect(parseBoundary(text, BERLIN), text).toBeNull();
    }
  });
});

describe("currentShiftStart (06:00, 14:00, 22:00 on the wall)", () => {
  const start = (instant: string) => iso(currentShiftStart(new Date(instant), defaultShiftHistory(BERLIN)));

  it("finds the night shift that began before the spring-forward change (a 7-hour night)", () => {
    // 05:30 CEST on 29 March: the night began at 22:00 CET on the 28th.
    expect(start("2026-03-29T03:30:00Z")).toBe("2026-03-28T21:00:00.000Z");
    // 06:00 CEST is 04:00 UTC: the early shift begins 7 real hours after the night's.
    expect(start("2026-03-29T04:00:00Z")).toBe("2026-03-29T04:00:00.000Z");
    expect(start("2026-03-29T03:59:59Z")).toBe("2026-03-28T21:00:00.000Z");
  });

  it("finds the night shift over the fall-back change (a 9-hour night)", () => {
    expect(start("2026-10-25T04:59:59Z")).toBe("2026-10-24T20:00:00.000Z");
    expect(start("2026-10-25T05:00:00Z")).toBe("2026-10-25T05:00:00.000Z");
    expect(start("2026-10-25T12:59:00Z")).toBe("2026-10-25T05:00:00.000Z");
    expect(start("2026-10-25T13:00:00Z")).toBe("2026-10-25T13:00:00.000Z");
  });

  it("rolls over the end of a month and a year", () => {
    expect(start("2027-01-01T01:00:00Z")).toBe("2026-12-31T21:00:00.000Z");
    expect(start("2026-03-01T04:00:00Z")).toBe("2026-02-28T21:00:00.000Z");
  });
});
