// Every runnable example in examples/ runs against the real collector and must end by itself
// with its predictions stored. The browser page, the Vite app and the Cloudflare worker are run by
// test/browser/chromium.test.ts, test/browser/bundlers.test.ts and test/runtimes/workerd.test.ts,
// nextjs/ and vercel-edge/ by test/runtimes/nextjs.test.ts and edge-runtime.test.ts; the quick
// start by `npm run demo`.
import { describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../../collector/index.ts";
import { ROOT, start } from "./harness.ts";

const examples: Record<string, [string, string[]]> = {
  "node-server.mjs": [process.execPath, ["examples/node-server.mjs"]],
  "serverless-handler.mjs": [process.execPath, ["examples/serverless-handler.mjs"]],
  "bun.ts": [`${ROOT}node_modules/.bin/bun`, ["examples/bun.ts"]],
  "wrap-function.mjs": [process.execPath, ["examples/wrap-function.mjs"]],
  "wrap-tfjs.mjs": [process.execPath, ["examples/wrap-tfjs.mjs"]],
  "wrap-onnx.mjs": [process.execPath, ["examples/wrap-onnx.mjs"]],
  "wrap-transformers.mjs": [process.execPath, ["examples/wrap-transformers.mjs"]],
  "deno.ts": [
    `${ROOT}node_modules/.bin/deno`,
    ["run", "--cached-only", "--allow-net=127.0.0.1", "--allow-env=AITHER_ENDPOINT,AITHER_API_KEY", "examples/deno.ts"],
  ],
};

describe.concurrent("examples", () => {
  for (const [name, [cmd, args]] of Object.entries(examples)) {
    it(`${name} ends by itself and its predictions reach the collector`, async () => {
      const collector: Collector = await startCollector({ port: 0 });
      try {
        const result = await start(cmd, args, 30_000, { AITHER_ENDPOINT: collector.url }).done;
        expect(result.timedOut, result.stderr).toBe(false);
        expect(result.code, result.stderr).toBe(0);
        const stored = collector.store.predictions();
        expect(stored.length).toBeGreaterThan(0);
        expect(collector.store.duplicates()).toBe(0);
        // Every id the example printed was stored.
        for (const id of result.stdout.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? []) {
          expect(stored.some((e) => e.id === id) || collector.store.labels().some((e) => e.id === id)).toBe(true);
        }
      } finally {
        await collector.close();
      }
    });
  }
});
