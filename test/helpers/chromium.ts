import { type Browser, chromium } from "playwright-core";
import { findExecutable } from "../browser/engines/executable.ts";

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
  return findExecutable("CHROMIUM_PATH", ["chromium", "chromium-browser"], "/usr/bin/chromium");
}

/** Headless Debian Chromium through playwright-core. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}
