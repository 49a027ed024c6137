// examples/vercel-edge/api/predict.ts in Vercel's Edge Runtime (npm `edge-runtime`), bundled with
// the edge-light conditions: concurrent requests, each logging a prediction with a known id.
// Needs `npm run build` (the bundle resolves `aither` to dist/edge.js).
import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../../collector/index.ts";
import { storedIds } from "../helpers/collector.ts";
import { ROOT } from "./harness.ts";

// The collector holds every batch this long before storing it: a response that waited for its
// flush would arrive after its prediction was stored.
const LATENCY_MS = 1500;
const REQUESTS = 8;

let collector: Collector;
let child: ChildProcess;
let url: string;
let stderr = "";

/** Send `message` to the server process and wait for its answer. */
function ask(message: string): Promise<unknown> {
  return new Promise((resolve) => {
    child.once("message", resolve);
    child.send(message);
  });
}

beforeAll(async () => {
  collector = await startCollector({ port: 0, faults: { latencyMs: LATENCY_MS } });
  child = fork("test/fixtures/edge-runtime-server.mjs", ["examples/vercel-edge/api/predict.ts"], {
    cwd: ROOT,
    env: { ...process.env, AITHER_ENDPOINT: collector.url },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const ready = await new Promise<{ url: string }>((resolve, reject) => {
    child.once("message", (m) => resolve(m as { url: string }));
    child.once("exit", (code) => reject(new Error(`edge-runtime server exited (${code}): ${stderr}`)));
  });
  url = ready.url;
});

afterAll(async () => {
  if (child?.connected) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.send("close");
    await exited;
  }
  await collector?.close();
});

async function predict(id: string): Promise<{ id: string; predictionId: string; storedBeforeResponse: boolean }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id, tenure: 24, monthlyCharges: 65.5 }),
  });
  const storedBeforeResponse = storedIds(collector).includes(id);
  expect(response.status, stderr).toBe(200);
  const body = (await response.json()) as { predictionId: string };
  return { id, predictionId: body.predictionId, storedBeforeResponse };
}

describe("Vercel Edge Runtime (edge-runtime 4)", () => {
  it("every prediction of concurrent requests is delivered exactly once within the requests' waitUntil, after the responses", async () => {
    const results = await Promise.all(Array.from({ length: REQUESTS }, () => predict(`edge-fn-${randomUUID()}`)));
    for (const r of results) expect(r.predictionId).toBe(r.id);
    // No response waited for the delivery of its prediction.
    expect(results.filter((r) => r.storedBeforeResponse).map((r) => r.id)).toEqual([]);

    // Once every promise handed to event.waitUntil has settled, everything is stored: the
    // sends ran inside the requests' lifetime, not in a background the platform would freeze.
    expect(await ask("settle")).toBe("settled");
    const ids = results.map((r) => r.id);
    expect(storedIds(collector).sort()).toEqual([...ids].sort());
    expect(collector.store.duplicates()).toBe(0);
    expect(collector.requests.every((r) => r.status === 200 && String(r.headers["x-aither-sdk"]).endsWith("(edge)"))).toBe(true);
    expect(stderr).toBe("");
  });
});
