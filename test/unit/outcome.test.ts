import { describe, expect, it } from "vitest";
import { classifyStatus, type Outcome } from "../../src/outcome.ts";

describe("classifyStatus", () => {
  // [status, kind, drop reason]: the delivery rules of the product contract, one row per status class.
  const table: [number, Outcome["kind"], string?][] = [
    [200, "ok"],
    [202, "ok"],
    [204, "ok"],
    [301, "drop", "rejected"], // redirects are never followed: a followed POST becomes a GET
    [302, "drop", "rejected"],
    [303, "drop", "rejected"],
    [307, "drop", "rejected"],
    [308, "drop", "rejected"],
    [400, "drop", "rejected"],
    [401, "drop", "unauthorized"],
    [403, "drop", "unauthorized"],
    [404, "drop", "rejected"],
    [408, "retry"],
    [413, "split"],
    [422, "drop", "rejected"],
    [429, "retry"],
    [500, "retry"],
    [501, "drop", "rejected"],
    [502, "retry"],
    [503, "retry"],
    [504, "retry"],
    [505, "drop", "rejected"],
  ];
  for (const [status, kind, reason] of table) {
    it(`${status} -> ${kind}${reason ? ` (${reason})` : ""}`, () => {
      const outcome = classifyStatus(status, undefined, "m");
      expect(outcome.kind).toBe(kind);
      if (reason) expect(outcome).toMatchObject({ reason });
      if (kind !== "ok") expect(outcome).toMatchObject({ status, message: "m" });
    });
  }

  it("honours Retry-After on 429 and 503 only", () => {
    expect(classifyStatus(429, 1000, "")).toMatchObject({ afterMs: 1000 });
    expect(classifyStatus(503, 1000, "")).toMatchObject({ afterMs: 1000 });
    expect(classifyStatus(500, 1000, "")).not.toHaveProperty("afterMs");
    expect(classifyStatus(503, undefined, "")).not.toHaveProperty("afterMs");
  });
});
