// The collector page's tests drive the same Chromium as the other browser suites.
export { chromiumPath, launchChromium } from "../helpers/chromium.ts";

/** Where tests write screenshots and other artifacts (git-ignored). */
export const ARTIFACTS: URL = new URL("../artifacts/", import.meta.url);
