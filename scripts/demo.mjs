// `npm run demo`: start a local collector, run examples/quickstart.ts against it, and show what
// arrived. Node 20 cannot run TypeScript, so esbuild compiles the example first; it imports
// "aither" by name, which resolves to the freshly built package (dist/).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { startCollector } from "../dist/collector/index.js";

const out = "dist/examples/quickstart.mjs";
mkdirSync("dist/examples", { recursive: true });
await build({ entryPoints: ["examples/quickstart.ts"], outfile: out, format: "esm", platform: "node", target: "node18", logLevel: "warning" });

const dataDir = mkdtempSync(join(tmpdir(), "aither-demo-"));
// The temp folder goes whatever the ending: success, an error (the 'exit' event still fires), or
// Ctrl-C / kill (exit 130 / 143 so the 'exit' handler runs).
let child;
process.on("exit", () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill();
  rmSync(dataDir, { recursive: true, force: true });
});
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));
const dataFile = join(dataDir, "collector.jsonl");
const collector = await startCollector({ port: 0, dataFile });
console.log(`collector listening on ${collector.url} (data: ${dataFile})\n`);

// Async spawn: the collector runs in this process and must keep answering meanwhile.
child = spawn(process.execPath, [out], { stdio: "inherit", env: { ...process.env, AITHER_ENDPOINT: collector.url } });
const status = await new Promise((resolve) => child.on("exit", (code) => resolve(code)));

const stats = await (await fetch(`${collector.url}/v1/stats`)).json();
const [latest] = (await (await fetch(`${collector.url}/v1/predictions?model_id=churn-classifier-v2&limit=1`)).json()).predictions;
console.log("\nwhat the collector received:");
console.log(`  predictions per model: ${JSON.stringify(stats.by_model)}`);
console.log(`  labels: ${stats.labels}`);
console.log("  one stored prediction:");
console.log(JSON.stringify(latest, null, 2).replace(/^/gm, "    "));
await collector.close();
process.exit(status === 0 && stats.predictions > 0 ? 0 : 1);
