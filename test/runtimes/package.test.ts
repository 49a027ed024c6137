// Packaging facts that must hold for every release: one version everywhere, and the bundle
// budgets of .size-limit.json (a regression guard; `npm run size` prints the same numbers).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { VERSION } from "../../src/version.ts";

const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));

it("has one version in package.json, jsr.json and src/version.ts", () => {
  expect(json("package.json").version).toBe(VERSION);
  expect(json("jsr.json").version).toBe(VERSION);
});

it("keeps the browser and Workers bundles, and an app importing only init and logPrediction, within their size budgets", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["scripts/size.mjs"]);
  expect(stdout).toMatch(/^ok\s+browser entry/m);
  expect(stdout).toMatch(/^ok\s+browser, an app importing only init and logPrediction/m);
  expect(stdout).not.toMatch(/^OVER/m);
});
