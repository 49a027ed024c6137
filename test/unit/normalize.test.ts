import { describe, expect, it } from "vitest";
import { MAX_DEPTH, normalize } from "../../src/normalize.ts";

describe("normalize", () => {
  it("turns typed arrays into arrays and non-finite floats into null", () => {
    expect(normalize(new Float32Array([1.5, Number.NaN, Number.POSITIVE_INFINITY]))).toEqual([1.5, null, null]);
    expect(normalize(new Int8Array([-1, 2]))).toEqual([-1, 2]);
    expect(normalize(new BigInt64Array([1n, -2n]))).toEqual(["1", "-2"]);
    expect(normalize(new DataView(new Uint8Array([7, 8]).buffer))).toEqual([7, 8]);
  });

  it("turns BigInt into a string and NaN/Infinity into null", () => {
    expect(normalize({ a: 10n ** 20n, b: Number.NaN, c: -Infinity })).toEqual({ a: "100000000000000000000", b: null, c: null });
  });

  it("turns Date into an ISO string, Map into an object, Set into an array, Error into {name, message}", () => {
    expect(normalize(new Date(0))).toBe("1970-01-01T00:00:00.000Z");
    expect(normalize(new Date(Number.NaN))).toBeNull();
    expect(
      normalize(
        new Map<unknown, unknown>([
          ["a", 1],
          [2, new Set([1, 2])],
        ]),
      ),
    ).toEqual({ a: 1, "2": [1, 2] });
    expect(normalize(new TypeError("bad"))).toEqual({ name: "TypeError", message: "bad" });
  });

  it("replaces circular references with a marker and keeps shared (non-circular) ones", () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    const shared = { v: 1 };
    expect(normalize(a)).toEqual({ x: 1, self: "[Circular]" });
    expect(normalize({ p: shared, q: shared })).toEqual({ p: { v: 1 }, q: { v: 1 } });
    const arr: unknown[] = [1];
    arr.push(arr);
    expect(normalize(arr)).toEqual([1, "[Circular]"]);
  });

  it("leaves out functions, symbols and undefined in objects and makes them null in arrays, as JSON does", () => {
    expect(normalize({ f: () => 1, s: Symbol("x"), u: undefined, k: 1 })).toEqual({ k: 1 });
    expect(normalize([() => 1, undefined, Symbol("y")])).toEqual([null, null, null]);
  });

  it("gives the same text as JSON.stringify for plain JSON data", () => {
    const value = { a: [1, "two", { three: true, four: null }], b: "ü ✓ 😀", c: -0.5 };
    expect(JSON.stringify(normalize(value))).toBe(JSON.stringify(value));
  });

  it("copies: later changes to the input do not show in the copy", () => {
    const features = new Float32Array([1, 2]);
    const meta = { tags: ["a"] };
    const copy = normalize({ features, meta }) as { features: number[]; meta: { tags: string[] } };
    features[0] = 99;
    meta.tags.push("b");
    expect(copy).toEqual({ features: [1, 2], meta: { tags: ["a"] } });
  });

  it("uses toJSON, and survives a throwing getter or toJSON", () => {
    expect(normalize({ when: { toJSON: () => "custom" } })).toEqual({ when: "custom" });
    expect(
      normalize({
        bad: {
          toJSON: () => {
            throw new Error("no");
          },
        },
      }),
    ).toEqual({ bad: null });
    const trap = Object.defineProperty({}, "x", {
      enumerable: true,
      get: () => {
        throw new Error("boom");
      },
    });
    expect(normalize(trap)).toBe("[Unserializable: boom]");
  });

  it("cuts nesting deeper than MAX_DEPTH instead of overflowing the stack", () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < MAX_DEPTH + 10; i++) {
      const next = {};
      deep.n = next;
      deep = next;
    }
    expect(JSON.stringify(normalize(root))).toContain("[MaxDepth]");
  });

  it("summarises long arrays of rows even when the first row is empty (the element count is no guide)", () => {
    const rows = Array.from({ length: 100_001 }, (_, i) => (i === 0 ? [] : [i]));
    expect(normalize(rows)).toMatchObject({ _tensor: { shape: [100_001, 0], sample: [[], [1], [2], [3], [4]], truncated: true } });
    const nested = [Array.from({ length: 100 }, () => []), [[1]]];
    expect(normalize(nested)).toMatchObject({ _tensor: { shape: [2, 100, 0], sample: [[], [1]], truncated: true } });
    expect(normalize([[], [1], [2]])).toEqual([[], [1], [2]]);
  });

  it("sends class instances as their own enumerable fields", () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    expect(normalize(new Point(1, 2))).toEqual({ x: 1, y: 2 });
  });
});
