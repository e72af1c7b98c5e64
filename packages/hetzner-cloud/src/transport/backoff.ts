export interface BackoffOptions {
  /** Delay before the first retry, in milliseconds. */
  baseMs: number;
  /** Growth factor per attempt. */
  factor: number;
  /** Upper bound of one delay, in milliseconds. */
  capMs: number;
  /** Spread delays randomly so that concurrent clients do not retry in lockstep. */
  jitter: boolean;
}

/**
 * Delay before retry number `attempt` (0-based): truncated exponential backoff. With jitter the delay is
 * drawn uniformly from [baseMs, min(capMs, baseMs * factor^attempt)] ("full jitter" above the base).
 */
export function backoffDelay(
  options: BackoffOptions,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.capMs, options.baseMs * options.factor ** attempt);
  if (!options.jitter) return ceiling;
  return options.baseMs + random() * Math.max(0, ceiling - options.baseMs);
}
