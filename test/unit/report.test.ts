import { describe, expect, it } from "vitest";
import { AitherError, AitherHttpError, AitherValidationError, isAitherError } from "../../src/errors.ts";
import { createReporter, dropError } from "../../src/report.ts";

function fakeConsole() {
  const lines: string[] = [];
  return { lines, warn: (m: string) => lines.push(m), log: (m: string) => lines.push(`log:${m}`) };
}

describe("default reporter", () => {
  it("prints the first error of a kind, holds back repeats, and summarises them once sending works again", () => {
    const out = fakeConsole();
    const r = createReporter({ onError: undefined, debug: false, console: out });
    for (let i = 0; i < 5; i++) r.error(new AitherHttpError(503, 10, "down", "batch of 10 answered 503: down"));
    expect(out.lines).toEqual(["[aither] batch of 10 answered 503: down"]);
    r.recovered();
    expect(out.lines[1]).toMatch(/^\[aither\] sending works again; 4 more error\(s\)/);
    r.recovered();
    expect(out.lines).toHaveLength(2);
  });

  it("prints the first drop of each reason once; a working send neither re-prints them nor claims a recovery", () => {
    const out = fakeConsole();
    const r = createReporter({ onError: undefined, debug: false, console: out });
    for (let i = 0; i < 3; i++) {
      r.error(dropError(5, "queue_full", "the queue is full"));
      r.recovered(); // requests keep succeeding while the queue overflows
    }
    r.error(dropError(1, "too_large", "event e1 is 900000 bytes"));
    r.error(dropError(1, "filtered", "beforeSend threw: oops"));
    expect(out.lines).toEqual([
      "[aither] dropped 5 event(s) (queue_full): the queue is full",
      "[aither] dropped 1 event(s) (too_large): event e1 is 900000 bytes",
      "[aither] dropped 1 event(s) (filtered): beforeSend threw: oops",
    ]);
  });

  it("quotes the held-back error itself in the recovery summary", () => {
    const out = fakeConsole();
    const r = createReporter({ onError: undefined, debug: false, console: out });
    r.error(new AitherError("network", "batch of 3 prediction(s) failed 6 times (last: network error: ECONNREFUSED)"));
    r.error(new AitherError("network", "batch of 3 prediction(s) failed 6 times (last: network error: ECONNREFUSED)"));
    r.recovered();
    expect(out.lines[1]).toBe(
      "[aither] sending works again; 1 more error(s) like this were not printed: batch of 3 prediction(s) failed 6 times (last: network error: ECONNREFUSED)",
    );
  });

  it("calls onError and guarded callbacks, and survives them throwing", () => {
    const out = fakeConsole();
    const seen: unknown[] = [];
    const r = createReporter({
      onError: (e) => {
        seen.push(e);
        throw new Error("user bug");
      },
      debug: false,
      console: out,
    });
    expect(() => r.error(new AitherError("network", "x"))).not.toThrow();
    expect(() =>
      r.guard(() => {
        throw new Error("user bug 2");
      }),
    ).not.toThrow();
    expect(seen).toHaveLength(1);
    expect(out.lines.join("\n")).toContain("user bug");
    expect(out.lines.join("\n")).toContain("user bug 2");
  });
});

describe("errors", () => {
  it("AitherValidationError is a TypeError with a field, and isAitherError knows both families", () => {
    const v = new AitherValidationError("modelId", "modelId is required");
    expect(v).toBeInstanceOf(TypeError);
    expect(isAitherError(v)).toBe(true);
    expect(isAitherError(new AitherError("http", "x"))).toBe(true);
    expect(isAitherError(new Error("x"))).toBe(false);
    // another realm: only the brand survives
    const foreign = Object.assign(new Error("x"), { [Symbol.for("aither.error")]: true });
    expect(isAitherError(foreign)).toBe(true);
  });
});
