import type { DropReason } from "./types.ts";

/** What to do with a batch after one request. HTTP answers are values, never throws. */
export type Outcome =
  | { kind: "ok"; status: number }
  | { kind: "retry"; status?: number; afterMs?: number; timeout?: boolean; message: string }
  | { kind: "split"; status: number; message: string }
  | { kind: "drop"; status: number; reason: DropReason; message: string };

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Classify an HTTP answer (SPEC section 3): 2xx ok; 408/429/5xx listed retry (429 and 503
 * honour Retry-After); 413 split; 401/403 unauthorized; other statuses rejected, 3xx included
 * (redirects are never followed: see NO_REDIRECTS in transport.ts).
 */
export function classifyStatus(status: number, retryAfterMs: number | undefined, message: string): Outcome {
  if (status >= 200 && status < 300) return { kind: "ok", status };
  if (RETRYABLE.has(status)) {
    const afterMs = status === 429 || status === 503 ? retryAfterMs : undefined;
    return afterMs === undefined ? { kind: "retry", status, message } : { kind: "retry", status, afterMs, message };
  }
  if (status === 413) return { kind: "split", status, message };
  if (status === 401 || status === 403) return { kind: "drop", status, reason: "unauthorized", message };
  return { kind: "drop", status, reason: "rejected", message };
}
