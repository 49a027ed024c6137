import { launchFirefox } from "./engines/firefox.ts";
import { describeUnloadCases } from "./unload-cases.ts";

// Debian's firefox-esr, headless, driven by puppeteer-core over WebDriver BiDi.
describeUnloadCases("Firefox", launchFirefox, {
  sharedQuota: false,
  closeLosesEvents: "Firefox aborts the pagehide listener of a closing tab a few ms in, see the README",
});
