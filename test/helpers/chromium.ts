import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

// Headless Chromium flags from RUNTIMES.md section 8.
export const CHROMIUM_ARGS: string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * The Chromium to drive, found as .ci/run finds it (and installs it when this finds none):
 * $CHROMIUM_PATH, else `chromium` or `chromium-browser` on PATH, else /usr/bin/chromium.
 */
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
