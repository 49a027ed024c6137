// The Node exit cases (node-cases.ts) under each supported major other than the one running the
// tests. Each folder of test/node-versions/ pins one `node` package from npm, which installs the
// real binary; `npm run setup:node-versions` (run by .ci/run) installs them all.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { nodeBinary, ROOT } from "./harness.ts";
import { nodeExitCases } from "./node-cases.ts";

const FOLDER = join(ROOT, "test/node-versions");

const versions = readdirSync(FOLDER, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(FOLDER, entry.name, "package.json")))
  .map((entry) => {
    const dir = join(FOLDER, entry.name);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies: { node: string } };
    return { major: entry.name, version: pkg.dependencies.node, binary: join(dir, "node_modules/node/bin/node") };
  });

const durations: Record<string, Record<string, number>> = {};
afterAll(() => console.log("node-versions child durations (ms):", durations));

it("tests the supported majors 22, 24 and 26", () => {
  expect(versions.map((v) => v.major)).toEqual(["22", "24", "26"]);
});

for (const { major, version, binary } of versions) {
  describe.concurrent(`node ${major}`, () => {
    it(`runs the binary of node ${version} installed from npm`, async () => {
      expect(existsSync(binary), `${binary} is missing: run npm run setup:node-versions`).toBe(true);
      const { stdout } = await promisify(execFile)(binary, ["--version"]);
      expect(stdout.trim()).toBe(`v${version}`);
    });

    // Without the binary, the test above says how to install it; the cases would only repeat that.
    if (existsSync(binary)) {
      durations[major] = {};
      nodeExitCases(nodeBinary(binary), durations[major]);
    }
  });
}
