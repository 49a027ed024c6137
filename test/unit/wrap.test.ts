import { describe, expect, it } from "vitest";
import { AitherValidationError } from "../../src/errors.ts";
import type { PredictionInput } from "../../src/events.ts";
import { kindOf } from "../../src/model-kinds.ts";
import { DEFAULT_TENSOR_LIMITS, normalize } from "../../src/normalize.ts";
import { createWrapper, predictionIdOf } from "../../src/wrap.ts";
import type { WrapHost } from "../../src/wrap-host.ts";

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
    capture: (value: unknown) => (value === undefined ? undefined : normalize(value, DEFAULT_TENSOR_LIMITS)),
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
    [{ modelId: "m", client: 3 }, /^client must be a object, got number/],
    [{ modelId: "m".repeat(257) }, /^modelId must be at most 256 characters, got 257/],
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

describe("results and inputs of async calls", () => {
  it("return the very promise the target returned (a subclass and its extras kept), logged when it resolves", async () => {
    class Cancellable<T> extends Promise<T> {
      cancel = () => "cancelled";
    }
    const made = new Cancellable<number>((resolve) => setTimeout(() => resolve(7), 5));
    const { host, wrapped } = wrapWith(() => made, { modelId: "m" });
    const returned = wrapped();
    expect(returned).toBe(made);
    expect(returned.cancel()).toBe("cancelled");
    expect(await returned).toBe(7);
    expect(host.logged.map((e) => e.prediction)).toEqual([7]);
  });

  it("read the inputs of an async call when it returns, not when it resolves", async () => {
    const buffer = new Float32Array([1, 2, 3]);
    const { host, wrapped } = wrapWith(async (x: Float32Array) => x.reduce((a, b) => a + b, 0), {
      modelId: "m",
      metadata: (x: Float32Array) => ({ first: x[0] }),
    });
    const pending = wrapped(buffer);
    buffer.fill(9); // the caller reuses its buffer before the model answers
    expect(await pending).toBe(6);
    expect(host.logged[0]).toMatchObject({ features: [1, 2, 3], prediction: 6, metadata: { first: 1 } });
  });

  it("return a thenable that is not a Promise unchanged and unstarted, logged as null", () => {
    let started = 0;
    // biome-ignore lint/suspicious/noThenProperty: the point is a thenable that is not a Promise
    const lazy = { then: (resolve: (v: number) => void) => resolve(++started) };
    const { host, wrapped } = wrapWith(() => lazy, { modelId: "m" });
    expect(wrapped()).toBe(lazy);
    expect(started).toBe(0);
    expect(host.logged.map((e) => e.prediction)).toEqual([null]);
  });

  it("log generators and Response-like results as null (reading them would take them from the caller)", () => {
    const { host, wrapped } = wrapWith(
      function* (n: number) {
        yield n;
      },
      { modelId: "m" },
    );
    const gen = wrapped(1);
    expect([...gen]).toEqual([1]);
    const response = { headers: {}, status: 200, arrayBuffer: async () => new ArrayBuffer(0) };
    createWrapper(
      () => response,
      { modelId: "m" },
      () => host,
    )();
    expect(host.logged.map((e) => e.prediction)).toEqual([null, null]);
  });
});

describe("calls the client did not queue", () => {
  it("neither call onLogged nor give predictionIdOf an id (sampled out by the client, disabled, closed)", () => {
    const host = recorder();
    host.log = (input) => {
      host.logged.push(input);
      return undefined;
    };
    const seen: string[] = [];
    const wrapped = createWrapper(
      () => ({ score: 1 }),
      { modelId: "m", onLogged: (id) => seen.push(id) },
      () => host,
    );
    const result = wrapped();
    expect(host.logged).toHaveLength(1);
    expect(seen).toEqual([]);
    expect(predictionIdOf(result)).toBeUndefined();
  });

  it("count a call left out by the wrap's sampleRate only when it returns", () => {
    const { host, wrapped } = wrapWith(
      () => {
        throw new Error("boom");
      },
      { modelId: "m", sampleRate: 0 },
    );
    expect(() => wrapped()).toThrow("boom");
    expect(host.sampledCount).toBe(0);
  });
});

describe("wrapped callables with methods (transformers.js pipelines)", () => {
  it("run their methods on the original object, so private fields work", async () => {
    // transformers.js's Callable: the instance is a closure whose prototype is the class's.
    class Callable extends Function {
      constructor() {
        super();
        const closure = (...args: unknown[]): unknown => (closure as unknown as { _call(...a: unknown[]): unknown })._call(...args);
        // biome-ignore lint/correctness/noConstructorReturn: this is how transformers.js builds callables
        return Object.setPrototypeOf(closure, new.target.prototype);
      }
    }
    class Pipeline extends Callable {
      #calls = 0;
      task = "text-classification";
      _call(text: string) {
        this.#calls++;
        return [{ label: text.length > 3 ? "POSITIVE" : "NEGATIVE", score: 0.9 }];
      }
      count() {
        return this.#calls;
      }
    }
    const pipe = new Pipeline() as unknown as ((text: string) => unknown) & { count(): number };
    const { host, wrapped } = wrapWith(pipe, { modelId: "sentiment" });
    wrapped("lovely");
    expect(wrapped.count()).toBe(1);
    expect(host.logged.map((e) => e.features)).toEqual(["lovely"]);
  });
});
