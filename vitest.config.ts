import { defineConfig } from "vitest/config";

// Projects: unit (node, fast, fake or short real timers), collector (the local server),
// e2e (the SDK against the real collector over loopback, real timers).
export default defineConfig({
  test: {
    setupFiles: ["test/helpers/no-unhandled.ts"],
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts", "test/contract/**/*.test.ts"], environment: "node" } },
      { extends: true, test: { name: "collector", include: ["test/collector/**/*.test.ts"], environment: "node" } },
      { extends: true, test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], environment: "node", testTimeout: 30_000, hookTimeout: 30_000 } },
      { extends: true, test: { name: "dom", include: ["test/dom/**/*.test.ts"], environment: "happy-dom" } },
      // Real runtimes as subprocesses (node, bun, deno) and workerd through miniflare; they need `npm run build`.
      { extends: true, test: { name: "runtimes", include: ["test/runtimes/**/*.test.ts"], environment: "node", testTimeout: 60_000, hookTimeout: 60_000 } },
      // Headless Chromium (Debian's /usr/bin/chromium driven by playwright-core).
      { extends: true, test: { name: "browser", include: ["test/browser/**/*.test.ts"], environment: "node", testTimeout: 60_000, hookTimeout: 60_000 } },
    ],
  },
});
