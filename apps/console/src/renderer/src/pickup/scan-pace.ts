// When a burst of keys is a scanner and not a person: DOM-free, so it is tested on its own.

/** Keys closer together than this on average are a scanner, not a person (people type 80+ ms apart). */
export const SCAN_KEY_GAP_MS = 35;
/**
 * One gap this long ends a burst. Scanners send evenly, but a busy page (or machine) delivers
 * their keys in clumps, so a single late key must not split a scan in two.
 */
export const SCAN_MAX_PAUSE_MS = 250;
/** Shorter bursts are too likely a fast typist's word; every pickup code is longer. */
export const SCAN_MIN_LENGTH = 6;

export interface BurstPace {
  /** Keys in the burst so far. */
  count: number;
  /** When the second key came: the pace is measured from there. */
  secondAt: number | null;
  lastAt: number;
}

/**
 * This key (or Enter) keeps the burst at scanner pace: no long pause, and the keys since the
 * second one came on average faster than a person types. The first gap does not count: the
 * first key lands in the screen (a field re-renders), so the second one is often late.
 */
export function atScannerPace(burst: BurstPace, now: number): boolean {
  if (now - burst.lastAt >= SCAN_MAX_PAUSE_MS) return false;
  if (burst.secondAt === null) return true;
  return (now - burst.secondAt) / (burst.count - 1) < SCAN_KEY_GAP_MS;
}

