import { defineConfig } from "tsup";

// One entry per runtime plus the collector and its CLI; ESM + CJS + .d.ts, as package.json maps them.
export default defineConfig({
  entry: {
    index: "src/index.ts",
    node: "adapters/node.ts",
    deno: "adapters/deno.ts",
    browser: "adapters/browser.ts",
    cloudflare: "adapters/cloudflare.ts",
    edge: "adapters/edge.ts",
    "collector/index": "collector/index.ts",
    "collector/cli": "collector/cli.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  target: "es2022",
  sourcemap: false,
  splitting: true,
  // import.meta.url in the CommonJS build (the collector finds its page files with it); unused elsewhere.
  shims: true,
});
