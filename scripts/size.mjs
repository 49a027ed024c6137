// `npm run size`: bundle each budgeted entry as an app would (esbuild, minified, dependencies
// included) and compare its gzip size with the budget in .size-limit.json. size-limit itself
// needs Node 22; this does the same measurement with the tools we already have.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const budgets = JSON.parse(readFileSync(".size-limit.json", "utf8"));
let over = 0;
for (const { name, path, limit, platform = "browser", conditions = [] } of budgets) {
  const result = await build({
    entryPoints: [path],
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    platform,
    conditions,
    target: "es2022",
    logLevel: "silent",
  });
  const bytes = gzipSync(result.outputFiles[0].contents, { level: 9 }).length;
  const limitBytes = Number.parseFloat(limit) * (/KB$/i.test(limit) ? 1000 : 1);
  const ok = bytes <= limitBytes;
  if (!ok) over++;
  console.log(`${ok ? "ok  " : "OVER"} ${name}: ${(bytes / 1000).toFixed(2)} KB min+gzip (budget ${limit})`);
}
process.exit(over ? 1 : 0);
