// CORS for browser pages: the SDK in a page on another origin must pass the preflight with
// any headers its `headers` option adds, and must be able to read Retry-After (not a
// CORS-safelisted response header) to pause after a 429 or 503.
import { describe, expect, it } from "vitest";
import type { Collector } from "../../collector/index.ts";
import { post, prediction, predictionBatch, useCollector } from "./helpers.ts";

const ORIGIN = "http://page.localhost:5173";
const start = useCollector();

function preflight(c: Collector, requestHeaders?: string): Promise<Response> {
  const headers: Record<string, string> = { origin: ORIGIN, "access-control-request-method": "POST" };
  if (requestHeaders !== undefined) headers["access-control-request-headers"] = requestHeaders;
  return fetch(`${c.url}/v1/predictions/batch`, { method: "OPTIONS", headers });
}

/** Header names of a comma-separated CORS list, lower-cased. */
function names(value: string | null): string[] {
  return (value ?? "")
    .split(",")
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
}

describe("collector CORS", () => {
  it("answers a preflight with the request headers it asks for (custom headers such as Authorization)", async () => {
    const c = await start();
    const asked = "authorization, content-type, x-api-key, x-aither-sdk, idempotency-key, x-tenant-id";
    const res = await preflight(c, asked);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(names(res.headers.get("access-control-allow-headers"))).toEqual(expect.arrayContaining(names(asked)));
    expect(names(res.headers.get("access-control-allow-methods"))).toContain("post");
    // The answer depends on what was asked: caches must key on it.
    expect(names(res.headers.get("vary"))).toEqual(expect.arrayContaining(["origin", "access-control-request-headers"]));
  });

  it("falls back to the SDK's own headers when a preflight names none", async () => {
    const c = await start();
    const res = await preflight(c);
    expect(res.status).toBe(204);
    expect(names(res.headers.get("access-control-allow-headers"))).toEqual(
      expect.arrayContaining(["content-type", "content-encoding", "x-api-key", "idempotency-key", "x-aither-sdk"]),
    );
  });

  it("exposes Retry-After to the page on fault answers and normal ones", async () => {
    const c = await start({ faults: { failFirst: 1, status: 429, retryAfter: 2 } });
    const send = (id: string) => post(`${c.url}/v1/predictions/batch`, predictionBatch([prediction(id)]), { headers: { origin: ORIGIN } });
    const limited = await send("a");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("2");
    expect(limited.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(names(limited.headers.get("access-control-expose-headers"))).toContain("retry-after");
    const ok = await send("a");
    expect(ok.status).toBe(200);
    expect(names(ok.headers.get("access-control-expose-headers"))).toContain("retry-after");
  });

  it("sends no CORS headers to a request without an Origin", async () => {
    const c = await start();
    const res = await post(`${c.url}/v1/predictions/batch`, predictionBatch([prediction("a")]));
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-expose-headers")).toBeNull();
  });
});
