/**
 * The kinds of target `wrap()` understands, recognised by shape (never by importing a model
 * library, so the browser bundle pulls none), and what each logs by default.
 */

/** A kind of wrap target and what it logs unless the wrap options say otherwise. */
export interface ModelKind {
  readonly name: "function" | "pipeline" | "model" | "onnx" | "workers-ai";
  /** Methods whose calls are logged (object targets); empty for callables, which log every call. */
  readonly methods: readonly string[];
  /** Index of the argument logged as `features`; -1: the only argument, or all of them as an array. */
  readonly input: number;
}

// TensorFlow.js LayersModel (predict, predictOnBatch, execute) and GraphModel (predict,
// predictAsync, execute, executeAsync); any other object with predict() is treated alike.
const MODEL_METHODS = ["predict", "predictAsync", "predictOnBatch", "execute", "executeAsync"];
const RUN = ["run"];

/**
 * The kind of `target`, or undefined if wrap() cannot handle it:
 * - a function: plain or async (`function`), or a transformers.js pipeline, a callable with `task` (`pipeline`);
 * - an object with `predict`: a TensorFlow.js model (`model`);
 * - an object with `run` and `inputNames`: an onnxruntime InferenceSession, node or web (`onnx`);
 * - another object with `run(model, inputs, options?)`: the Cloudflare Workers AI binding (`workers-ai`).
 */
export function kindOf(target: unknown): ModelKind | undefined {
  const t = target as Record<string, unknown>;
  if (typeof target === "function") {
    const pipeline = typeof t.task === "string";
    return { name: pipeline ? "pipeline" : "function", methods: [], input: pipeline ? 0 : -1 };
  }
  if (typeof target !== "object" || target === null) return undefined;
  if (typeof t.predict === "function") return { name: "model", methods: MODEL_METHODS, input: 0 };
  if (typeof t.run !== "function") return undefined;
  return Array.isArray(t.inputNames) ? { name: "onnx", methods: RUN, input: 0 } : { name: "workers-ai", methods: RUN, input: 1 };
}
