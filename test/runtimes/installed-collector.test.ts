// The collector as npm installs it: the packed tarball unpacked into a temporary folder (what
// `npm install` puts in node_modules/aither), its CLI started from there, and every file of the
// live page fetched from it. A page file left out of the package answers 503 here.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assetList } from "../../collector/page/assets.ts";
import { type Packed, pack, run, SLOW_TOOL_MS } from "./pack.ts";

let packed: Packed;
let dir: string;
let child: ChildProcess | undefined;
let url: string;

beforeAll(async () => {
  packed = await pack();
  dir = await mkdtemp(join(tmpdir(), "aither-installed-"));
  await run("tar", ["-xzf", packed.tarball, "-C", dir], {});
  const cli = join(dir, "package", "dist", "collector", "cli.js");
  child = spawn(process.execPath, [cli, "collector", "--port", "0", "--memory", "--quiet"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child?.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child?.on("exit", (code) => reject(new Error(`the installed collector exited (${code}) before listening: ${out}`)));
  });
}, SLOW_TOOL_MS);

afterAll(async () => {
  child?.kill();
  await packed?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the collector from the packed tarball", () => {
  it("serves every file of its live page", async () => {
    const answers = await Promise.all(
      assetList().map(async ([path, type]) => {
        const response = await fetch(new URL(path, url));
        const body = await response.text();
        return { path, status: response.status, typed: (response.headers.get("content-type") ?? "").startsWith(type), empty: body.length === 0 };
      }),
    );
    expect(answers.filter((a) => a.status !== 200 || !a.typed || a.empty)).toEqual([]);
  });

  it("ingests a batch and reads it back", async () => {
    const batch = { batch_id: "b1", predictions: [{ id: "p1", model_id: "m", prediction: 1, timestamp: new Date().toISOString() }] };
    const posted = await fetch(new URL("/v1/predictions/batch", url), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(batch),
    });
    expect(posted.status).toBe(200);
    const read = (await (await fetch(new URL("/v1/predictions?model_id=m", url))).json()) as unknown;
    expect(JSON.stringify(read)).toContain('"p1"');
  });
});
