// How a moment is shown to people, on screen and on paper: on the site's wall clock, never the
// device's. A console in another zone than its shop (a laptop set to UTC, a browser elsewhere)
// shows the same times as the shop's clock. The zone is said once per screen or page
// (`siteZoneLabel`), not after every time.
import { formatLocal, wallTimeAt } from "./zoned-time.ts";

const toDate = (instant: Date | string): Date => (typeof instant === "string" ? new Date(instant) : instant);

/** "Sat, 5 Dec 2026, 01:48" on the site's clock. */
export function formatSiteTime(instant: Date | string, timeZone: string): string {
  return formatLocal(toDate(instant), timeZone, false);
}

const clockFormatters = new Map<string, Intl.DateTimeFormat>();

/** "01:48:37" on the site's clock: a time of today, beside a relative one. */
export function formatSiteClock(instant: Date | string, timeZone: string): string {
  let formatter = clockFormatters.get(timeZone);
  if (!formatter) {
    // formatLocal first: it refuses an unknown zone in words.
    formatLocal(new Date(0), timeZone, false);
    formatter = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    clockFormatters.set(timeZone, formatter);
  }
  return formatter.format(toDate(instant));
}

/** "Europe/Berlin (CET)": the zone and the name its clock goes by at `at` (CEST in summer). */
export function siteZoneLabel(timeZone: string, at: Date = new Date()): string {
  const withZone = formatLocal(at, timeZone, true);
  const abbreviation = withZone.slice(formatLocal(at, timeZone, false).length).trim();
  return abbreviation && abbreviation !== timeZone ? `${timeZone} (${abbreviation})` : timeZone;
}

/** "2026-12-05": the site's calendar day at `instant`, for file names and the like. */
export function siteDateStamp(instant: Date | string, timeZone: string): string {
  const wall = wallTimeAt(toDate(instant), timeZone);
  return `${wall.year}-${String(wall.month).padStart(2, "0")}-${String(wall.day).padStart(2, "0")}`;
}
