/**
 * When a failed notification is tried again: exponential backoff with jitter, capped, over a long
 * horizon (24 hours by default), so a receiver that is down overnight still gets every event. The
 * jitter spreads the retries of many notifications that failed together (a receiver restarting)
 * instead of sending them back all at once.
 */
export interface RetryPolicy {
  /** Delay before the second attempt, before jitter. */
  baseDelayMs: number;
  /** Longest delay between two attempts. */
  maxDelayMs: number;
  /** How long after its first attempt a notification is still retried. */
  horizonMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 1_000,
  maxDelayMs: 60 * 60_000,
  horizonMs: 24 * 60 * 60_000,
};

/** The delay after `attempts` failed attempts: base × 2^(attempts−1), capped, with ±25 % jitter. */
export function retryDelay(policy: RetryPolicy, attempts: number, random: () => number = Math.random): number {
  const exponential = policy.baseDelayMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40);
  const capped = Math.min(exponential, policy.maxDelayMs);
  return Math.round(capped * (0.75 + 0.5 * random()));
}

/** True when a retry after `delayMs` would fall outside the horizon counted from the first attempt. */
export function beyondHorizon(policy: RetryPolicy, firstAttemptAt: number, now: number, delayMs: number): boolean {
  return now + delayMs - firstAttemptAt > policy.horizonMs;
}
