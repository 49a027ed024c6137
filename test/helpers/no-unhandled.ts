import { afterEach } from "vitest";

// Background work must never leave an unhandled rejection: fail the test that caused one
// (vitest would only fail the run, without saying which test).
const seen: unknown[] = [];
process.on("unhandledRejection", (reason) => {
  seen.push(reason);
});

afterEach(() => {
  if (seen.length > 0) {
    const reasons = seen.splice(0);
    throw new Error(`unhandled rejection(s) during this test: ${reasons.map(String).join("; ")}`);
  }
});
