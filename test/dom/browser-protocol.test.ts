import { expect, it } from "vitest";
import { AitherClient } from "../../adapters/browser.ts";
import { AitherValidationError } from "../../src/errors.ts";

it("rejects protocol otlp in the browser entry, naming the option (its unload path speaks only aither)", () => {
  let error: unknown;
  try {
    new AitherClient({ endpoint: "http://127.0.0.1:9", protocol: "otlp" });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(AitherValidationError);
  expect((error as AitherValidationError).field).toBe("protocol");
  expect((error as Error).message).toMatch(/^protocol "otlp" is not available in the browser entry/);
});
