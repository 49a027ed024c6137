// The npm tarball as a consumer gets it: `npm pack` of this folder (dist/ must be built), for
// the package checks in package-tools.test.ts and package-types.test.ts.
import { type ExecFileOptions, execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./harness.ts";

/** execFile as a promise: rejects on a non-zero exit, with `stdout` and `stderr` on the error. */
export const run: (file: string, args: string[], options: ExecFileOptions) => Promise<{ stdout: string; stderr: string }> = promisify(execFile);

/**
 * Time limit of a test that runs tsc, attw or deno: a few seconds alone, but CPU-bound, and this
 * machine is shared (40 s and more seen under load). Generous, as nothing here waits on a clock.
 */
export const SLOW_TOOL_MS = 180_000;

/** Tools must work offline: any request that is not loopback goes to a proxy nobody listens on. */
export const OFFLINE: NodeJS.ProcessEnv = {
  ...process.env,
  HTTP_PROXY: "http://127.0.0.1:9",
  HTTPS_PROXY: "http://127.0.0.1:9",
  NO_PROXY: "127.0.0.1,localhost",
  DENO_NO_UPDATE_CHECK: "1",
  NO_COLOR: "1",
};

export interface Packed {
  /** Temporary folder holding the tarball; `cleanup()` removes it. */
  dir: string;
  tarball: string;
  /** Paths inside the tarball, as npm lists them (no `package/` prefix). */
  files: string[];
  pkg: PackageJson;
  cleanup(): Promise<void>;
}

export interface PackageJson {
  name: string;
  exports: Record<string, unknown>;
  main?: string;
  module?: string;
  types?: string;
  bin?: Record<string, string>;
}

/** Pack this package without lifecycle scripts (the build is `npm test`'s first step). */
export async function pack(): Promise<Packed> {
  if (!existsSync(join(ROOT, "dist/index.js"))) throw new Error("dist/ is missing: run npm run build first");
  const dir = await mkdtemp(join(tmpdir(), "aither-pack-"));
  const { stdout } = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], { cwd: ROOT, env: OFFLINE });
  const [info] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as PackageJson;
  return {
    dir,
    tarball: join(dir, info.filename),
    files: info.files.map((f) => f.path),
    pkg,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Every file path the exports map points at, whatever its conditions and nesting. */
export function exportTargets(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  return Object.values(value).flatMap(exportTargets);
}

/** The specifiers a consumer imports: one per code subpath ("aither", "aither/node", ...). */
export function specifiers(pkg: PackageJson): string[] {
  return Object.keys(pkg.exports)
    .filter((key) => !key.endsWith(".json"))
    .map((key) => (key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`));
}
