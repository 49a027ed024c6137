// `npm run setup:node-versions`: install the Node binaries of test/node-versions/ (one folder per
// major, each pinning the npm package `node`, whose preinstall script fetches the real binary).
// .ci/run calls it after `npm ci`; the tests themselves stay offline. The folders install in
// parallel: the time is the download, not the CPU.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = "test/node-versions";
const folders = readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, "package-lock.json")))
  .map((entry) => join(root, entry.name));

const install = (folder) =>
  new Promise((resolve) => {
    const child = spawn("npm", ["ci", "--no-audit", "--no-fund"], { cwd: folder, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (error) => resolve(`${folder}: ${error.message}`));
    child.on("close", (code) => resolve(code === 0 ? null : `${folder}: npm ci exited with ${code}`));
  });

const failures = (await Promise.all(folders.map(install))).filter(Boolean);
for (const failure of failures) console.error(`setup:node-versions: ${failure}`);
if (failures.length === 0) console.log(`setup:node-versions: installed ${folders.join(", ")}`);
process.exit(failures.length === 0 ? 0 : 1);
