import { describe, expect, it } from "vitest";
import { AitherValidationError } from "../../src/errors.ts";
import type { PredictionInput } from "../../src/events.ts";
import { kindOf } from "../../src/model-kinds.ts";
import { createWrapper, predictionIdOf, type WrapHost } from "../../src/wrap.ts";

/** A host that records what would be logged (the e2e tests use the real client and collector). */
function recorder(): WrapHost & { logged: PredictionInput[]; reported: Error[]; sampledCount: number } {
  const host = {
    logged: [] as PredictionInput[],
    reported: [] as Error[],
    sampledCount: 0,
    log: (input: PredictionInput) => {
      host.logged.push(input);
      return `id-${host.logged.length}`;
    },
    report: (error: Error) => host.reported.push(error),
    sampled: () => host.sampledCount++,
  };
  return host;
}

const wrapWith = <T extends object>(target: T, options: Parameters<typeof createWrapper<T>>[1], host = recorder()) => ({
  host,
  wrapped: createWrapper(target, options, () => host),
});

describe("kindOf: recognises targets by shape", () => {
  it.each([
    ["a plain function", () => 1, "function"],
    ["a pipeline-shaped callable", Object.assign(async () => [], { task: "text-classification", model: {} }), "pipeline"],
    ["a tfjs LayersModel shape", { predict() {}, predictOnBatch() {} }, "model"],
    ["a tfjs GraphModel shape", { predict() {}, executeAsync() {} }, "model"],
    ["an onnxruntime session shape", { run() {}, inputNames: ["x"], outputNames: ["y"] }, "onnx"],
    ["a Workers AI binding shape", { run() {} }, "workers-ai"],
  ])("%s", (_, target, name) => {
    expect(kindOf(target)?.name).toBe(name);
  });

  it("rejects anything else when wrapping, naming the target", () => {
    for (const bad of [null, 1, "model", {}, { fit() {} }]) {
      expect(() => createWrapper(bad as object, { modelId: "m" }, recorder)).toThrow(AitherValidationError);
    }
    expect(() => createWrapper({} as object, { modelId: "m" }, recorder)).toThrow(/^target must be/);
  });
});

describe("wrap options", () => {
  it.each([
    [{}, /^modelId is required/],
    [{ modelId: "" }, /^modelId is required/],
    [{ modelId: 3 }, /^modelId must be a string, got number/],
    [{ modelId: "m", features: "x" }, /^features must be a function/],
    [{ modelId: "m", metadata: null }, /^metadata must be a object or function, got null/],
    [{ modelId: "m", sampleRate: 2 }, /^sampleRate must be a number from 0 to 1/],
    [{ modelId: "m", name: "x" }, /^name is not a known wrap option/],
  ])("rejects %j", (options, message) => {
    expect(() => createWrapper((x: number) => x, options as never, recorder)).toThrow(message);
  });

  it("needs no modelId for the Workers AI binding", () => {
    expect(() => createWrapper({ run: async () => ({}) }, undefined, recorder)).not.toThrow();
  });
});

