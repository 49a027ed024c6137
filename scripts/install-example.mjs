// `node scripts/install-example.mjs examples/nextjs`: install an example's own dependencies
// (npm ci) unless its node_modules was installed from the same lockfile. The Next.js test runs
// it; .ci/run runs it early, in the background, so the install overlaps the other checks.
// --install-links: a `file:../..` dependency is packed and copied, not symlinked (Turbopack does
// not follow a symlinked package); the test replaces that copy with a fresh `npm pack` anyway.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) throw new Error("usage: node scripts/install-example.mjs <example folder>");
const stamp = join(dir, "node_modules/.aither-lock-sha256");
const lock = createHash("sha256")
  .update(readFileSync(join(dir, "package-lock.json")))
  .digest("hex");
let installed = "";
try {
  installed = readFileSync(stamp, "utf8");
} catch {}
if (installed !== lock) {
  execFileSync("npm", ["ci", "--install-links", "--no-audit", "--no-fund"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  writeFileSync(stamp, lock);
}
