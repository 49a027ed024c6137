import { describe, expect, it } from "vitest";
import { BACKOFF_CAP_MS, backoffMs, parseRetryAfter } from "../../src/retry.ts";

describe("backoffMs", () => {
  it("grows from 500 ms by 2x up to 30 s, with full jitter", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, () => 0.999999))).toEqual([499, 999, 1999, 3999]);
    expect(backoffMs(20, () => 0.999999)).toBe(BACKOFF_CAP_MS - 1);
    expect(backoffMs(3, () => 0)).toBe(0);
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    const now = Date.parse("2026-11-25T12:00:00Z");
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter("Wed, 25 Nov 2026 12:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Wed, 25 Nov 2026 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
