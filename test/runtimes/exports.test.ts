// Which entry each runtime and bundler gets from package.json `exports` (SPEC section 4,
// STYLE "Packaging"), seen from a consumer folder whose node_modules/aither is this package.
// Needs `npx tsup` first (dist/).
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, symlink, writeFile, copyFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { build, type BuildOptions } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const BIN = join(ROOT, "node_modules/.bin");

let consumer: string;

beforeAll(async () => {
  consumer = await mkdtemp(join(tmpdir(), "aither-consumer-"));
  await mkdir(join(consumer, "node_modules"));
  await symlink(ROOT, join(consumer, "node_modules/aither"), "dir");
  await writeFile(join(consumer, "package.json"), JSON.stringify({ name: "consumer", type: "module", dependencies: { aither: "*" } }));
  await copyFile(join(ROOT, "test/fixtures/resolve-aither.mjs"), join(consumer, "resolve-aither.mjs"));
  await writeFile(join(consumer, "entry.js"), 'import * as aither from "aither";\nexport default aither;\n');
});

afterAll(async () => {
  if (consumer) await rm(consumer, { recursive: true, force: true });
});

interface Resolution {
  resolved: Record<string, string>;
  adapter: string;
}

async function resolveWith(command: string, args: string[]): Promise<Resolution> {
  const { stdout } = await run(command, [...args, "resolve-aither.mjs"], { cwd: consumer, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" } });
  return JSON.parse(stdout.trim()) as Resolution;
}

const dist = (file: string) => `file://${ROOT}/dist/${file}`;

/** The dist file esbuild bundles for `import "aither"` with these options. */
async function bundledEntry(options: BuildOptions): Promise<string> {
  const result = await build({
    entryPoints: ["entry.js"],
    absWorkingDir: consumer,
    bundle: true,
    write: false,
    format: "esm",
    metafile: true,
    logLevel: "silent",
    ...options,
  });
  const entries = Object.keys(result.metafile?.inputs ?? {})
    .map((input) => relative(ROOT, join(consumer, input)))
    .map((path) => path.replace(/^.*?dist\//, "dist/"))
    .filter((path) => /^dist\/(index|node|deno|browser|cloudflare|edge)\.js$/.test(path));
  expect(entries).toHaveLength(1);
  return entries[0] as string;
}

describe("exports conditions", () => {
  it("Node import and require get the node entry and the node adapter", async () => {
    const r = await resolveWith(process.execPath, []);
    expect(r.resolved.aither).toBe(dist("node.js"));
    expect(r.resolved.require).toBe(`${ROOT}/dist/node.cjs`);
    expect(r.adapter).toBe("node");
  });

  it("Bun gets the bun condition: the node files with the adapter named bun", async () => {
    const r = await resolveWith(join(BIN, "bun"), []);
    expect(r.resolved.aither).toBe(dist("node.js"));
    expect(r.adapter).toBe("bun");
  });

  it("Deno gets the deno entry and the deno adapter", async () => {
    const r = await resolveWith(join(BIN, "deno"), ["run", "--cached-only", "--allow-read", "--allow-env"]);
    expect(r.resolved.aither).toBe(dist("deno.js"));
    expect(r.adapter).toBe("deno");
  });

  it("the explicit subpaths resolve to their entry in every runtime", async () => {
    for (const r of [await resolveWith(process.execPath, []), await resolveWith(join(BIN, "deno"), ["run", "--cached-only", "--allow-read", "--allow-env"])]) {
      expect(r.resolved["aither/node"]).toBe(dist("node.js"));
      expect(r.resolved["aither/browser"]).toBe(dist("browser.js"));
      expect(r.resolved["aither/cloudflare"]).toBe(dist("cloudflare.js"));
      expect(r.resolved["aither/deno"]).toBe(dist("deno.js"));
      expect(r.resolved["aither/edge"]).toBe(dist("edge.js"));
    }
  });

  it("bundlers: workerd gets cloudflare, browser gets browser, neutral gets the portable default", async () => {
    // Wrangler's conditions.
    expect(await bundledEntry({ platform: "neutral", conditions: ["workerd", "worker", "browser"] })).toBe("dist/cloudflare.js");
    expect(await bundledEntry({ platform: "browser" })).toBe("dist/browser.js");
    expect(await bundledEntry({ platform: "node" })).toBe("dist/node.js");
    expect(await bundledEntry({ platform: "neutral" })).toBe("dist/index.js");
  });

  it("edge bundlers (Next.js edge routes, Vercel Edge Functions: edge-light) get the edge entry, not the browser one", async () => {
    // Next.js resolves edge code with edge-light, worker, browser; Vercel's edge-runtime bundling adds import and default.
    expect(await bundledEntry({ platform: "neutral", conditions: ["edge-light", "worker", "browser"] })).toBe("dist/edge.js");
    expect(await bundledEntry({ platform: "browser", conditions: ["edge-light", "worker", "browser", "import", "default"] })).toBe("dist/edge.js");
    // Wrangler never sets edge-light, and workerd stays first.
    expect(await bundledEntry({ platform: "neutral", conditions: ["workerd", "edge-light", "worker", "browser"] })).toBe("dist/cloudflare.js");
  });

  it("the worker condition alone never picks the Cloudflare entry (bundlers use it for browser Web Workers)", async () => {
    expect(await bundledEntry({ platform: "neutral", conditions: ["worker"] })).toBe("dist/index.js");
    expect(await bundledEntry({ platform: "browser", conditions: ["worker"] })).toBe("dist/browser.js");
  });
});

describe("package boundaries", () => {
  it("no file in src/ imports from adapters/ or a node: module", async () => {
    const offenders: string[] = [];
    for (const file of await readdir(join(ROOT, "src"), { recursive: true })) {
      if (!file.endsWith(".ts")) continue;
      const text = await readFile(join(ROOT, "src", file), "utf8");
      const specifiers = [...text.matchAll(/(?:from\s*|import\s*\(\s*|import\s+)["']([^"']+)["']/g)].map((m) => m[1] as string);
      for (const s of specifiers) if (s.startsWith("node:") || s.includes("adapters/")) offenders.push(`${file}: ${s}`);
    }
    expect(offenders).toEqual([]);
  });

  it("package.json and jsr.json export the same subpaths, both ways", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    const jsr = JSON.parse(await readFile(join(ROOT, "jsr.json"), "utf8")) as { exports: Record<string, unknown> };
    // "./package.json" is npm's own file; JSR publishes no package.json to export.
    const npmKeys = Object.keys(pkg.exports)
      .filter((k) => k !== "./package.json")
      .sort();
    const jsrKeys = Object.keys(jsr.exports).sort();
    expect(npmKeys.filter((k) => !jsrKeys.includes(k))).toEqual([]);
    expect(jsrKeys.filter((k) => !npmKeys.includes(k))).toEqual([]);
  });

  it("lists the runtime conditions most specific first, default last, and never worker", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { exports: { ".": Record<string, unknown> } };
    expect(Object.keys(pkg.exports["."])).toEqual(["workerd", "edge-light", "browser", "deno", "bun", "node", "default"]);
  });
});
