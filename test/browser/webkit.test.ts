import { launchWebKit } from "./engines/webkit.ts";
import { describeUnloadCases } from "./unload-cases.ts";

// WebKit, the engine of Safari: WebKitGTK's MiniBrowser on Xvfb, driven by WebKitWebDriver.
describeUnloadCases("WebKit", launchWebKit, { sharedQuota: true });
