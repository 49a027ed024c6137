// What the workerd suites share: bundle a fixture the way Wrangler does, run it in miniflare with
// every line workerd prints captured (cross-request errors must not pass unseen), and close the
// workers and collectors a test started.
import { build } from "esbuild";
import { Log, LogLevel, Miniflare } from "miniflare";
import type { Readable } from "node:stream";
import { afterEach } from "vitest";
import type { Collector, CollectorOptions } from "../../collector/index.ts";
import { startTestCollector } from "../helpers/collector.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** Wrangler's conditions: `workerd` first, so "aither" resolves to the Cloudflare entry. */
export const WORKERD_CONDITIONS: string[] = ["workerd", "worker", "browser"];

/** Bundle a worker (path from the project root); "aither" resolves by package self-reference through the exports map. */
export async function bundleWorker(path: string, conditions: string[] = WORKERD_CONDITIONS): Promise<{ script: string; inputs: string[] }> {
  const result = await build({
    entryPoints: [path],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions,
    metafile: true,
    logLevel: "silent",
  });
  return { script: result.outputFiles[0]?.text ?? "", inputs: Object.keys(result.metafile.inputs) };
}

/** Everything miniflare and workerd print. */
class CaptureLog extends Log {
  constructor(private readonly lines: string[]) {
    super(LogLevel.VERBOSE);
  }
  protected override log(message: string): void {
    this.lines.push(message);
  }
}

/** A worker running in workerd, and what it printed. */
export interface RunningWorker {
  mf: Miniflare;
  output: string[];
}

/** Workers and collectors for one test file, disposed after each test. */
export function useWorkerd(): {
  startWorker(script: string, bindings: Record<string, string>): Promise<RunningWorker>;
  collector(options?: CollectorOptions): Promise<Collector>;
} {
  const running: RunningWorker[] = [];
  const collectors: Collector[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((w) => w.mf.dispose()));
    await Promise.all(collectors.splice(0).map((c) => c.close()));
  });
  return {
    async startWorker(script, bindings) {
      const output: string[] = [];
      const capture = (stream: Readable) => stream.on("data", (chunk: Buffer) => output.push(chunk.toString()));
      const mf = new Miniflare({
        modules: true,
        script,
        compatibilityDate: "2025-09-01",
        cf: false,
        bindings,
        verbose: true,
        log: new CaptureLog(output),
        handleRuntimeStdio(stdout: Readable, stderr: Readable) {
          capture(stdout);
          capture(stderr);
        },
      });
      await mf.ready;
      const worker = { mf, output };
      running.push(worker);
      return worker;
    },
    async collector(options = {}) {
      const c = await startTestCollector(options);
      collectors.push(c);
      return c;
    },
  };
}
