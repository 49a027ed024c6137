// The npm tarball and the JSR package as the publishing tools see them: publint, Are the Types
// Wrong (node16 ESM and CJS, bundler), `deno publish --dry-run`, and what the tarball holds. All
// offline (RUNTIMES.md section 15). Checks go over the exports maps, so a new subpath is covered.
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./harness.ts";
import { exportTargets, OFFLINE, type Packed, pack, run, SLOW_TOOL_MS } from "./pack.ts";

let packed: Packed;
beforeAll(async () => {
  packed = await pack();
}, SLOW_TOOL_MS);
afterAll(() => packed?.cleanup());

const stripDot = (path: string): string => path.replace(/^\.\//, "");

describe.concurrent("npm tarball and JSR package", { timeout: SLOW_TOOL_MS }, () => {
  it("holds only package.json, README, CHANGELOG, LICENSE, the built dist/ files and the collector page's static files: no tests, no sources", () => {
    const expected = /^(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/[\w/.-]+\.(js|cjs|d\.ts|d\.cts)|collector\/page\/static\/[\w-]+\.(js|css|html))$/;
    expect(packed.files.filter((file) => !expected.test(file))).toEqual([]);
    expect(packed.files.filter((file) => /(^|\/)(test|tests|__tests__|fixtures)\/|\.(test|spec)\./.test(file))).toEqual([]);
  });

  it("holds every file that exports, main, module, types and bin point at", () => {
    const { exports, main, module, types, bin } = packed.pkg;
    const targets = [...exportTargets(exports), main, module, types, ...Object.values(bin ?? {})].filter((t) => t !== undefined);
    expect(targets.length).toBeGreaterThan(10);
    expect(targets.map(stripDot).filter((target) => !packed.files.includes(target))).toEqual([]);
  });

  it("publint finds no error and no warning", async () => {
    const tarball = await readFile(packed.tarball);
    const { messages, pkg } = await publint({ pack: { tarball: tarball.buffer as ArrayBuffer }, level: "warning" });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false })}`)).toEqual([]);
  });

  it("Are the Types Wrong finds no problem under node16 (from ESM and from CJS) and bundler resolution, for every subpath", async () => {
    // The node16 profile leaves out node10 resolution, which cannot see subpaths without typesVersions.
    const attw = join(ROOT, "node_modules/@arethetypeswrong/cli/dist/index.js");
    const args = [attw, packed.tarball, "--profile", "node16", "--format", "json", "--no-definitely-typed"];
    const { stdout } = await run(process.execPath, args, { env: OFFLINE }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    const { analysis } = JSON.parse(stdout) as { analysis: { entrypoints: Record<string, unknown>; problems: { resolutionKind?: string }[] } };
    expect(Object.keys(analysis.entrypoints).sort()).toEqual(Object.keys(packed.pkg.exports).sort());
    expect(analysis.problems.filter((p) => p.resolutionKind !== "node10")).toEqual([]);
  });

  it("JSR: deno publish --dry-run succeeds without a warning and publishes only the sources, README, CHANGELOG and jsr.json", async () => {
    // Run where `npm ci` has been done: Deno resolves jsr.json's npm:ofetch from node_modules.
    const deno = join(ROOT, "node_modules/.bin/deno");
    const { stdout, stderr } = await run(deno, ["publish", "--dry-run", "--allow-dirty"], { cwd: ROOT, env: OFFLINE });
    const output = `${stdout}\n${stderr}`;
    expect(output).toContain("Success Dry run complete");
    expect(output).not.toMatch(/warning/i);
    const published = [...output.matchAll(/^\s+(file:\/\/\S+) \(/gm)].map((m) => relative(ROOT, fileURLToPath(m[1] as string)));
    // Sources (folders included), and the collector page's static files.
    const expected = /^((src|adapters|collector)\/[\w/-]+\.ts|collector\/page\/static\/[\w-]+\.(js|css|html)|README\.md|CHANGELOG\.md|jsr\.json)$/;
    expect(published.filter((file) => !expected.test(file) || /\.(test|spec)\./.test(file))).toEqual([]);
    const jsr = JSON.parse(await readFile(join(ROOT, "jsr.json"), "utf8")) as { exports: Record<string, string> };
    expect(
      Object.values(jsr.exports)
        .map(stripDot)
        .filter((target) => !published.includes(target)),
    ).toEqual([]);
  });
});
