// When a burst of keys is a scanner and not a person: DOM-free, so it is tested on its own.

/** Keys closer together than this (the burst's median gap) are a scanner, not a person (people type 80+ ms apart). */
export const SCAN_KEY_GAP_MS = 35;
/**
 * One gap this long ends a burst. Scanners send evenly, but a busy page (or machine) delivers
 * their keys in clumps, so a few late keys must not split a scan in two: the median decides.
 */
export const SCAN_MAX_PAUSE_MS = 250;
/** Shorter bursts are too likely a fast typist's word; every pickup code is longer. */
export const SCAN_MIN_LENGTH = 6;

export interface BurstPace {
  /** Milliseconds between the burst's keys so far (one fewer than its keys). */
  gaps: number[];
  lastAt: number;
}

/** The next key (at `now`) belongs to the same burst. */
export function continuesBurst(burst: BurstPace, now: number): boolean {
  return now - burst.lastAt < SCAN_MAX_PAUSE_MS;
}

/** Gaps at a person's pace in a row that make a burst typing (a busy page delays a scanner's keys now and then, not on end). */
export const TYPING_GAPS_IN_A_ROW = 3;

/** The last few gaps were all at a person's pace: the burst is typing, its keys belong where they were typed. */
export function looksLikeTyping(burst: BurstPace): boolean {
  const recent = burst.gaps.slice(-TYPING_GAPS_IN_A_ROW);
  return recent.length === TYPING_GAPS_IN_A_ROW && recent.every((gap) => gap >= SCAN_KEY_GAP_MS);
}

/** Enter at `now` ends a scan: long enough, and at a scanner's pace (Enter's own gap counted). */
export function endsScan(burst: BurstPace, now: number): boolean {
  if (burst.gaps.length + 1 < SCAN_MIN_LENGTH || !continuesBurst(burst, now)) return false;
  return median([...burst.gaps, now - burst.lastAt]) < SCAN_KEY_GAP_MS;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
