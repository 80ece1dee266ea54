/**
 * How often and how far apart a delivery (mail, webhook) is tried. The schedule is ours rather
 * than graphile-worker's (e^attempt seconds) so that it can be configured, and so that tests can
 * run it in milliseconds instead of waiting for it.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Wait after the first failed attempt; each later wait doubles. */
  baseDelayMs: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
}

/**
 * The wait before the next attempt, after `failedAttempts` attempts failed: base × 2^(n−1),
 * capped, with ±10 % jitter so that deliveries failed together do not all return together.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempts: number, random: () => number = Math.random): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.round(capped * (0.9 + 0.2 * random()));
}

export function hasAttemptsLeft(policy: RetryPolicy, attemptsMade: number): boolean {
  return attemptsMade < policy.maxAttempts;
}
