import process from "node:process";
import { afterAll, describe, expect, it } from "vitest";
import { AitherClient } from "../../adapters/node.ts";
import { RUNTIMES } from "./harness.ts";
import { nodeExitCases } from "./node-cases.ts";

// The exit cases under the Node running the tests; node-versions.test.ts runs the same cases
// under the other supported majors.
const durations: Record<string, number> = {};
afterAll(() => console.log("node child durations (ms):", durations));

describe.concurrent("node", () => {
  nodeExitCases(RUNTIMES.node, durations);
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
