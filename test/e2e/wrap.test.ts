// wrap() on real models (TensorFlow.js, onnxruntime-node, transformers.js) and plain functions,
// checked at the real collector: modelId, features (summaries), prediction, latency, id, labels.
import { readFileSync } from "node:fs";
import { Tensor as HfTensor, TextClassificationPipeline } from "@huggingface/transformers";
import * as tf from "@tensorflow/tfjs";
import * as ort from "onnxruntime-node";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Collector } from "../../collector/index.ts";
import * as aither from "../../src/index.ts";
import type { AitherOptions } from "../../src/options.ts";
import type { WrapOptions } from "../../src/wrap.ts";
import { startTestCollector } from "../helpers/collector.ts";
import { type RecordingClient, recordingClient } from "./helpers.ts";

const open: { close(options?: { timeoutMs: number }): Promise<unknown> }[] = [];
afterEach(async () => {
  await aither.close({ timeoutMs: 500 });
  for (const x of open.splice(0).reverse()) await x.close({ timeoutMs: 500 });
});

async function setup(options: AitherOptions = {}): Promise<{ c: Collector; sdk: RecordingClient }> {
  const c = await startTestCollector();
  open.push(c);
  return { c, sdk: recordingClient(c, options, open) };
}

// The weights of test/fixtures/linear.onnx (written by test/fixtures/make-onnx.mjs): Y = X . W.
const W = [
  [1, 2],
  [0.5, -1],
  [-2, 0.25],
];

