// The shift rules: what an admin may enter (and what they are told when it is wrong), and the
// boundaries a history of versions gives across daylight-saving changes and a change of zone.
import { describe, expect, it } from "vitest";
import { ShiftList, SiteShiftRulesUpdateInput, currentShiftStart, defaultShiftHistory, nextShiftStart, shiftAt, type ShiftRulesVersion } from "../src/index.ts";

const BERLIN = "Europe/Berlin";
const iso = (d: Date) => d.toISOString();
const messages = (input: unknown) => {
  const parsed = ShiftList.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
};

describe("ShiftList", () => {
  it("takes whole hours or HH:MM, and stores them as HH:MM with trimmed names", () => {
    expect(ShiftList.parse([{ start: "6", name: " Early " }, { start: "14:30", name: "Late" }, { start: "22", name: "Night" }])).toEqual([
      { start: "06:00", name: "Early" },
      { start: "14:30", name: "Late" },
      { start: "22:00", name: "Night" },
    ]);
    expect(ShiftList.parse([{ start: "0:00", name: "All day" }])).toEqual([{ start: "00:00", name: "All day" }]);
  });

  it("says what to fix: a time that is none, an order that is not increasing, a missing or repeated name, too few or too many", () => {
    expect(messages([{ start: "25", name: "Early" }])).toEqual([
      "0.start: Enter the start as a time of day on the shop's clock: a whole hour (6) or hours and minutes (06:30), from 00:00 to 23:59.",
    ]);
    expect(messages([{ start: "6pm", name: "Early" }])[0]).toMatch(/^0\.start: Enter the start as a time of day/);
    expect(messages([{ start: "14", name: "Late" }, { start: "06", name: "Early" }])).toEqual([
      "1.start: Early starts at 06:00, which is not after Late (14:00): list the shifts in the order they start within one day, each later than the one before.",
    ]);
    expect(messages([{ start: "06", name: "Early" }, { start: "06:00", name: "Late" }])[0]).toMatch(/^1\.start: Late starts at 06:00, which is not after Early/);
    expect(messages([{ start: "06", name: " " }])).toEqual(["0.name: Give the shift a name people use, e.g. Early, Late or Night."]);
    expect(messages([{ start: "06", name: "Day" }, { start: "18", name: "day" }])).toEqual(['1.name: Two shifts are called "day": give each shift its own name.']);
    expect(messages([])).toEqual([": A site works at least one shift: add its start time."]);
    expect(messages(Array.from({ length: 7 }, (_, i) => ({ start: String(i * 3), name: `S${i}` })))).toEqual([": At most 6 shifts a day; merge some of them."]);
  });

  it("checks the zone with the rest of an update", () => {
    const parsed = SiteShiftRulesUpdateInput.safeParse({ timezone: "+01:00", shifts: [{ start: "6", name: "Early" }], version: new Date().toISOString() });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe("Enter an IANA timezone such as Europe/Berlin or America/New_York (not an offset like +01:00).");
  });
});

describe("shift boundaries from a history", () => {
  it("gives the night over the spring-forward change 7 hours and the one over the fall-back change 9", () => {
    const history = defaultShiftHistory(BERLIN);
    const springNight = shiftAt(new Date("2026-03-29T02:00:00Z"), history);
    expect(springNight).toEqual({ start: new Date("2026-03-28T21:00:00Z"), name: "Night" });
    expect((nextShiftStart(springNight.start, history).getTime() - springNight.start.getTime()) / 3_600_000).toBe(7);
    const autumnNight = shiftAt(new Date("2026-10-25T02:30:00Z"), history);
    expect(iso(autumnNight.start)).toBe("2026-10-24T20:00:00.000Z");
    expect((nextShiftStart(autumnNight.start, history).getTime() - autumnNight.start.getTime()) / 3_600_000).toBe(9);
  });

  it("keeps the old boundaries before a change and follows the new ones from the shift it applies from", () => {
    // Changed during the late shift of 10 March (CET): from 22:00 on, two shifts at 07:00 and 19:00.
    const history: ShiftRulesVersion[] = [
      ...defaultShiftHistory(BERLIN),
      { effectiveFrom: "2026-03-10T21:00:00.000Z", timezone: BERLIN, shifts: [{ start: "07:00", name: "Day" }, { start: "19:00", name: "Night" }] },
    ];
    expect(shiftAt(new Date("2026-03-10T20:59:00Z"), history)).toEqual({ start: new Date("2026-03-10T13:00:00Z"), name: "Late" });
    // The first shift under the new rules begins where the old late shift ended, and is the new rules' night.
    expect(shiftAt(new Date("2026-03-10T21:00:00Z"), history)).toEqual({ start: new Date("2026-03-10T21:00:00Z"), name: "Night" });
    expect(iso(nextShiftStart(new Date("2026-03-10T21:00:00Z"), history))).toBe("2026-03-11T06:00:00.000Z");
    expect(shiftAt(new Date("2026-03-11T10:00:00Z"), history)).toEqual({ start: new Date("2026-03-11T06:00:00Z"), name: "Day" });
    // Before the change the next start was the old 22:00.
    expect(iso(nextShiftStart(new Date("2026-03-10T15:00:00Z"), history))).toBe("2026-03-10T21:00:00.000Z");
  });

  it("reads shift starts in the zone valid at the time after a change of timezone", () => {
    const history: ShiftRulesVersion[] = [
      ...defaultShiftHistory(BERLIN),
      { effectiveFrom: "2026-03-10T21:00:00.000Z", timezone: "America/New_York", shifts: defaultShiftHistory(BERLIN)[0]?.shifts ?? [] },
    ];
    // Before: 14:00 in Berlin (13:00 UTC).
    expect(iso(currentShiftStart(new Date("2026-03-10T20:00:00Z"), history))).toBe("2026-03-10T13:00:00.000Z");
    // After: 14:00 in New York (EDT from 8 March: 18:00 UTC) — the shift that took over at 21:00 UTC is New York's late shift.
    expect(shiftAt(new Date("2026-03-10T21:30:00Z"), history)).toEqual({ start: new Date("2026-03-10T21:00:00Z"), name: "Late" });
    expect(iso(nextShiftStart(new Date("2026-03-10T21:30:00Z"), history))).toBe("2026-03-11T02:00:00.000Z");
    expect(iso(currentShiftStart(new Date("2026-03-11T12:00:00Z"), history))).toBe("2026-03-11T10:00:00.000Z");
  });

  it("works with one shift a day and with starts on the half hour", () => {
    const one: ShiftRulesVersion[] = [{ effectiveFrom: "1970-01-01T00:00:00.000Z", timezone: BERLIN, shifts: [{ start: "07:30", name: "Day" }] }];
    expect(iso(currentShiftStart(new Date("2026-03-29T05:00:00Z"), one))).toBe("2026-03-28T06:30:00.000Z");
    expect(iso(nextShiftStart(new Date("2026-03-28T06:30:00Z"), one))).toBe("2026-03-29T05:30:00.000Z");
  });
});
