// npm "version" hook: copy package.json's new version into src/version.ts and jsr.json, so the
// JSR sources (which have no build step) and the X-Aither-SDK header agree with npm.
import { readFileSync, writeFileSync } from "node:fs";

const { version } = JSON.parse(readFileSync("package.json", "utf8"));
writeFileSync(
  "src/version.ts",
  `/** The package version, kept in step with package.json and jsr.json by \`npm version\`. */\nexport const VERSION = "${version}";\n`,
);
const jsr = JSON.parse(readFileSync("jsr.json", "utf8"));
jsr.version = version;
writeFileSync("jsr.json", `${JSON.stringify(jsr, null, 2)}\n`);
console.log(`version ${version} written to src/version.ts and jsr.json`);
