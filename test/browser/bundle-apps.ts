// Production builds of browser apps with Vite and webpack, as a user's project makes them: the
// apps live in a consumer folder whose node_modules/aither holds what npm installs from this
// package (package.json and dist/), so `import ... from "aither"` goes through `exports`.
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUILD = fileURLToPath(new URL("../fixtures/build-app.mjs", import.meta.url));
const run = promisify(execFile);

export const BUNDLERS = ["vite", "webpack"] as const;
export type Bundler = (typeof BUNDLERS)[number];

/** Copy the apps (name -> folder of this repo with index.html and main.js) next to an installed aither. */
export async function makeConsumer(apps: Record<string, string>): Promise<string> {
  const consumer = await mkdtemp(join(tmpdir(), "aither-bundlers-"));
  const installed = join(consumer, "node_modules/aither");
  await mkdir(installed, { recursive: true });
  await cp(join(ROOT, "package.json"), join(installed, "package.json"));
  await cp(join(ROOT, "dist"), join(installed, "dist"), { recursive: true });
  const skip = (path: string) => !/[/\\](node_modules|dist)$/.test(path);
  await Promise.all(Object.entries(apps).map(([name, dir]) => cp(join(ROOT, dir), join(consumer, name), { recursive: true, filter: skip })));
  return consumer;
}

/** What a production build wrote. */
export interface Bundle {
  /** Every JS file of the output. */
  code: string;
  /** Node built-ins the app refers to: left in the code, or replaced by an empty stub (Vite, with a warning). */
  builtins: string[];
  /** What the bundler warned about. */
  warnings: string[];
}

/** Build `app` (a folder with index.html and main.js) for production into `out`, in a process of its own. */
export async function bundle(bundler: Bundler, app: string, out: string): Promise<Bundle> {
  const { NODE_ENV: _, ...env } = process.env; // vitest sets "test", which makes Vite build for development
  const { stdout } = await run(process.execPath, [BUILD, bundler, app, out], { env });
  const stubbed = [...stdout.matchAll(/^stubbed (.+)$/gm)].map((match) => match[1] as string);
  const files = (await readdir(out, { recursive: true })).filter((file) => file.endsWith(".js"));
  const code = (await Promise.all(files.map((file) => readFile(join(out, file), "utf8")))).join("\n");
  const warnings = [...stdout.matchAll(/^warning (.+)$/gm)].map((match) => match[1] as string);
  return { code, builtins: [...stubbed, ...nodeBuiltinsIn(code)], warnings };
}

const BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith("_")));

/** Node built-ins a bundle still refers to: `node:` specifiers, bare built-in names imported or required. */
function nodeBuiltinsIn(code: string): string[] {
  const found = new Set<string>();
  for (const match of code.matchAll(/["'`](node:[\w/]+)["'`]/g)) found.add(match[1] as string);
  for (const match of code.matchAll(/(?:\bfrom|\bimport|\brequire)\s*\(?\s*["'`]([\w/]+)["'`]/g)) {
    if (BUILTINS.has(match[1] as string)) found.add(match[1] as string);
  }
  return [...found];
}
