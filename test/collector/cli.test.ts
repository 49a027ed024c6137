import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCollector } from "../../collector/index.ts";
import { tempDir } from "./helpers.ts";

let cli: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  cli = join(tempDir(), "cli.mjs");
  await build({ entryPoints: ["collector/cli.ts"], bundle: true, platform: "node", format: "esm", outfile: cli, logLevel: "silent" });
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
});

function run(args: string[], cwd: string) {
  const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  // "close", not "exit": stdio may still hold output when the process has exited.
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const line = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = stdout.match(pattern);
        if (match) resolve(match);
      };
      child.stdout.on("data", check);
      child.on("exit", () => reject(new Error(`exited before printing ${pattern}: ${stdout}${stderr}`)));
      check();
    });
  return { child, exited, line, output: () => ({ stdout, stderr }) };
}

describe("aither collector CLI", () => {
  it("prints the real port for --port 0 and the page's URL, serves, stores in the default file, and exits 0 on SIGTERM", async () => {
    const cwd = tempDir();
    const proc = run(["collector", "--port", "0"], cwd);
    const [, url, data] = await proc.line(/listening on (http:\/\/127\.0\.0\.1:(?!0\b)\d+) \(data: (.+)\)/);
    expect(data).toBe(join(cwd, ".aither", "collector.jsonl"));
    await proc.line(new RegExp(`collector page: ${String(url).replace(/[.]/g, "\\.")}/ \\(`));
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const batch = { batch_id: "b", sent_at: "x", predictions: [{ id: "p", model_id: "m", prediction: 1 }] };
    const res = await fetch(`${url}/v1/predictions/batch`, { method: "POST", body: JSON.stringify(batch) });
    expect(res.status).toBe(200);
    await proc.line(/POST \/v1\/predictions\/batch 200 1 events/);
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(existsSync(join(cwd, ".aither", "collector.jsonl"))).toBe(true);
  });

  it("takes fault and key flags", async () => {
    const proc = run(
      ["collector", "--port", "0", "--memory", "--quiet", "--error-rate", "1", "--status", "429", "--retry-after", "2", "--api-key", "k"],
      tempDir(),
    );
    const [, url] = await proc.line(/listening on (\S+) \(data: memory only\)/);
    await proc.line(/collector page: http:\/\/127\.0\.0\.1:\d+\/\?key=<your --api-key> /);
    const res = await fetch(`${url}/v1/predictions/batch`, { method: "POST", body: "{}" });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("2");
    proc.child.kill("SIGINT");
    expect(await proc.exited).toBe(0);
    expect(proc.output().stdout).not.toMatch(/POST/);
  });

  it("prints usage for --help and exits 0", async () => {
    const proc = run(["--help"], tempDir());
    expect(await proc.exited).toBe(0);
    expect(proc.output().stdout).toMatch(/Usage: aither collector/);
  });

  it("prints usage and exits 2 for an unknown subcommand or flag", async () => {
    const unknown = run(["serve"], tempDir());
    expect(await unknown.exited).toBe(2);
    expect(unknown.output().stderr).toMatch(/unknown command "serve"[\s\S]*Usage/);
    const badFlag = run(["collector", "--nope"], tempDir());
    expect(await badFlag.exited).toBe(2);
  });

  it.each([["70000"], ["1.5"], ["-1"], ["abc"], [""]])("prints usage and exits 2 for --port=%s", async (port) => {
    const proc = run(["collector", `--port=${port}`, "--memory"], tempDir());
    expect(await proc.exited).toBe(2);
    expect(proc.output().stderr).toMatch(/--port must be an integer from 0 to 65535[\s\S]*Usage/);
  });

  it("prints usage and exits 2 for a --retry-after that is not seconds or an HTTP date", async () => {
    const proc = run(["collector", "--port", "0", "--memory", "--retry-after", "1\n2"], tempDir());
    expect(await proc.exited).toBe(2);
    expect(proc.output().stderr).toMatch(/retryAfter must be[\s\S]*Usage/);
  });

  it("says how to get another port when the port is in use, and exits 1", async () => {
    const busy = await startCollector({ port: 0 });
    try {
      const proc = run(["collector", "--port", String(busy.port), "--memory"], tempDir());
      expect(await proc.exited).toBe(1);
      expect(proc.output().stderr).toBe(`aither: port ${busy.port} is in use: pass --port 0 for a free port, or another port\n`);
    } finally {
      await busy.close();
    }
  });
});
