import { afterAll, describe, expect, it } from "vitest";
import { acceptedEvents, arrived, expectEndedByItself, type RunResult, runFixture, withCollector } from "./harness.ts";

// Bun 1.4.5 from the npm package `bun`, on the same fixture as Node: `aither` resolves through the
// package's `bun` export condition to dist/node.js (the Node adapter; Bun's process events match Node's).
const durations: Record<string, number> = {};
afterAll(() => console.log("bun child durations (ms):", durations));
const endedByItself = (name: string, result: RunResult): void => expectEndedByItself(durations, name, result);

describe.concurrent("bun", () => {
  it("delivers all 5,000 predictions exactly once when the script ends without flush or close", () =>
    withCollector({}, async (collector) => {
      const result = await runFixture("bun", collector, { count: 5000, prefix: "b1" }).done;
      endedByItself("natural 5000", result);
      expect(result.code).toBe(0);
      expect(arrived(collector, "b1", 5000)).toEqual({ stored: 5000, unique: 5000, missing: 0 });
      expect(acceptedEvents(collector)).toBe(5000);
      expect(collector.requests.every((r) => String(r.headers["x-aither-sdk"]).endsWith("(bun)"))).toBe(true);
    }));

  it("exits at once when the client logged nothing (flushInterval 60 s, spawn timeout 10 s)", () =>
    withCollector({}, async (collector) => {
      const result = await runFixture("bun", collector, { count: 0, prefix: "b2", timeoutMs: 10_000 }).done;
      endedByItself("idle", result);
      expect(result.code).toBe(0);
      expect(collector.requests).toHaveLength(0);
    }));

  it("handleSignals: SIGTERM flushes, then the process ends by SIGTERM", () =>
    withCollector({}, async (collector) => {
      const run = runFixture("bun", collector, { count: 2000, prefix: "b3", mode: "wait", options: { handleSignals: true } });
      await run.line("ready");
      run.child.kill("SIGTERM");
      const result = await run.done;
      endedByItself("SIGTERM", result);
      expect(result.signal ?? result.code).toSatisfy((s: unknown) => s === "SIGTERM" || s === 143);
      expect(arrived(collector, "b3", 2000)).toEqual({ stored: 2000, unique: 2000, missing: 0 });
    }));
});
