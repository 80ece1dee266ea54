// A site's shifts: the wall-clock times at which one shift hands over to the next, and the zone
// those times are read in. An admin's change applies from the next shift, so the rules are a
// history of versions, each valid from an instant; every period (a handoff's, a reminder's, the
// console's offline summary) is computed with the version valid at the time it is about. Pure, so
// the server and the console compute the same boundaries.
import { z } from "zod";
import { addDays, instantOfWallTime, wallTimeAt } from "./zoned-time.ts";

export const SHIFTS_MAX = 6;
export const SHIFT_NAME_MAX = 40;

/** A shift as stored and shown: its start on the wall clock ("06:00") and its name. */
export interface ShiftDefinition {
  start: string;
  name: string;
}

/** What a site works to until an admin says otherwise: early 06–14, late 14–22, night 22–06. */
export const DEFAULT_SHIFTS: readonly ShiftDefinition[] = [
  { start: "06:00", name: "Early" },
  { start: "14:00", name: "Late" },
  { start: "22:00", name: "Night" },
];

/** The base version of a site that never changed its rules: valid from the beginning of time. */
export const SHIFT_RULES_BASE_FROM = "1970-01-01T00:00:00.000Z";

const START_PATTERN = /^(\d{1,2})(?::(\d{2}))?$/;

/** "6", "06", "6:30" or "06:30" → "06:30"; undefined when it is no time of day. */
export function normaliseShiftStart(text: string): string | undefined {
  const match = START_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const hour = Number(match[1]);
  const minute = Number(match[2] ?? 0);
  if (hour > 23 || minute > 59) return undefined;
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}

const minutesOf = (start: string): number => Number(start.slice(0, 2)) * 60 + Number(start.slice(3, 5));

export const ShiftStart = z
  .string()
  .trim()
  .refine((text) => normaliseShiftStart(text) !== undefined, "Enter the start as a time of day on the shop's clock: a whole hour (6) or hours and minutes (06:30), from 00:00 to 23:59.")
  .transform((text) => normaliseShiftStart(text) ?? text);

export const ShiftName = z
  .string()
  .trim()
  .min(1, "Give the shift a name people use, e.g. Early, Late or Night.")
  .max(SHIFT_NAME_MAX, `A shift's name can be at most ${SHIFT_NAME_MAX} characters.`);

export const ShiftInput = z.strictObject({ start: ShiftStart, name: ShiftName });

/** 1–6 shifts, in the order they start within a day (a shift runs until the next one starts; the last one past midnight). */
export const ShiftList = z
  .array(ShiftInput)
  .min(1, "A site works at least one shift: add its start time.")
  .max(SHIFTS_MAX, `At most ${SHIFTS_MAX} shifts a day; merge some of them.`)
  .superRefine((shifts, issues) => {
    shifts.forEach((shift, index) => {
      const before = shifts[index - 1];
      if (before && minutesOf(shift.start) <= minutesOf(before.start)) {
        issues.addIssue({
          code: "custom",
          path: [index, "start"],
          message: `${shift.name} starts at ${shift.start}, which is not after ${before.name} (${before.start}): list the shifts in the order they start within one day, each later than the one before.`,
        });
      }
      const twin = shifts.findIndex((other) => other.name.toLowerCase() === shift.name.toLowerCase());
      if (twin !== index) {
        issues.addIssue({ code: "custom", path: [index, "name"], message: `Two shifts are called "${shift.name}": give each shift its own name.` });
      }
    });
  });
export type ShiftList = z.output<typeof ShiftList>;

/** One version of the rules, as the server answers and a console caches it. */
export const ShiftRulesVersion = z.object({
  /** From this instant on (the start of the next shift under the rules before). */
  effectiveFrom: z.string(),
  timezone: z.string(),
  shifts: z.array(z.object({ start: z.string(), name: z.string() })).min(1),
});
export type ShiftRulesVersion = z.infer<typeof ShiftRulesVersion>;

/** Versions in the order they apply (effectiveFrom ascending); the first one applies to everything before it too. */
export type ShiftHistory = readonly ShiftRulesVersion[];

/** The history of a site that never changed its rules. */
export function defaultShiftHistory(timeZone: string): ShiftRulesVersion[] {
  return [{ effectiveFrom: SHIFT_RULES_BASE_FROM, timezone: timeZone, shifts: DEFAULT_SHIFTS.map((s) => ({ ...s })) }];
}

/** The version valid at `instant` (the first one for instants before any). */
export function shiftRulesAt(instant: Date, history: ShiftHistory): ShiftRulesVersion {
  let valid = history[0];
  if (!valid) throw new Error("A shift history has at least one version.");
  for (const version of history) {
    if (Date.parse(version.effectiveFrom) <= instant.getTime()) valid = version;
  }
  return valid;
}

/** A shift as it ran: when it began and what it is called. */
export interface ShiftPoint {
  start: Date;
  name: string;
}

/** The shift starts of one version on the days `fromDay`..`toDay` around `instant`'s day, in time order. */
function startsAround(instant: Date, version: ShiftRulesVersion, fromDay: number, toDay: number): ShiftPoint[] {
  const today = wallTimeAt(instant, version.timezone);
  const points: ShiftPoint[] = [];
  for (let offset = fromDay; offset <= toDay; offset += 1) {
    const day = addDays(today, offset);
    for (const shift of version.shifts) {
      const minutes = minutesOf(shift.start);
      points.push({ start: instantOfWallTime({ ...day, hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0 }, version.timezone), name: shift.name });
    }
  }
  // A stable sort: two starts that a daylight-saving gap folds onto one instant keep their order, the later shift winning.
  return points.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** The latest start of `version`'s own grid at or before `instant`. */
function lastStartOf(instant: Date, version: ShiftRulesVersion): ShiftPoint {
  const started = startsAround(instant, version, -2, 0).filter((p) => p.start.getTime() <= instant.getTime());
  // Two days back always holds a start (at least one shift a day), so there is one.
  return started[started.length - 1] ?? { start: instant, name: version.shifts[0]?.name ?? "" };
}

/**
 * The shift running at `instant`: the latest start of the rules valid then, or, when those rules
 * took over after it, their own start (a change applies from a boundary of the rules before it,
 * and the shift that begins there is the new rules' shift running at that wall time).
 */
export function shiftAt(instant: Date, history: ShiftHistory): ShiftPoint {
  const version = shiftRulesAt(instant, history);
  const from = new Date(version.effectiveFrom);
  const own = lastStartOf(instant, version);
  if (own.start.getTime() >= from.getTime()) return own;
  return { start: from, name: lastStartOf(from, version).name };
}

/** When the shift running at `instant` began. */
export function currentShiftStart(instant: Date, history: ShiftHistory): Date {
  return shiftAt(instant, history).start;
}

/** The first shift start after `instant`: the rules valid then, unless a later version takes over first. */
export function nextShiftStart(instant: Date, history: ShiftHistory): Date {
  const version = shiftRulesAt(instant, history);
  const own = startsAround(instant, version, 0, 2).find((p) => p.start.getTime() > instant.getTime());
  const takeover = history.map((v) => Date.parse(v.effectiveFrom)).find((at) => at > instant.getTime());
  const candidates = [own?.start.getTime(), takeover].filter((at): at is number => at !== undefined);
  return new Date(Math.min(...candidates));
}
