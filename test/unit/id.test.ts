import { describe, expect, it } from "vitest";
import { createId } from "../../src/id.ts";
import { utf8Bytes } from "../../src/utf8.ts";

describe("createId", () => {
  it("returns distinct RFC 9562 v7 UUIDs", () => {
    const ids = Array.from({ length: 10_000 }, () => createId());
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("starts with the 48-bit millisecond timestamp, so ids sort by creation time", () => {
    const at = Date.UTC(2026, 11, 4, 5, 30, 0, 123);
    const id = createId(at);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
    expect(createId(at + 1) > id).toBe(true);
    expect(createId(0).startsWith("00000000-0000-7")).toBe(true);
    expect(createId(2 ** 48 - 1).startsWith("ffffffff-ffff-7")).toBe(true);
  });

  it("orders ids of one millisecond by creation (monotonic random), and they stay distinct", () => {
    const at = Date.UTC(2026, 11, 4, 5, 30, 0, 456);
    const ids = Array.from({ length: 5000 }, () => createId(at));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("draws fresh random bits for each new millisecond", () => {
    const tails = new Set(Array.from({ length: 200 }, (_, i) => createId(1_700_000_000_000 + i * 7).slice(15)));
    expect(tails.size).toBe(200);
  });

  it("spreads the hex digits of new milliseconds evenly (the random bytes are used, not a counter)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++)
      for (const ch of createId(1_700_000_000_000 + i)
        .replace(/-/g, "")
        .slice(16))
        counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(16);
    for (const n of counts.values()) expect(n).toBeGreaterThan(1500); // 32000 digits / 16 = 2000 each
  });

  it("works where Web Crypto is missing", async () => {
    const original = Object.getOwnPropertyDescriptor(globalThis, "crypto");
    Object.defineProperty(globalThis, "crypto", { value: undefined, configurable: true });
    try {
      const ids = Array.from({ length: 500 }, () => createId()); // more than one pool refill
      expect(new Set(ids).size).toBe(500);
    } finally {
      if (original) Object.defineProperty(globalThis, "crypto", original);
    }
  });
});

describe("utf8Bytes", () => {
  it("matches TextEncoder for ASCII, 2-, 3- and 4-byte characters", () => {
    for (const text of ["", "plain", "é", "€uro", "😀 and ü", "\u{10FFFF}", "a\uD800b"]) {
      expect(utf8Bytes(text)).toBe(new TextEncoder().encode(text).length);
    }
  });
});
