import { afterAll, describe, expect, it } from "vitest";
import { acceptedEvents, arrived, expectEndedByItself, idleExitCase, type RunResult, recoversAt503ExitCase, runFixture, withCollector } from "./harness.ts";

// Deno 2.9.6 from the npm package `deno`, run with --allow-net=127.0.0.1 only. The fixture's bare
// `import "aither"` resolves as `npm:aither` would: through package.json exports with the `deno`
// condition, to dist/deno.js (Deno finds this repo's package.json and node_modules).
const durations: Record<string, number> = {};
afterAll(() => console.log("deno child durations (ms):", durations));
const endedByItself = (name: string, result: RunResult): void => expectEndedByItself(durations, name, result);

describe.concurrent("deno", () => {
  it("delivers all 5,000 predictions exactly once when the script ends without flush or close", () =>
    withCollector({}, async (collector) => {
      const result = await runFixture("deno", collector, { count: 5000, prefix: "d1" }).done;
      endedByItself("natural 5000", result);
      expect(result.code).toBe(0);
      expect(arrived(collector, "d1", 5000)).toEqual({ stored: 5000, unique: 5000, missing: 0 });
      expect(acceptedEvents(collector)).toBe(5000);
      expect(collector.requests.every((r) => String(r.headers["x-aither-sdk"]).endsWith("(deno)"))).toBe(true);
      expect(collector.requests.every((r) => r.headers["content-encoding"] === "gzip")).toBe(true);
    }));

  it("delivers all predictions when loaded from the TypeScript sources (adapters/deno.ts, as on JSR)", () =>
    withCollector({}, async (collector) => {
      const result = await runFixture("deno-sources", collector, { count: 2000, prefix: "d5" }).done;
      endedByItself("sources, natural 2000", result);
      expect(result.code).toBe(0);
      expect(arrived(collector, "d5", 2000)).toEqual({ stored: 2000, unique: 2000, missing: 0 });
      expect(collector.requests.every((r) => String(r.headers["x-aither-sdk"]).endsWith("(deno)"))).toBe(true);
    }));

  it("exits at once when the client logged nothing (flushInterval 60 s, spawn timeout 10 s)", idleExitCase("deno", "d2", durations));

  it("waits at exit while the collector answers 503, and delivers once it recovers", recoversAt503ExitCase("deno", "d3", 2000, durations));

  it("warns with the count when Deno.exit() leaves events pending", () =>
    withCollector({}, async (collector) => {
      const result = await runFixture("deno", collector, { count: 300, prefix: "d4", mode: "exit" }).done;
      endedByItself("Deno.exit", result);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain("[aither] exiting with 300 event(s) not sent; call await aither.flush() or close() before Deno.exit()");
      expect(arrived(collector, "d4", 300).stored).toBe(0);
    }));
});
