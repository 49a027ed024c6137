// The Node exit cases, written once and run under each Node binary: the one running the tests
// (node.test.ts) and the majors installed from npm in test/node-versions/ (node-versions.test.ts).
// Each case spawns the binary on test/fixtures/exit-flush.mjs, which imports the built package
// (dist/node.js through the package's self-reference), against its own collector on loopback.
import { expect, it } from "vitest";
import {
  acceptedEvents,
  arrived,
  expectEndedByItself,
  idleExitCase,
  type Launcher,
  type RunResult,
  recoversAt503ExitCase,
  runFixture,
  withCollector,
} from "./harness.ts";

/** Register the exit cases for one Node binary; call inside a (concurrent) describe. */
export function nodeExitCases(node: Launcher, durations: Record<string, number>): void {
  const endedByItself = (name: string, result: RunResult): void => expectEndedByItself(durations, name, result);

  it("delivers all 5,000 predictions exactly once when the script ends without flush or close", () =>
    withCollector({}, async (collector) => {
      const result = await runFixture(node, collector, { count: 5000, prefix: "n1" }).done;
      endedByItself("natural 5000", result);
      expect(result.code).toBe(0);
      expect(arrived(collector, "n1", 5000)).toEqual({ stored: 5000, unique: 5000, missing: 0 });
      expect(acceptedEvents(collector)).toBe(5000); // no event was sent twice
      expect(result.stderr).toBe("");
    }));

  it("exits at once when the client logged nothing (flushInterval 60 s, spawn timeout 10 s)", idleExitCase(node, "n2", durations));

  it("waits at exit while the collector answers 503, and delivers once it recovers", recoversAt503ExitCase(node, "n3", 5000, durations));

  it("gives up after shutdownTimeout when the collector keeps failing, and says how many were not sent", () =>
    withCollector({ failFirst: 1e9 }, async (collector) => {
      const run = runFixture(node, collector, { count: 500, prefix: "n4", options: { shutdownTimeout: 1500 } });
      const result = await run.done;
      endedByItself("503 until shutdownTimeout", result);
      expect(result.code).toBe(0);
      expect(collector.requests.length).toBeGreaterThan(0);
      expect(result.stderr).toContain("[aither] exiting with 500 event(s) not sent: the exit flush gave up after shutdownTimeout (1500 ms)");
    }));

  it("ends at shutdownTimeout even while a request hangs: the exit flush aborts it and says how many were not sent", () =>
    withCollector({ latencyMs: 60_000 }, async (collector) => {
      // timeout 30 s: without the abort, the hung request would hold the process past the spawn timeout.
      const run = runFixture(node, collector, { count: 100, prefix: "n7", options: { shutdownTimeout: 800, timeout: 30_000 }, timeoutMs: 15_000 });
      const result = await run.done;
      endedByItself("hung request", result);
      expect(result.code).toBe(0);
      expect(collector.requests[0]?.status).toBe(0); // still held by the collector when the process ended
      expect(result.stderr).toContain("[aither] exiting with 100 event(s) not sent: the exit flush gave up after shutdownTimeout (800 ms)");
    }));

  it("warns with the count when process.exit() leaves events pending", () =>
    withCollector({}, async (collector) => {
      const result = await runFixture(node, collector, { count: 300, prefix: "n5", mode: "exit" }).done;
      endedByItself("process.exit", result);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain("[aither] exiting with 300 event(s) not sent; call await aither.flush() or close() before process.exit()");
      expect(arrived(collector, "n5", 300).stored).toBe(0);
    }));

  it("handleSignals: SIGTERM flushes, then the process ends by SIGTERM", () =>
    withCollector({}, async (collector) => {
      const run = runFixture(node, collector, { count: 2000, prefix: "n6", mode: "wait", options: { handleSignals: true } });
      await run.line("ready");
      expect(collector.requests).toHaveLength(0); // nothing sent before the signal
      run.child.kill("SIGTERM");
      const result = await run.done;
      endedByItself("SIGTERM", result);
      expect(result.signal ?? result.code).toSatisfy((s: unknown) => s === "SIGTERM" || s === 143);
      expect(arrived(collector, "n6", 2000)).toEqual({ stored: 2000, unique: 2000, missing: 0 });
    }));

  it("handleSignals with the app's own SIGTERM listener: flushes and leaves the exit to the app", () =>
    withCollector({}, async (collector) => {
      const run = runFixture(node, collector, { count: 1000, prefix: "n7", mode: "own-handler", options: { handleSignals: true } });
      await run.line("ready");
      run.child.kill("SIGTERM");
      const result = await run.done;
      endedByItself("SIGTERM, app listener", result);
      expect(result).toMatchObject({ code: 0, signal: null });
      expect(arrived(collector, "n7", 1000)).toEqual({ stored: 1000, unique: 1000, missing: 0 });
    }));
}
