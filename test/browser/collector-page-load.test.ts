import { spawn } from "node:child_process";
import { expect, it } from "vitest";
import { chromiumPath } from "./page-chromium.ts";

// The page at scale: scripts/page-load.mjs ingests predictions into the built CLI's file store,
// restarts it on the file and opens the page. Numbers are printed, not asserted (the machine is
// shared); what is asserted is that the restarted collector's page shows every prediction.
// `npm run load:page` runs the full 1,000,000; the suite runs AITHER_PAGE_LOAD_COUNT (default 200,000).
const COUNT = Number(process.env.AITHER_PAGE_LOAD_COUNT ?? 200_000);

it(`loads the page of a collector restarted on a file of ${COUNT.toLocaleString("en-US")} predictions, and prints the cost`, async () => {
  const child = spawn(process.execPath, ["scripts/page-load.mjs", String(COUNT)], {
    env: { ...process.env, CHROMIUM_PATH: chromiumPath() },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect(code, out).toBe(0);
  const lines = out.trim().split("\n");
  process.stdout.write(`${lines.slice(0, -1).join("\n")}\n`);
  const result = JSON.parse(lines.at(-1) as string);
  expect(result.reloadedPredictions).toBe(COUNT);
  expect(result.pageShows).toBe(COUNT.toLocaleString("en-US"));
  expect(result.pageRows).toBe(100);
}, 600_000);

it("serves the page from the built CommonJS entry too (it finds its files through the import.meta.url shim)", async () => {
  const script = `const { startCollector } = require("./dist/collector/index.cjs");
startCollector({ port: 0 }).then(async (c) => { const res = await fetch(c.pageUrl); const js = await fetch(c.url + "/page/app.js"); console.log(res.status, js.status, (await res.text()).includes("/page/app.js")); await c.close(); });`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  expect(await new Promise((resolve) => child.on("close", resolve))).toBe(0);
  expect(out.trim()).toBe("200 200 true");
});
