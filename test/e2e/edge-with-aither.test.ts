// The edge entry's withAither, run in Node against the real collector; the context's waitUntil
// is a recorder (the host we cannot start here). The real hosts are in
// test/runtimes/edge-runtime.test.ts (Vercel's Edge Runtime) and nextjs.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as edge from "../../adapters/edge.ts";
import type { Collector } from "../../collector/index.ts";
import { AitherValidationError } from "../../src/errors.ts";
import { startTestCollector, storedIds } from "../helpers/collector.ts";

let collector: Collector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(async () => {
  await edge.close();
  await collector.close();
});

/** A request context whose waitUntil keeps what it was given. */
function context(): { waitUntil(p: Promise<unknown>): void; handed: Promise<unknown>[] } {
  const handed: Promise<unknown>[] = [];
  return { handed, waitUntil: (p) => handed.push(p) };
}

const request = (): Request => new Request("http://localhost/", { method: "POST" });

describe("edge withAither", () => {
  it("hands a flush to ctx.waitUntil at the end of each invocation, also when the handler throws, and rethrows", async () => {
    let id = "";
    const handler = edge.withAither(
      async () => {
        id = edge.logPrediction({ modelId: "m", prediction: 1 });
        throw new Error("model failed");
      },
      { endpoint: collector.url },
    );
    const ctx = context();
    await expect(handler(request(), ctx)).rejects.toThrow("model failed");
    expect(ctx.handed).toHaveLength(1);
    // Nothing is sent until that flush: the edge entry has no timer.
    expect(storedIds(collector)).not.toContain(id);
    await Promise.all(ctx.handed);
    expect(storedIds(collector)).toContain(id);
    expect(collector.requests.at(-1)?.headers["x-aither-sdk"]).toMatch(/\(edge\)$/);
  });

  it("refuses a context without waitUntil, naming ctx (a Next.js route handler gets none: use after())", async () => {
    const handler = edge.withAither(async () => new Response("ok"));
    const call = handler(request(), { params: {} } as never);
    await expect(call).rejects.toBeInstanceOf(AitherValidationError);
    await expect(call).rejects.toThrow(/^ctx must have a waitUntil method .*after\(\(\) => aither\.flush\(\)\)/);
  });

  it("checks options given as an object when wrapping, naming the option", () => {
    expect(() => edge.withAither(async () => new Response("ok"), { flushInterval: -1 })).toThrow(/flushInterval/);
  });
});
