import { describe, expect, it } from "vitest";
import { createId } from "../../src/id.ts";
import { utf8Bytes } from "../../src/utf8.ts";

describe("createId", () => {
  it("returns distinct RFC 4122 v4 UUIDs", () => {
    const ids = Array.from({ length: 10_000 }, createId);
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("falls back to getRandomValues where randomUUID is missing (insecure pages)", () => {
    const original = globalThis.crypto.randomUUID;
    Object.defineProperty(globalThis.crypto, "randomUUID", { value: undefined, configurable: true });
    try {
      expect(createId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    } finally {
      Object.defineProperty(globalThis.crypto, "randomUUID", { value: original, configurable: true });
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
