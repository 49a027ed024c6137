import { describe, expect, it } from "vitest";
import { AitherValidationError } from "../../src/errors.ts";
import { DEFAULT_ENDPOINT, DEFAULTS, resolveOptions } from "../../src/options.ts";

describe("resolveOptions", () => {
  it("applies the SPEC defaults", () => {
    const o = resolveOptions({}, {});
    expect(o).toMatchObject({ ...DEFAULTS, endpoint: DEFAULT_ENDPOINT, defaultEndpoint: true, apiKey: undefined, debug: false });
    expect(DEFAULTS).toMatchObject({
      flushInterval: 1000,
      batchSize: 100,
      maxBatchBytes: 524288,
      maxEventBytes: 262144,
      maxQueueSize: 10000,
      maxQueueBytes: 5242880,
      timeout: 10000,
      maxRetries: 5,
      shutdownTimeout: 10000,
      compression: "gzip",
      sampleRate: 1,
    });
  });

  it("reads AITHER_API_KEY and AITHER_ENDPOINT, options win, trailing slash ignored", () => {
    expect(resolveOptions({}, { AITHER_API_KEY: "k1", AITHER_ENDPOINT: "http://127.0.0.1:9/" })).toMatchObject({
      apiKey: "k1",
      endpoint: "http://127.0.0.1:9",
      defaultEndpoint: false,
    });
    expect(resolveOptions({ apiKey: "k2", endpoint: "http://h/x/" }, { AITHER_API_KEY: "k1" })).toMatchObject({ apiKey: "k2", endpoint: "http://h/x" });
  });

  const bad: [string, unknown, RegExp][] = [
    ["flushInterval", 0, /flushInterval must be a positive number of milliseconds, got 0/],
    ["flushInterval", "1000", /flushInterval must be a positive number/],
    ["timeout", -1, /timeout must be a positive number/],
    ["shutdownTimeout", Number.NaN, /shutdownTimeout/],
    ["batchSize", 1.5, /batchSize must be a positive integer/],
    ["maxQueueSize", 0, /maxQueueSize/],
    ["maxBatchBytes", -5, /maxBatchBytes/],
    ["maxRetries", -1, /maxRetries must be a non-negative integer/],
    ["sampleRate", 1.5, /sampleRate must be a number from 0 to 1/],
    ["compression", "br", /compression must be "gzip" or "none"/],
    ["endpoint", "not a url", /endpoint must be an absolute http\(s\) URL/],
    ["endpoint", "ftp://x", /endpoint must use http or https/],
    ["onError", "log", /onError must be a function/],
    ["headers", { a: 1 }, /headers value of "a" must be a string/],
    ["enableBackground", "yes", /enableBackground must be a boolean/],
    ["flushIntervalMs", 5, /flushIntervalMs is not a known option/],
  ];
  for (const [name, value, message] of bad) {
    it(`rejects ${name} = ${JSON.stringify(String(value))} with an error naming it`, () => {
      let error: unknown;
      try {
        resolveOptions({ [name]: value } as never, {});
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AitherValidationError);
      expect((error as AitherValidationError).field).toBe(name);
      expect((error as Error).message).toMatch(message);
    });
  }

  it("lowers the default maxEventBytes to a smaller maxBatchBytes, and rejects a maxEventBytes set over it", () => {
    expect(resolveOptions({ maxBatchBytes: 1000 }, {}).maxEventBytes).toBe(1000);
    expect(() => resolveOptions({ maxBatchBytes: 1000, maxEventBytes: 2000 }, {})).toThrow(/^maxEventBytes must be at most maxBatchBytes \(1000\), got 2000/);
    expect(resolveOptions({ maxBatchBytes: 1000, maxEventBytes: 1000 }, {}).maxEventBytes).toBe(1000);
  });

  it("checks the type of handleSignals (read by the Node entry)", () => {
    expect(() => resolveOptions({ handleSignals: "yes" } as never, {})).toThrow(/^handleSignals must be a boolean, got string/);
    expect(() => resolveOptions({ handleSignals: true } as never, {})).not.toThrow();
  });

  it("takes an empty apiKey as no key", () => {
    expect(resolveOptions({ apiKey: "" }, {}).apiKey).toBeUndefined();
    expect(resolveOptions({ apiKey: "" }, { AITHER_API_KEY: "ak_env" }).apiKey).toBeUndefined();
  });
});
