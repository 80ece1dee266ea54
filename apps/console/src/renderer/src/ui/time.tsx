import { formatSiteClock, formatSiteTime, siteZoneLabel } from "@orderdeck/contracts";
import { createContext, useContext, type ReactNode } from "react";

/** "3 min ago", for a timestamp the person also sees exactly (title / <time>). */
export function relativeTime(iso: string, now: Date = new Date()): string {
  const seconds = Math.round((now.getTime() - new Date(iso).getTime()) / 1000);
  if (seconds < 0) return "just now";
  if (seconds < 45) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/**
 * The site's IANA zone, which every time on screen is shown in: the shop's clock, whatever zone
 * the device or browser runs in. Until a site is known (first-run setup) that is UTC, said so.
 */
const SiteZone = createContext<string>("UTC");

export function SiteTimeProvider({ timeZone, children }: { timeZone: string | undefined; children: ReactNode }) {
  return <SiteZone.Provider value={timeZone ?? "UTC"}>{children}</SiteZone.Provider>;
}

export interface SiteTime {
  timeZone: string;
  /** "Sat, 5 Dec 2026, 01:48" on the site's clock. */
  exact(iso: string): string;
  /** "01:48:37" on the site's clock. */
  clock(iso: string): string;
  /** "Europe/Berlin (CET)", said once per screen or page. */
  zone(): string;
}

export function useSiteTime(): SiteTime {
  const timeZone = useContext(SiteZone);
  return {
    timeZone,
    exact: (iso) => formatSiteTime(iso, timeZone),
    clock: (iso) => formatSiteClock(iso, timeZone),
    zone: () => siteZoneLabel(timeZone),
  };
}

/** A <time> showing the exact moment on the site's clock, with the relative one alongside. */
export function When({ iso, relative = false }: { iso: string; relative?: boolean }) {
  const { exact } = useSiteTime();
  return (
    <time dateTime={iso} title={exact(iso)}>
      {relative ? `${relativeTime(iso)} (${exact(iso)})` : exact(iso)}
    </time>
  );
}

/** The one line per screen or printed page that names the zone its times are in. */
export function SiteZoneNote({ className }: { className?: string }) {
  const { zone } = useSiteTime();
  return (
    <span className={className} data-testid="site-zone">
      Times in {zone()}
    </span>
  );
}
