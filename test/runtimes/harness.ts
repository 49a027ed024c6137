import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { type Collector, type FaultOptions, startCollector } from "../../collector/index.ts";

/** Repository root: children run here so `aither` resolves to this package (self-reference). */
export const ROOT: string = fileURLToPath(new URL("../..", import.meta.url));
export const EXIT_FIXTURE = "test/fixtures/exit-flush.mjs";

/** How to run a script with one runtime: the command and its arguments. */
export type Launcher = (script: string, args: string[]) => [string, string[]];

/** A launcher for a Node binary other than the one running the tests (test/node-versions/). */
export const nodeBinary =
  (path: string): Launcher =>
  (script, args) => [path, [script, ...args]];

/**
 * The runtimes installed from npm (RUNTIMES.md §4, §5) and how to run a script with each. Deno
 * runs with --cached-only: the tests are offline, and it must not fetch a remote module.
 */
export const RUNTIMES: Record<"node" | "bun" | "deno" | "deno-sources", Launcher> = {
  node: (script, args) => [process.execPath, [script, ...args]],
  bun: (script, args) => [`${ROOT}node_modules/.bin/bun`, [script, ...args]],
  deno: (script, args) => [`${ROOT}node_modules/.bin/deno`, ["run", "--cached-only", "--allow-net=127.0.0.1", script, ...args]],
  // The TypeScript sources as JSR serves them: the import map points `aither` at adapters/deno.ts;
  // the sources import "./x.ts", as JSR requires.
  "deno-sources": (script, args) => [
    `${ROOT}node_modules/.bin/deno`,
    ["run", "--cached-only", "--import-map=test/fixtures/deno-sources.importmap.json", "--allow-net=127.0.0.1", script, ...args],
  ],
};

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Spawn to exit, for the report; tests do not assert on it. */
  ms: number;
  /** Killed by us because it did not end by itself within the timeout. */
  timedOut: boolean;
}

export interface Running {
  child: ChildProcess;
  /** Resolves with the first stdout line containing `text`. */
  line(text: string): Promise<void>;
  done: Promise<RunResult>;
}

/** Spawn a runtime; SIGKILL it (and mark `timedOut`) if it has not ended after `timeoutMs`. */
export function start(cmd: string, args: string[], timeoutMs: number, env: Record<string, string> = {}): Running {
  const t0 = performance.now();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...env };
  // Offline: examples/wrap-transformers.mjs downloads a real model when this is set.
  if (!("TRANSFORMERS_ONLINE" in env)) delete childEnv.TRANSFORMERS_ONLINE;
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: childEnv });
  let stdout = "";
  let stderr = "";
  const waiters = new Map<string, () => void>();
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk;
    for (const [text, resolve] of waiters) if (stdout.includes(text)) resolve();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Math.round(performance.now() - t0), timedOut });
    });
  });
  const line = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (stdout.includes(text)) return resolve();
      waiters.set(text, resolve);
      done.then((r) => reject(new Error(`exited before printing "${text}": ${JSON.stringify(r)}`)), reject);
    });
  return { child, line, done };
}

/** Run the exit fixture under a runtime (by name, or any launcher) against a collector. */
export function runFixture(
  runtime: keyof typeof RUNTIMES | Launcher,
  collector: Collector,
  fixture: { count: number; prefix: string; mode?: "natural" | "burst" | "exit" | "wait" | "own-handler"; options?: object; timeoutMs?: number },
): Running {
  const args = [collector.url, String(fixture.count), fixture.prefix, fixture.mode ?? "natural", JSON.stringify(fixture.options ?? {})];
  const launch = typeof runtime === "function" ? runtime : RUNTIMES[runtime];
  const [cmd, argv] = launch(EXIT_FIXTURE, args);
  return start(cmd, argv, fixture.timeoutMs ?? 20_000);
}

/** Ids `${prefix}-0` .. `${prefix}-${count - 1}` the collector stored, and which are missing. */
export function arrived(collector: Collector, prefix: string, count: number): { stored: number; unique: number; missing: number } {
  const ids = collector.store
    .predictions()
    .map((e) => e.id)
    .filter((id) => id.startsWith(`${prefix}-`));
  const unique = new Set(ids);
  let missing = 0;
  for (let i = 0; i < count; i++) if (!unique.has(`${prefix}-${i}`)) missing++;
  return { stored: ids.length, unique: unique.size, missing };
}

/** Events in batch requests the collector answered 200: each event sent once means this equals the count. */
export function acceptedEvents(collector: Collector): number {
  return collector.requests.filter((r) => r.status === 200).reduce((n, r) => n + r.events, 0);
}

/** Run `fn` with a collector of its own on 127.0.0.1:0 (faults are per collector), then close it. */
export async function withCollector(faults: FaultOptions, fn: (collector: Collector) => Promise<void>): Promise<void> {
  const collector = await startCollector({ port: 0, faults });
  try {
    await fn(collector);
  } finally {
    await collector.close();
  }
}

/** Record how long a child ran (printed for the report) and fail if we had to kill it. */
export function expectEndedByItself(durations: Record<string, number>, name: string, result: RunResult): void {
  durations[name] = result.ms;
  expect(result.timedOut, `still running at the spawn timeout; stderr: ${result.stderr}`).toBe(false);
}

/** The idle case every runtime passes: a client that logged nothing adds no delay to exit. */
export function idleExitCase(runtime: "node" | "deno" | Launcher, prefix: string, durations: Record<string, number>): () => Promise<void> {
  return () =>
    withCollector({}, async (collector) => {
      const result = await runFixture(runtime, collector, { count: 0, prefix, timeoutMs: 10_000 }).done;
      expectEndedByItself(durations, "idle", result);
      expect(result.code).toBe(0);
      expect(collector.requests).toHaveLength(0);
    });
}

/** The collector answers 503 at first: the exit waits and every event arrives once it recovers. */
export function recoversAt503ExitCase(
  runtime: "node" | "deno" | Launcher,
  prefix: string,
  count: number,
  durations: Record<string, number>,
): () => Promise<void> {
  return () =>
    withCollector({ failFirst: 1e9 }, async (collector) => {
      const run = runFixture(runtime, collector, { count, prefix, options: { shutdownTimeout: 12_000 } });
      await run.line("logged");
      // Backoff is full jitter from 500 ms, doubling: 12 s leaves room for the retry after the
      // faults clear however the draws fall (the fifth attempt waits at most 8 s).
      setTimeout(() => collector.setFaults({}), 1500);
      const result = await run.done;
      expectEndedByItself(durations, "503 then recovery", result);
      expect(result.code).toBe(0);
      expect(collector.requests.some((r) => r.status === 503)).toBe(true);
      expect(arrived(collector, prefix, count)).toMatchObject({ unique: count, missing: 0 });
    });
}
