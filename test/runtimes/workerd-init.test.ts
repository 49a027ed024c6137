// withAither in workerd (miniflare 4) when the configuration is bad or the handler calls
// aither.init(): the worker built from the package the way Wrangler bundles it, sending to the
// real collector on loopback. Needs `npm run build` first (dist/).
import type { Miniflare } from "miniflare";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually, steady, storedIds } from "../helpers/collector.ts";
import { bundleWorker, useWorkerd } from "./workerd-harness.ts";

const workerd = useWorkerd();
const collector = () => workerd.collector();
let script: string;

beforeAll(async () => {
  const bundled = await bundleWorker("test/fixtures/worker-init.ts");
  expect(bundled.inputs).toContain("dist/cloudflare.js");
  script = bundled.script;
});

const startWorker = (bindings: Record<string, string>) => workerd.startWorker(script, bindings);

async function idsOf(mf: Miniflare, path: string): Promise<string[]> {
  const res = await mf.dispatchFetch(`http://worker${path}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { ids: string[] }).ids;
}

function expectNoCrossRequestErrors(output: string[]): void {
  const text = output.join("");
  expect(text).not.toMatch(/Cannot perform I\/O on behalf of a different request/i);
  expect(text).not.toMatch(/will never generate a response|hung|different request context/i);
  expect(text).not.toMatch(/\[aither\]/); // no warning or error from the SDK
}

/** The SDK's warnings in the worker's output that match `pattern`. */
function warnings(output: string[], pattern: RegExp): string[] {
  return output
    .join("")
    .split("\n")
    .filter((line) => line.includes("[aither]") && pattern.test(line));
}

describe("aither.init() inside a withAither handler", () => {
  it("delivers every request's predictions exactly once, the last request's too, each flushed by its own invocation", async () => {
    const c = await collector();
    const { mf, output } = await startWorker({ AITHER_ENDPOINT: c.url });
    const sent: string[] = [];
    for (let i = 0; i < 3; i++) {
      const ids = await idsOf(mf, `/init?n=2&tag=seq-${i}`);
      expect(ids).toHaveLength(4);
      sent.push(...ids);
      // Each invocation's own flush delivers its predictions: logged before init() (through the
      // client init() replaced, closed under this invocation's waitUntil) and after (the new client).
      expect(await eventually(() => sent.every((id) => storedIds(c).includes(id)))).toBe(true);
    }
    expect(new Set(storedIds(c))).toEqual(new Set(sent));
    expect(storedIds(c)).toHaveLength(12);
    expect(c.store.duplicates()).toBe(0);
    expectNoCrossRequestErrors(output);
  });

  it("delivers the predictions of 20 concurrent requests that each call init(), exactly once, with no cross-request I/O", async () => {
    const c = await collector();
    const { mf, output } = await startWorker({ AITHER_ENDPOINT: c.url });
    const sent = (await Promise.all(Array.from({ length: 20 }, (_, i) => idsOf(mf, `/init?n=2&tag=burst-${i}`)))).flat();
    expect(new Set(sent).size).toBe(80);
    expect(await eventually(() => storedIds(c).length >= 80, 20_000)).toBe(true);
    expect(new Set(storedIds(c))).toEqual(new Set(sent));
    expect(c.store.duplicates()).toBe(0);
    expectNoCrossRequestErrors(output);
  });
});

describe("bad configuration in workerd", () => {
  it("a bad env.AITHER_ENDPOINT: every response is the worker's own 200, with one warning naming it", async () => {
    const { mf, output } = await startWorker({ AITHER_ENDPOINT: "not a url" });
    for (let i = 0; i < 3; i++) expect(await idsOf(mf, "/?n=2")).toHaveLength(2);
    expect(await eventually(() => warnings(output, /AITHER_ENDPOINT/).length > 0)).toBe(true);
    // Once per isolate, not once per request (the output arrives late: wait for it to settle).
    expect(await steady(() => warnings(output, /\[aither\]/).length)).toBe(1);
    expect(warnings(output, /AITHER_ENDPOINT/)[0]).toMatch(/not a url/);
  });

  it("an options function that throws: every response is the worker's own 200, with one warning", async () => {
    const c = await collector();
    const { mf, output } = await startWorker({ AITHER_ENDPOINT: c.url, OPTIONS_THROW: "1" });
    for (let i = 0; i < 3; i++) expect(await idsOf(mf, "/?n=2")).toHaveLength(2);
    expect(await eventually(() => warnings(output, /options failed on purpose/).length > 0)).toBe(true);
    expect(await steady(() => warnings(output, /\[aither\]/).length)).toBe(1);
    expect(c.requests).toEqual([]);
  });
});
