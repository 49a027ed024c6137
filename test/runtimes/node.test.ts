import process from "node:process";
import { afterAll, describe, expect, it } from "vitest";
import { AitherClient } from "../../adapters/node.ts";
import { arrived, expectEndedByItself, RUNTIMES, runFixture, withCollector } from "./harness.ts";
import { nodeExitCases } from "./node-cases.ts";

// The exit cases under the Node running the tests; node-versions.test.ts runs the same cases
// under the other supported majors.
const durations: Record<string, number> = {};
afterAll(() => console.log("node child durations (ms):", durations));

describe.concurrent("node", () => {
  nodeExitCases(RUNTIMES.node, durations);

  it("delivers every one of 100,000 predictions logged as a busy server would, at the default options, when the script ends", () =>
    withCollector({}, async (collector) => {
      // flushInterval 1000 and the default queue of 10,000: full batches must go out as they fill.
      const run = runFixture("node", collector, { count: 100_000, prefix: "n8", mode: "burst", options: { flushInterval: 1000 }, timeoutMs: 50_000 });
      const result = await run.done;
      expectEndedByItself(durations, "burst 100000 at defaults", result);
      expect(result.code).toBe(0);
      expect(arrived(collector, "n8", 100_000)).toEqual({ stored: 100_000, unique: 100_000, missing: 0 });
      expect(result.stderr).toBe("");
    }));
});

describe("node exit hooks in this process", () => {
  it("add one process listener per event however many clients exist, and close() removes them", async () => {
    const count = (): number[] => ["beforeExit", "exit", "SIGTERM", "SIGINT"].map((e) => process.listenerCount(e));
    const before = count();
    const clients = Array.from({ length: 50 }, (_, i) => new AitherClient({ endpoint: "http://127.0.0.1:9", handleSignals: i % 2 === 0 }));
    expect(count()).toEqual(before.map((n) => n + 1));
    await Promise.all(clients.slice(1).map((c) => c.close()));
    expect(count()).toEqual(before.map((n) => n + 1));
    await clients[0]?.close();
    expect(count()).toEqual(before);
  });
});
