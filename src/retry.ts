/** First backoff step, in ms. */
export const BACKOFF_BASE_MS = 500;
/** Longest backoff, in ms. */
export const BACKOFF_CAP_MS = 30_000;

/**
 * Delay before retry number `attempt` (1-based): exponential from 500 ms, factor 2, cap 30 s,
 * full jitter (a uniform pick in [0, ceiling]) so many clients that failed together do not
 * come back together.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Milliseconds to wait from a `Retry-After` header: delta-seconds or an HTTP date
 * (RFC 9110 section 10.2.3). Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header == null) return undefined;
  const text = header.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
