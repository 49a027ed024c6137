import { launchFirefox } from "./engines/firefox.ts";
import { describeUnloadCases } from "./unload-cases.ts";

// Debian's firefox-esr, headless, driven by puppeteer-core over WebDriver BiDi.
describeUnloadCases("Firefox", launchFirefox, {
  sharedQuota: false,
  closeLosesEvents: "Firefox can stop a closing tab's listeners a few ms in; fewer losses now, but 2 of 12 closes still lost events: see the README",
});
