// Wall-clock arithmetic in a site's IANA timezone with nothing but Intl. Instants are UTC
// (Date); a "wall time" is what the clock on the shop's wall shows. Every conversion goes through
// the zone's real UTC offset at that instant, so days of 23 or 25 hours come out as they are.
import { DomainError } from "./errors.ts";
import { HANDOFF_BOUNDARY_PATTERN } from "./handoff.ts";

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = partFormatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
    } catch {
      // The zone comes from the site's settings, not from the caller: say so instead of a 500.
      throw new DomainError("VALIDATION_FAILED", `The site's timezone "${timeZone}" is not a known IANA zone; an admin must correct it.`);
    }
    partFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** What the wall clock in `timeZone` shows at `instant`. */
export function wallTimeAt(instant: Date, timeZone: string): WallTime {
  const values: Record<string, number> = {};
  for (const part of partsFormatter(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") values[part.type] = Number(part.value);
  }
  return {
    year: values.year ?? 0,
    month: values.month ?? 1,
    day: values.day ?? 1,
    hour: values.hour ?? 0,
    minute: values.minute ?? 0,
    second: values.second ?? 0,
  };
}

function wallAsUtcMs(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** The zone's offset from UTC at `instantMs`, in ms (Berlin in summer: +7 200 000). */
function offsetMs(instantMs: number, timeZone: string): number {
  const flooredToSecond = Math.floor(instantMs / 1000) * 1000;
  return wallAsUtcMs(wallTimeAt(new Date(flooredToSecond), timeZone)) - flooredToSecond;
}

const DAY_MS = 86_400_000;

/**
 * The instant at which the wall clock shows `wall`. The two offsets a day either side are the
 * only candidates (zones change offset at most once a day). A wall time that happens twice
 * (fall-back) resolves to the first occurrence; one that never happens (spring-forward gap)
 * moves forward by the gap, 02:30 becoming 03:30: the same rule as Temporal's "compatible".
 */
export function instantOfWallTime(wall: WallTime, timeZone: string): Date {
  const local = wallAsUtcMs(wall);
  const before = offsetMs(local - DAY_MS, timeZone);
  const after = offsetMs(local + DAY_MS, timeZone);
  const matches = [...new Set([before, after])]
    .map((offset) => local - offset)
    .filter((candidate) => offsetMs(candidate, timeZone) === local - candidate)
    .sort((a, b) => a - b);
  return new Date(matches[0] ?? local - before);
}

/** The calendar day `days` after the wall time's day (same clock time), with month/year carry. */
export function addDays(wall: WallTime, days: number): WallTime {
  const shifted = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + days));
  return { ...wall, year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/**
 * How callers write a period boundary: `2026-03-29`, `2026-03-29T06:00` (a wall time at the site)
 * or either with seconds, milliseconds and a zone (`Z`, `+02:00`: an instant).
 */
export const BOUNDARY_PATTERN = HANDOFF_BOUNDARY_PATTERN;

/**
 * A period boundary as an instant: with a zone it is taken as is, without one it is read on the
 * site's wall clock. Null when it is not a real calendar date and time. Parsed by hand because
 * `new Date(text)` reads zone-less text in the server's own timezone.
 */
export function parseBoundary(text: string, timeZone: string): Date | null {
  const match = BOUNDARY_PATTERN.exec(text);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, ms, zone] = match;
  const wall: WallTime = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h ?? 0),
    minute: Number(mi ?? 0),
    second: Number(s ?? 0),
  };
  const asUtc = new Date(wallAsUtcMs(wall));
  const real =
    wall.year >= 2000 &&
    wall.year <= 9999 &&
    asUtc.getUTCMonth() === wall.month - 1 &&
    asUtc.getUTCDate() === wall.day &&
    asUtc.getUTCHours() === wall.hour &&
    asUtc.getUTCMinutes() === wall.minute &&
    asUtc.getUTCSeconds() === wall.second;
  if (!real) return null;
  const millis = Number((ms ?? "").padEnd(3, "0"));
  if (zone === undefined) return new Date(instantOfWallTime(wall, timeZone).getTime() + millis);
  if (zone === "Z") return new Date(asUtc.getTime() + millis);
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  if (offsetMinutes > 18 * 60) return null;
  return new Date(asUtc.getTime() + millis - sign * offsetMinutes * 60_000);
}

const displayFormatters = new Map<string, Intl.DateTimeFormat>();

/** A moment as people at the site read it: "Sun, 29 Mar 2026, 03:15 CEST". */
export function formatLocal(instant: Date, timeZone: string, withZone = true): string {
  const key = `${timeZone}|${withZone}`;
  let formatter = displayFormatters.get(key);
  if (!formatter) {
    partsFormatter(timeZone);
    formatter = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      weekday: "short",
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      ...(withZone ? { timeZoneName: "short" as const } : {}),
    });
    displayFormatters.set(key, formatter);
  }
  return formatter.format(instant);
}

const shortFormatters = new Map<string, Intl.DateTimeFormat>();

/** A moment within a shift report, where the period already says the date: "29 Mar, 03:15". */
export function formatLocalShort(instant: Date, timeZone: string): string {
  let formatter = shortFormatters.get(timeZone);
  if (!formatter) {
    partsFormatter(timeZone);
    formatter = new Intl.DateTimeFormat("en-GB", { timeZone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    shortFormatters.set(timeZone, formatter);
  }
  return formatter.format(instant);
}