describe("wrapped functions", () => {
  it("keep the target's properties, name and `this`, and log one prediction per call", () => {
    function score(this: { k: number } | undefined, x: number): number {
      return ((this as { k?: number } | undefined)?.k ?? 1) * x;
    }
    score.version = "3";
    const { host, wrapped } = wrapWith(score, { modelId: "m" });
    expect(wrapped.name).toBe("score");
    expect(wrapped.version).toBe("3");
    expect(wrapped.call({ k: 10 }, 2)).toBe(20);
    expect(wrapped.call(undefined, 3)).toBe(3);
    expect(host.logged.map((e) => [e.features, e.prediction])).toEqual([
      [2, 20],
      [3, 3],
    ]);
    expect(host.logged.every((e) => typeof e.latencyMs === "number" && e.latencyMs >= 0)).toBe(true);
  });

  it("log several arguments as an array and no argument as no features; undefined results as null", () => {
    const { host, wrapped } = wrapWith((..._args: number[]) => undefined, { modelId: "m" });
    wrapped(1, 2);
    wrapped();
    expect(host.logged.map((e) => [e.features, e.prediction])).toEqual([
      [[1, 2], null],
      [undefined, null],
    ]);
  });

  it("pass features, prediction and metadata through the option callbacks", () => {
    const { host, wrapped } = wrapWith((a: { x: number }) => ({ p: a.x * 2, debug: "..." }), {
      modelId: "m",
      features: (a) => a.x,
      prediction: (r) => r.p,
      metadata: (a) => ({ big: a.x > 1 }),
    });
    wrapped({ x: 2 });
    expect(host.logged[0]).toMatchObject({ features: 2, prediction: 4, metadata: { big: true } });
  });

  it("map each object result to its id (predictionIdOf); primitives have none", () => {
    const { wrapped } = wrapWith((x: number) => ({ x }), { modelId: "m" });
    const a = wrapped(1);
    const b = wrapped(2);
    expect([predictionIdOf(a), predictionIdOf(b), predictionIdOf(1), predictionIdOf(null), predictionIdOf({})]).toEqual([
      "id-1",
      "id-2",
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("report a throwing onLogged or host and still return the result", () => {
    const { host, wrapped } = wrapWith((x: number) => x, {
      modelId: "m",
      onLogged: () => {
        throw new Error("listener broke");
      },
    });
    expect(wrapped(5)).toBe(5);
    expect(host.reported.map((e) => e.message)).toEqual(["wrap: could not log a call: listener broke"]);
    const failing = recorder();
    failing.log = () => {
      throw new AitherValidationError("metadata", "metadata must be a plain object");
    };
    const other = createWrapper(
      (x: number) => x,
      { modelId: "m" },
      () => failing,
    );
    expect(other(6)).toBe(6);
    expect(failing.reported[0]?.message).toMatch(/metadata must be a plain object/);
  });

  it("count calls left out by sampleRate without logging them", () => {
    const { host, wrapped } = wrapWith((x: number) => x, { modelId: "m", sampleRate: 0 });
    expect(wrapped(1)).toBe(1);
    expect(host.sampledCount).toBe(1);
    expect(host.logged).toEqual([]);
  });
});

describe("wrapped model objects", () => {
  class Model {
    #weights = 2; // private state: methods must run on the real object, not the Proxy
    calls = 0;
    predict(x: number): number {
      this.calls++;
      return this.helper(x);
    }
    helper(x: number): number {
      return x * this.#weights;
    }
    async executeAsync(x: number): Promise<number> {
      return this.predict(x) + 1; // calls predict inside: must not log twice
    }
  }

  it("log predict and executeAsync only, run every method on the original object, and keep identities", async () => {
    const model = new Model();
    const { host, wrapped } = wrapWith(model, { modelId: "m" });
    expect(wrapped.predict(3)).toBe(6);
    expect(await wrapped.executeAsync(1)).toBe(3);
    expect(wrapped.helper(5)).toBe(10); // not logged, works despite #weights
    expect(wrapped.predict).toBe(wrapped.predict);
    expect(wrapped).toBeInstanceOf(Model);
    wrapped.calls = 100; // writes reach the target
    expect(model.calls).toBe(100);
    expect(host.logged.map((e) => [e.features, e.prediction])).toEqual([
      [3, 6],
      [1, 3],
    ]);
  });

  it("pass rejections through unchanged and log nothing for them", async () => {
    const error = new Error("bad feeds");
    const session = { inputNames: ["x"], outputNames: ["y"], run: async (_feeds: object) => Promise.reject(error) };
    const { host, wrapped } = wrapWith(session, { modelId: "onnx" });
    await expect(wrapped.run({})).rejects.toBe(error);
    expect(host.logged).toEqual([]);
  });

  it("take the Workers AI model name as modelId (unless given), the inputs as features, and log a stream as null", async () => {
    const ai = {
      run: async (_model: string, inputs: { prompt?: string; stream?: boolean }) =>
        inputs.stream ? new ReadableStream() : { response: `echo ${inputs.prompt}` },
    };
    const { host, wrapped } = wrapWith(ai, undefined);
    await wrapped.run("@cf/meta/llama-3.1-8b-instruct", { prompt: "hi" });
    await wrapped.run("@cf/meta/llama-3.1-8b-instruct", { prompt: "hi", stream: true });
    const named = createWrapper(ai, { modelId: "assistant" }, () => host);
    await named.run("@cf/meta/llama-3.1-8b-instruct", { prompt: "yo" });
    expect(host.logged.map((e) => [e.modelId, e.features, e.prediction])).toEqual([
      ["@cf/meta/llama-3.1-8b-instruct", { prompt: "hi" }, { response: "echo hi" }],
      ["@cf/meta/llama-3.1-8b-instruct", { prompt: "hi", stream: true }, null],
      ["assistant", { prompt: "yo" }, { response: "echo yo" }],
    ]);
  });

  it("returns non-configurable, non-writable properties as they are (Proxy invariant)", () => {
    const fixed = Object.freeze({ predict: (x: number) => x });
    const { wrapped } = wrapWith(fixed, { modelId: "m" });
    expect(wrapped.predict).toBe(fixed.predict); // frozen: cannot be swapped for a logging method
  });
});
