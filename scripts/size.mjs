// `npm run size`: bundle each budgeted entry as an app would (esbuild, minified, dependencies
// included) and compare its gzip size with the budget in .size-limit.json. size-limit itself
// needs Node 22; this does the same measurement with the tools we already have. An entry with
// `import` (as in size-limit: "{ init, logPrediction }") measures an app that imports only
// those names: what tree-shaking leaves of the entry.
// `npm run size -- --why` also lists the minified bytes each source file adds, largest first
// (like size-limit's --why): where to look before a budget is raised.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const why = process.argv.includes("--why");
const budgets = JSON.parse(readFileSync(".size-limit.json", "utf8"));
let over = 0;
for (const { name, path, source, import: names, limit, platform = "browser", conditions = [] } of budgets) {
  // --why bundles the TypeScript source: the built chunks would hide which file adds what.
  const entry = why && source ? source : path;
  const result = await build({
    ...(names ? { stdin: { contents: `export ${names} from ${JSON.stringify(resolve(entry))};`, resolveDir: "." } } : { entryPoints: [entry] }),
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    platform,
    conditions,
    target: "es2022",
    logLevel: "silent",
    metafile: why,
  });
  const bytes = gzipSync(result.outputFiles[0].contents, { level: 9 }).length;
  const limitBytes = Number.parseFloat(limit) * (/KB$/i.test(limit) ? 1000 : 1);
  const ok = bytes <= limitBytes;
  if (!ok) over++;
  console.log(`${ok ? "ok  " : "OVER"} ${name}: ${(bytes / 1000).toFixed(2)} KB min+gzip (budget ${limit})`);
  if (why) printInputs(result.metafile, result.outputFiles[0].contents.length);
}
process.exit(over ? 1 : 0);

/** Minified bytes per source file of the bundle. */
function printInputs(metafile, total) {
  const [output] = Object.values(metafile.outputs);
  const rows = Object.entries(output.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .sort(([, a], [, b]) => b.bytesInOutput - a.bytesInOutput);
  for (const [file, input] of rows) {
    const share = ((100 * input.bytesInOutput) / total).toFixed(1);
    console.log(`     ${String(input.bytesInOutput).padStart(6)} B ${share.padStart(5)}%  ${file}`);
  }
  console.log(`     ${String(total).padStart(6)} B minified in all`);
}
