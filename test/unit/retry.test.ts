import { describe, expect, it } from "vitest";
import { classifyStatus } from "../../src/outcome.ts";
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

describe("classifyStatus", () => {
  const table: [number, string, string?][] = [
    [200, "ok"],
    [202, "ok"],
    [408, "retry"],
    [429, "retry"],
    [500, "retry"],
    [502, "retry"],
    [503, "retry"],
    [504, "retry"],
    [501, "drop", "rejected"],
    [413, "split"],
    [400, "drop", "rejected"],
    [404, "drop", "rejected"],
    [422, "drop", "rejected"],
    [401, "drop", "unauthorized"],
    [403, "drop", "unauthorized"],
  ];
  for (const [status, kind, reason] of table) {
    it(`${status} -> ${kind}${reason ? ` (${reason})` : ""}`, () => {
      const outcome = classifyStatus(status, undefined, "m");
      expect(outcome.kind).toBe(kind);
      if (reason) expect(outcome).toMatchObject({ reason });
    });
  }

  it("honours Retry-After on 429 and 503 only", () => {
    expect(classifyStatus(429, 1000, "")).toMatchObject({ afterMs: 1000 });
    expect(classifyStatus(503, 1000, "")).toMatchObject({ afterMs: 1000 });
    expect(classifyStatus(500, 1000, "")).not.toHaveProperty("afterMs");
  });
});
