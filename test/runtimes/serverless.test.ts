import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { Collector, FaultOptions } from "../../collector/index.ts";
import { arrived, RUNTIMES, type Running, start, withCollector } from "./harness.ts";

// Each case spawns test/fixtures/serverless-runtime.mjs, a stand-in function runtime that runs
// the built package's withFlush and freezes itself (SIGSTOP) the moment an invocation is over,
// as Lambda, Vercel and Cloud Functions freeze their instances. The collector is read as soon as
// the child's line arrives: what it holds then is all a frozen function would have delivered.
const FIXTURE = "test/fixtures/serverless-runtime.mjs";
const delays: Record<string, number> = {};
afterAll(() => console.log("serverless: handler end to invocation end (ms):", delays));

interface Settled {
  invocation: number;
  delayMs: number;
  pending: number;
  value?: unknown;
  error?: unknown;
  same?: boolean;
  returned?: string;
}

interface Config {
  mode: "async" | "callback" | "throw" | "res";
  count: number;
  prefix: string;
  invocations?: number;
  init?: object;
  wrap: object | null;
  remainingMs?: number;
  /** The runtime the fixture runs under. @default "node" */
  runtime?: "node" | "bun";
}

function runtime(collector: Collector, config: Config): Running & { settled(invocation: number): Promise<Settled> } {
  const [cmd, args] = RUNTIMES[config.runtime ?? "node"](FIXTURE, [JSON.stringify({ endpoint: collector.url, ...config })]);
  const run = start(cmd, args, 30_000);
  // Added after the harness's listener: by the time its line() resolves, this has the chunk too.
  let stdout = "";
  run.child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  return {
    ...run,
    async settled(invocation) {
      const tag = `settled {"invocation":${invocation},`;
      await run.line(tag);
      const line = stdout.slice(stdout.indexOf(tag)).split("\n")[0] ?? "";
      return JSON.parse(line.slice("settled ".length)) as Settled;
    },
  };
}