type Stored = { id: string; model_id: string; features?: unknown; prediction: unknown; latency_ms?: number; metadata?: unknown; model_version?: string };
/** wrap() logging through this test's own client (the `client` option). */
const wrapOn = <T extends object>(sdk: RecordingClient, target: T, options?: WrapOptions<T>): T => aither.wrap(target, { ...options, client: sdk });
const stored = (c: Collector): Stored[] => c.store.predictions({ limit: 1e9 }) as unknown as Stored[];

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("wrap: plain functions", () => {
  it("rejects a `client` option that is not an AitherClient, naming it", () => {
    expect(() => aither.wrap((x: number) => x, { modelId: "m", client: {} as never })).toThrow(/^client must be an AitherClient/);
  });

  it("keeps a sync function sync, passes `this`, and logs features, prediction and latency", async () => {
    const { c, sdk } = await setup();
    const scorer = {
      bias: 0.5,
      score(this: { bias: number }, tenure: number, charges: number): number {
        return this.bias + tenure * 0.01 - charges * 0.001;
      },
    };
    scorer.score = wrapOn(sdk, scorer.score, {
      modelId: "churn-fn",
      modelVersion: "1.0.0",
      metadata: (tenure) => ({ bucket: tenure > 12 ? "long" : "short" }),
    });
    const result = scorer.score(24, 65.5);
    expect(result).toBeCloseTo(0.5 + 0.24 - 0.0655); // a number, not a Promise: sync stays sync
    expect(sdk.stats().queued).toBe(1); // logged before the call returned
    await sdk.flush();
    const [event] = stored(c);
    expect(event).toMatchObject({ model_id: "churn-fn", model_version: "1.0.0", features: [24, 65.5], prediction: result, metadata: { bucket: "long" } });
    expect(event?.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it("logs an async function's result when its promise resolves, and onLogged gets the id", async () => {
    const { c, sdk } = await setup();
    const logged: [string, unknown][] = [];
    const predict = wrapOn(
      sdk,
      async (text: string) => {
        await new Promise((r) => setTimeout(r, 30));
        return { label: text.includes("good") ? "POSITIVE" : "NEGATIVE", score: 0.91 };
      },
      { modelId: "sentiment-async", onLogged: (id, result) => logged.push([id, result]) },
    );
    const pending = predict("a good day");
    expect(pending).toBeInstanceOf(Promise);
    expect(sdk.stats().queued).toBe(0); // nothing yet: the result is not there
    const result = await pending;
    // Logged before the caller's await resumed: the id is already known.
    expect(aither.predictionIdOf(result)).toBe(logged[0]?.[0]);
    expect(logged[0]?.[1]).toBe(result);
    await sdk.flush();
    const [event] = stored(c);
    expect(event).toMatchObject({ id: logged[0]?.[0], model_id: "sentiment-async", features: "a good day", prediction: { label: "POSITIVE", score: 0.91 } });
    expect(event?.latency_ms).toBeGreaterThanOrEqual(25);
  });

  it("rethrows sync errors and rejections unchanged and logs nothing for them", async () => {
    const { c, sdk } = await setup();
    const boom = new RangeError("bad input");
    const sync = wrapOn(
      sdk,
      (x: number) => {
        if (x < 0) throw boom;
        return x;
      },
      { modelId: "m" },
    );
    const async = wrapOn(
      sdk,
      async (x: number) => {
        if (x < 0) throw boom;
        return x;
      },
      { modelId: "m" },
    );
    expect(() => sync(-1)).toThrow(boom);
    await expect(async(-1)).rejects.toBe(boom);
    expect(sync(2)).toBe(2);
    await sdk.flush();
    expect(stored(c).map((e) => e.prediction)).toEqual([2]);
    expect(sdk.errors).toEqual([]);
  });

  it("reports a throwing features callback through onError and still returns the model's result", async () => {
    const { c, sdk } = await setup();
    const f = wrapOn(sdk, (x: number) => x * 2, {
      modelId: "m",
      features: () => {
        throw new Error("no features");
      },
    });
    expect(f(21)).toBe(42);
    await sdk.flush();
    expect(stored(c)).toEqual([]);
    expect(sdk.errors.map((e) => [e.code, e.message])).toEqual([["callback", "wrap: could not log a call: no features"]]);
  });

  it("logs a share of calls with sampleRate and counts the rest as sampled", async () => {
    const { sdk } = await setup();
    const none = wrapOn(sdk, (x: number) => x, { modelId: "m", sampleRate: 0 });
    for (let i = 0; i < 10; i++) expect(none(i)).toBe(i);
    expect(sdk.stats()).toMatchObject({ queued: 0, sampled: 10 });
  });

  it("module-level wrap logs on the global client current at call time (init may come later)", async () => {
    const c = await startTestCollector();
    open.push(c);
    const double = aither.wrap((x: number) => x * 2, { modelId: "late-init" });
    aither.init({ endpoint: c.url, flushInterval: 60_000 });
    expect(double(4)).toBe(8);
    await aither.flush();
    expect(stored(c).map((e) => [e.model_id, e.features, e.prediction])).toEqual([["late-init", 4, 8]]);
  });
});

describe("wrap: TensorFlow.js", () => {
  it("logs model.predict with a summary of a big input tensor, the output whole, and joins a label by predictionIdOf", async () => {
    const { c, sdk } = await setup();
    const dense = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], useBias: false })] });
    dense.setWeights([tf.tensor2d(W)]);
    const model = wrapOn(sdk, dense, { modelId: "tfjs-dense", modelVersion: "2" });
    // 20 rows x 3 = 60 values: more than 5 x 10, so the input is summarised.
    const rows = Array.from({ length: 20 }, (_, i) => [i, 1, -1]);
    const x = tf.tensor2d(rows);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([20, 2]); // 40 values: logged whole
    const expected = (y.arraySync() as number[][]).map((r) => r.map((v) => Math.fround(v)));
    const id = aither.predictionIdOf(y);
    expect(id).toBeDefined();
    sdk.logLabel({ predictionId: id as string, label: [0, 1] });
    // The model's other members still work through the wrapper.
    expect(model.layers).toHaveLength(1);
    expect(model.inputs[0]?.shape).toEqual([null, 3]);
    await sdk.flush();
    const [event] = stored(c);
    expect(event).toMatchObject({
      id,
      model_id: "tfjs-dense",
      model_version: "2",
      features: { _tensor: { dtype: "float32", shape: [20, 3], sample: rows.slice(0, 5), truncated: true } },
      prediction: expected,
    });
    expect(event?.latency_ms).toBeGreaterThan(0);
    expect(c.store.labels()[0]).toMatchObject({ prediction_id: id, label: [0, 1] });
  });

  it("logs predictOnBatch too, and a GraphModel-shaped executeAsync when its promise resolves", async () => {
    const { c, sdk } = await setup();
    const dense = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], kernelInitializer: "ones", useBias: false })] });
    const graphLike = {
      predict: (x: tf.Tensor) => dense.predict(x),
      executeAsync: async (x: tf.Tensor) => dense.predict(x) as tf.Tensor,
    };
    const layers = wrapOn(sdk, dense, { modelId: "tfjs-batch" });
    const graph = wrapOn(sdk, graphLike, { modelId: "tfjs-graph" });
    (layers.predictOnBatch(tf.tensor2d([[1, 2]])) as tf.Tensor).dispose();
    const out = await graph.executeAsync(tf.tensor2d([[3, 4]]));
    expect(await out.data()).toEqual(new Float32Array([7]));
    await sdk.flush();
    expect(stored(c).map((e) => [e.model_id, e.features, e.prediction])).toEqual([
      ["tfjs-batch", [[1, 2]], [[3]]],
      ["tfjs-graph", [[3, 4]], [[7]]],
    ]);
  });
});

