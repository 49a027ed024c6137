// A TypeScript 5.9 consumer compiled against the packed tarball, as installed from npm, under the
// three resolutions users run: nodenext from ESM, nodenext from CJS, and bundler. It imports every
// subpath of the exports map and type-checks our declarations too (skipLibCheck off).
import { cp, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./harness.ts";
import { OFFLINE, type Packed, pack, run, SLOW_TOOL_MS, specifiers } from "./pack.ts";

const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
// skipLibCheck off checks our declarations (and @types/node); TypeScript's own lib files need no check.
const strict = { target: "es2022", strict: true, noEmit: true, skipLibCheck: false, skipDefaultLibCheck: true, listFiles: true };

/**
 * Each consumer: its source files, compiler options, and the declarations "aither" must resolve
 * to. nodenext takes ESM and CJS in one program (one tsc run): .mts files are ESM, .cts files CJS.
 */
const CONSUMERS = {
  nodenext: {
    files: ["esm.mts", "cjs.cts"],
    options: { module: "nodenext", lib: ["es2022"], types: ["node"] },
    typedBy: ["dist/node.d.ts", "dist/node.d.cts"],
  },
  // A bundled app for the browser; it has @types/node too, as apps that import aither/collector do.
  bundler: {
    files: ["app.ts"],
    options: { module: "esnext", moduleResolution: "bundler", lib: ["es2022", "dom"], types: ["node"] },
    typedBy: ["dist/index.d.ts"],
  },
};

let packed: Packed;
let consumer: string;

/** The consumer's source: every subpath typed (never `any`), and a call the types must reject. */
function consumerSource(modules: string[]): string {
  const imports = modules.map((specifier, i) => `import * as m${i} from "${specifier}";`);
  const notAny = modules.map((_, i) => `export const typed${i}: IsAny<typeof m${i}> = false;`);
  return [
    ...imports,
    "type IsAny<T> = 0 extends 1 & T ? true : false;",
    ...notAny,
    'export const id: string = m0.logPrediction({ modelId: "churn", prediction: 1 });',
    "// @ts-expect-error modelId is a string: loose (any) types would make this directive unused, an error",
    "m0.logPrediction({ modelId: 42, prediction: 1 });",
    "",
  ].join("\n");
}

beforeAll(async () => {
  packed = await pack();
  consumer = join(packed.dir, "consumer");
  const modules = join(consumer, "node_modules");
  await mkdir(join(modules, "@types"), { recursive: true });
  await run("tar", ["-xzf", packed.tarball, "-C", packed.dir], {});
  await cp(join(packed.dir, "package"), join(modules, packed.pkg.name), { recursive: true });
  await symlink(join(ROOT, "node_modules/@types/node"), join(modules, "@types/node"), "dir");
  await symlink(join(ROOT, "node_modules/ofetch"), join(modules, "ofetch"), "dir");
  const source = consumerSource(specifiers(packed.pkg));
  for (const [name, { files, options }] of Object.entries(CONSUMERS)) {
    await mkdir(join(consumer, name));
    await writeFile(join(consumer, name, "package.json"), JSON.stringify({ name: `consumer-${name}`, private: true, type: "module" }));
    await writeFile(join(consumer, name, "tsconfig.json"), JSON.stringify({ compilerOptions: { ...strict, ...options }, files }));
    for (const file of files) await writeFile(join(consumer, name, file), source);
  }
}, SLOW_TOOL_MS);
afterAll(() => packed?.cleanup());

describe.concurrent("TypeScript consumer of the tarball", { timeout: SLOW_TOOL_MS }, () => {
  for (const [name, { files, typedBy }] of Object.entries(CONSUMERS)) {
    it(`compiles under ${name} (${files.join(", ")}), with strict types for every subpath, "aither" typed by ${typedBy.join(" and ")}`, async () => {
      const result = await run(process.execPath, [TSC, "-p", join(consumer, name)], { env: OFFLINE }).catch((error: { stdout?: string }) => ({
        stdout: error.stdout ?? String(error),
      }));
      expect(result.stdout.split("\n").filter((line) => line.includes("error TS"))).toEqual([]);
      for (const declarations of typedBy) expect(result.stdout).toContain(`node_modules/${packed.pkg.name}/${declarations}\n`);
    });
  }
});
