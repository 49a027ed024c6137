// The Next.js example (examples/nextjs) as the tests use it: its own dependencies installed once
// (reinstalled when its lockfile changes), this package copied in from `npm pack` (Turbopack does
// not follow a symlinked package, RUNTIMES.md §15), one `next build`, then `next start`.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./harness.ts";

const run = promisify(execFile);
export const APP: string = join(ROOT, "examples/nextjs");
const NEXT_ENV = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NO_COLOR: "1" };

/** `npm ci` in the example unless its node_modules was installed from the same lockfile. */
async function installDependencies(): Promise<void> {
  await run(process.execPath, ["scripts/install-example.mjs", "examples/nextjs"], { cwd: ROOT, maxBuffer: 1 << 24 });
}

/** Replace node_modules/aither with this checkout's package as npm would publish it (dist must be built). */
async function copyPackage(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "aither-pack-"));
  try {
    const { stdout } = await run("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: ROOT });
    const target = join(APP, "node_modules/aither");
    await rm(target, { recursive: true, force: true });
    await mkdir(target, { recursive: true });
    await run("tar", ["-xzf", join(dir, stdout.trim().split("\n").pop() as string), "-C", target, "--strip-components=1"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Install, copy the package in and run `next build`; returns what the build printed (stdout and stderr). */
export async function buildApp(): Promise<string> {
  await installDependencies();
  await copyPackage();
  const { stdout, stderr } = await run(join(APP, "node_modules/.bin/next"), ["build"], { cwd: APP, env: NEXT_ENV, maxBuffer: 1 << 24 });
  return `${stdout}\n${stderr}`;
}

export interface NextServer {
  url: string;
  /** What the server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** `next start` on a free loopback port, with `env` added to its environment. */
export async function startApp(env: Record<string, string>): Promise<NextServer> {
  // Its own process group, so stop() ends the server and any worker it forked, and nothing else.
  const child: ChildProcess = spawn(join(APP, "node_modules/.bin/next"), ["start", "-H", "127.0.0.1", "-p", "0"], {
    cwd: APP,
    env: { ...NEXT_ENV, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const local = /Local:\s+(http:\/\/\S+)/.exec(output);
      if (local && output.includes("Ready")) resolve(local[1] as string);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then(() => reject(new Error(`next start exited before it was ready:\n${output}`)));
  });
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), "SIGTERM");
      await exited;
    },
  };
}
