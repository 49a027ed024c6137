// examples/nextjs built with `next build` and served by `next start`: a route handler on the
// Node.js runtime and one on the edge runtime, each logging a prediction per request and
// flushing in after(). Slow: one install (cached in examples/nextjs/node_modules) and one build.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../../collector/index.ts";
import { eventually, steady, storedIds } from "../helpers/collector.ts";
import { ROOT } from "./harness.ts";
import { buildApp, type NextServer, startApp } from "./nextjs-app.ts";

// The collector holds every batch this long before it stores it: a response that waited for
// its flush would arrive after its prediction was stored.
const LATENCY_MS = 1500;
const PER_ROUTE = 6;

let buildOutput = "";
let collector: Collector;
let server: NextServer;

beforeAll(async () => {
  buildOutput = await buildApp();
  collector = await startCollector({ port: 0, faults: { latencyMs: LATENCY_MS } });
  server = await startApp({ AITHER_ENDPOINT: collector.url });
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await collector?.close();
});

/** POST one prediction to `route`; says whether its id was stored before the response came. */
async function predict(route: string, id: string): Promise<{ id: string; storedBeforeResponse: boolean; predictionId: string }> {
  const response = await fetch(`${server.url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id, tenure: 12, monthlyCharges: 70 }),
  });
  const storedBeforeResponse = storedIds(collector).includes(id);
  const text = await response.text();
  expect(response.status, `${text}\n${server.output()}`).toBe(200);
  return { id, storedBeforeResponse, predictionId: (JSON.parse(text) as { predictionId: string }).predictionId };
}

describe("Next.js 16 App Router (next build, next start)", () => {
  it("the build prints no warning about aither", () => {
    expect(buildOutput).toContain("Compiled successfully");
    // Next prints its own edge-runtime deprecation warnings; none may name this package (a
    // checkout folder named after it does not count).
    expect(buildOutput.replaceAll(ROOT, "<root>/")).not.toMatch(/aither/i);
  });

  it("every prediction of concurrent requests to the Node.js and edge routes arrives exactly once, after the response", async () => {
    const calls = [
      ...Array.from({ length: PER_ROUTE }, () => predict("/api/predict", `next-node-${randomUUID()}`)),
      ...Array.from({ length: PER_ROUTE }, () => predict("/api/predict-edge", `next-edge-${randomUUID()}`)),
    ];
    const results = await Promise.all(calls);
    for (const r of results) expect(r.predictionId).toBe(r.id);
    // No response waited for the delivery of its prediction.
    expect(results.filter((r) => r.storedBeforeResponse).map((r) => r.id)).toEqual([]);

    const ids = results.map((r) => r.id);
    expect(await eventually(() => ids.every((id) => storedIds(collector).includes(id)), 30_000), server.output()).toBe(true);
    // Nothing more comes (a retried batch would be a second arrival of its ids).
    await steady(() => collector.requests.length, LATENCY_MS + 500, 30_000);
    expect(storedIds(collector).sort()).toEqual([...ids].sort());
    expect(collector.store.duplicates()).toBe(0);
    // The edge route sent with the edge entry, the Node.js route with the Node entry.
    const runtimes = new Set(collector.requests.map((r) => /\((\w+)\)/.exec(String(r.headers["x-aither-sdk"]))?.[1]));
    expect([...runtimes].sort()).toEqual(["edge", "node"]);
    // The edge sandbox reports a Node.js API used by edge code at run time, not at build time.
    expect(server.output().replaceAll(ROOT, "<root>/")).not.toMatch(/aither/i);
  });
});