describe("wrap: onnxruntime-node", () => {
  it("logs session.run: feeds and outputs as tensors, whole when small and summarised when big", async () => {
    const { c, sdk } = await setup();
    const session = wrapOn(sdk, await ort.InferenceSession.create(readFileSync(new URL("../fixtures/linear.onnx", import.meta.url))), {
      modelId: "onnx-linear",
    });
    expect(session.inputNames).toEqual(["X"]);
    const small = await session.run({ X: new ort.Tensor("float32", Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]) });
    const big = await session.run({ X: new ort.Tensor("float32", new Float32Array(300).fill(1), [100, 3]) });
    expect(Array.from(small.Y?.data as Float32Array)).toEqual([-4, 0.75, -5.5, 4.5]);
    const ids = [aither.predictionIdOf(small), aither.predictionIdOf(big)];
    await sdk.flush();
    const events = stored(c);
    expect(events.map((e) => e.id)).toEqual(ids);
    expect(events[0]).toMatchObject({
      model_id: "onnx-linear",
      features: {
        X: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      },
      prediction: {
        Y: [
          [-4, 0.75],
          [-5.5, 4.5],
        ],
      },
    });
    expect(events[1]).toMatchObject({
      features: { X: { _tensor: { dtype: "float32", shape: [100, 3], sample: Array(5).fill([1, 1, 1]), truncated: true } } },
      prediction: { Y: { _tensor: { dtype: "float32", shape: [100, 2], sample: Array(5).fill([-0.5, 1.25]), truncated: true } } },
    });
    expect(events.every((e) => typeof e.latency_ms === "number")).toBe(true);
  });
});

describe("wrap: transformers.js", () => {
  it("logs a pipeline call (input text, [{label, score}]) and keeps the pipeline's properties", async () => {
    const { c, sdk } = await setup();
    // A real TextClassificationPipeline (transformers.js's callable class) whose inference is
    // replaced: no weights to download here.
    class Offline extends TextClassificationPipeline {
      override async _call(text: string): Promise<{ label: string; score: number }[]> {
        return [{ label: String(text).includes("love") ? "POSITIVE" : "NEGATIVE", score: 0.98 }];
      }
    }
    const classifier = new Offline({ task: "text-classification", model: { dispose: async () => {} } } as never);
    const wrapped = wrapOn(sdk, classifier, { modelId: "distilbert-sst2" });
    expect(wrapped.task).toBe("text-classification");
    const result = (await wrapped("I love this")) as unknown;
    expect(result).toEqual([{ label: "POSITIVE", score: 0.98 }]);
    await sdk.flush();
    expect(stored(c)[0]).toMatchObject({
      id: aither.predictionIdOf(result),
      model_id: "distilbert-sst2",
      features: "I love this",
      prediction: [{ label: "POSITIVE", score: 0.98 }],
    });
  });

  it("summarises a transformers.js Tensor in features and logs a small one whole", async () => {
    const { c, sdk } = await setup({ tensorSampleRows: 2, tensorSampleColumns: 3 });
    const embed = wrapOn(sdk, (_ids: HfTensor) => new HfTensor("float32", Float32Array.from([0.25, 0.5]), [1, 2]), { modelId: "embedder" });
    const input = new HfTensor(
      "int64",
      BigInt64Array.from({ length: 24 }, (_, i) => BigInt(i)),
      [4, 6],
    );
    embed(input);
    await sdk.flush();
    expect(stored(c)[0]).toMatchObject({
      features: {
        _tensor: {
          dtype: "int64",
          shape: [4, 6],
          sample: [
            ["0", "1", "2"],
            ["6", "7", "8"],
          ],
          truncated: true,
        },
      },
      prediction: [[0.25, 0.5]],
    });
  });
});

describe("logPrediction and tensors", () => {
  it("summarises a 1,000,000-element Float32Array in features without copying it", async () => {
    const { c, sdk } = await setup();
    const features = new Float32Array(1_000_000).map((_, i) => i);
    const id = sdk.logPrediction({ modelId: "big", prediction: 1, features });
    features[0] = 99; // captured at call time
    await sdk.flush();
    const [event] = stored(c);
    expect(event?.id).toBe(id);
    expect(event?.features).toEqual({ _tensor: { dtype: "float32", shape: [1_000_000], sample: Array.from({ length: 50 }, (_, i) => i), truncated: true } });
  });

  it("summarises a tfjs tensor passed to logPrediction directly", async () => {
    const { c, sdk } = await setup();
    sdk.logPrediction({ modelId: "m", prediction: tf.tensor1d([0.5]), features: { image: tf.zeros([2, 28, 28]) } });
    await sdk.flush();
    expect(stored(c)[0]).toMatchObject({
      prediction: [0.5],
      features: { image: { _tensor: { dtype: "float32", shape: [2, 28, 28], sample: [Array(10).fill(0), Array(10).fill(0)], truncated: true } } },
    });
  });
});
