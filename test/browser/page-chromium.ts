import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { type Browser, chromium } from "playwright-core";

// Flags from RUNTIMES.md section 8, as test/browser/chromium.test.ts launches Chromium.
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The Chromium to drive, found as .ci/run finds it: $CHROMIUM_PATH, else on PATH, else /usr/bin/chromium. */
export function chromiumPath(): string {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) return explicit;
  const executable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  };
  for (const name of ["chromium", "chromium-browser"]) {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      if (dir !== "" && executable(join(dir, name))) return join(dir, name);
    }
  }
  return "/usr/bin/chromium";
}

/** Headless Debian Chromium through playwright-core. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ARGS });
}

/** Where tests write screenshots and other artifacts (git-ignored). */
export const ARTIFACTS: URL = new URL("../artifacts/", import.meta.url);