/** Wait until the kernel reports the child stopped (state T): it can send nothing more. */
async function frozen(run: Running): Promise<void> {
  for (;;) {
    const stat = readFileSync(`/proc/${run.child.pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("T")) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function finish(run: Running): Promise<void> {
  run.child.kill("SIGKILL");
  await run.done;
}

function freezeCase(name: string, faults: FaultOptions, config: Config, check: (collector: Collector, settled: Settled) => void): () => Promise<void> {
  return () =>
    withCollector(faults, async (collector) => {
      const run = runtime(collector, config);
      try {
        const settled = await run.settled(1);
        // Read before anything else runs in this process: the collector's view at the freeze.
        check(collector, settled);
        delays[name] = settled.delayMs;
        await frozen(run); // the runtime really froze it, and can be thawed or killed now
      } finally {
        await finish(run);
      }
    });
}

const allArrived = (collector: Collector, prefix: string, count: number) =>
  expect(arrived(collector, prefix, count)).toMatchObject({ unique: count, missing: 0 });

describe.concurrent("withFlush in a function runtime frozen when the invocation ends", () => {
  it(
    "async handler (Lambda): every prediction logged in the handler has arrived when its Promise settles, and the result is unchanged",
    freezeCase("async", {}, { mode: "async", count: 300, prefix: "sa", wrap: {} }, (collector, settled) => {
      allArrived(collector, "sa1", 300);
      expect(settled.value).toEqual({ statusCode: 200, body: "ok 1", self: "runtime", remaining: 900_000 });
      expect(settled.pending).toBe(0);
    }),
  );

  it(
    "without withFlush the same handler delivers nothing before the freeze (the harness sees loss)",
    freezeCase("unwrapped", {}, { mode: "async", count: 300, prefix: "su", wrap: null }, (collector, settled) => {
      expect(arrived(collector, "su1", 300).stored).toBe(0);
      expect(settled.pending).toBe(300);
    }),
  );

  it(
    "a handler that throws: the predictions arrive first, then the same error is rethrown",
    freezeCase("throw", {}, { mode: "throw", count: 200, prefix: "st", wrap: {} }, (collector, settled) => {
      allArrived(collector, "st1", 200);
      expect(settled).toMatchObject({ error: "handler failed", same: true });
    }),
  );

  it(
    "callback-style Lambda handler: the callback reaches the runtime only after the predictions arrived",
    freezeCase("callback", {}, { mode: "callback", count: 200, prefix: "sc", wrap: {} }, (collector, settled) => {
      allArrived(collector, "sc1", 200);
      expect(settled).toMatchObject({ error: null, value: { statusCode: 200, body: "ok 1" }, returned: "undefined" });
    }),
  );

  it(
    "(req, res) handler (Vercel, Cloud Functions): the response finishes only after the predictions arrived",
    freezeCase("res.end", {}, { mode: "res", count: 200, prefix: "sr", wrap: {} }, (collector, settled) => {
      allArrived(collector, "sr1", 200);
      expect(settled.value).toBe("finished");
    }),
  );

  it(
    "a collector that holds the request: the invocation ends at timeoutMs, before the collector answers",
    // shutdownTimeout 60 s and a 20 s answer: a flush that ignored the bound would wait for the
    // answer, and the request would show its status by the time the invocation ended.
    freezeCase(
      "hung collector, timeoutMs 800",
      { latencyMs: 20_000 },
      { mode: "async", count: 100, prefix: "sh", wrap: { timeoutMs: 800 }, init: { shutdownTimeout: 60_000, timeout: 60_000 } },
      (collector, settled) => {
        expect(settled.value).toMatchObject({ statusCode: 200, body: "ok 1" });
        expect(collector.requests.length).toBeGreaterThan(0);
        expect(collector.requests.every((r) => r.status === 0)).toBe(true); // none answered yet
        expect(settled.pending).toBe(100);
      },
    ),
  );

  it(
    "on Lambda the bound is cut to the time the invocation has left, less 500 ms",
    // timeoutMs 60 s, but getRemainingTimeInMillis() says 1.2 s: the flush may take 0.7 s.
    freezeCase(
      "hung collector, 1.2 s remaining",
      { latencyMs: 20_000 },
      { mode: "async", count: 100, prefix: "sl", wrap: { timeoutMs: 60_000 }, remainingMs: 1200, init: { shutdownTimeout: 60_000, timeout: 60_000 } },
      (collector, settled) => {
        expect(settled.value).toMatchObject({ statusCode: 200, remaining: 1200 });
        expect(collector.requests.length).toBeGreaterThan(0);
        expect(collector.requests.every((r) => r.status === 0)).toBe(true);
        expect(settled.pending).toBe(100);
      },
    ),
  );

  it("a collector answering 503: the response is not held past timeoutMs, and the next invocation delivers both", () =>
    withCollector({ failFirst: 1e9 }, async (collector) => {
      const run = runtime(collector, { mode: "async", count: 150, prefix: "s5", invocations: 2, wrap: { timeoutMs: 1000 }, init: { shutdownTimeout: 60_000 } });
      try {
        const first = await run.settled(1);
        delays["503, timeoutMs 1000"] = first.delayMs;
        expect(first.value).toMatchObject({ statusCode: 200, body: "ok 1" });
        expect(arrived(collector, "s51", 150).stored).toBe(0);
        expect(collector.requests.length).toBeGreaterThan(0);
        expect(collector.requests.every((r) => r.status === 503)).toBe(true);
        expect(first.pending).toBe(150); // kept for later, not dropped
        await frozen(run);
        // The collector recovers while the function is frozen; the next invocation thaws it.
        collector.setFaults({});
        run.child.kill("SIGCONT");
        const second = await run.settled(2);
        allArrived(collector, "s51", 150);
        allArrived(collector, "s52", 150);
        expect(second.pending).toBe(0);
        expect(collector.store.duplicates()).toBe(0);
      } finally {
        await finish(run);
      }
    }));
});

// Bun gets the same entry (the `bun` condition), and its node:http gives the same ServerResponse.
describe.concurrent("withFlush under Bun, frozen when the invocation ends", () => {
  it(
    "async handler: every prediction has arrived when its Promise settles",
    freezeCase("bun async", {}, { runtime: "bun", mode: "async", count: 200, prefix: "ba", wrap: {} }, (collector, settled) => {
      allArrived(collector, "ba1", 200);
      expect(settled.value).toMatchObject({ statusCode: 200, body: "ok 1" });
    }),
  );

  it(
    "(req, res) handler: the response finishes only after the predictions arrived",
    freezeCase("bun res.end", {}, { runtime: "bun", mode: "res", count: 200, prefix: "br", wrap: {} }, (collector, settled) => {
      allArrived(collector, "br1", 200);
      expect(settled.value).toBe("finished");
    }),
  );
});
