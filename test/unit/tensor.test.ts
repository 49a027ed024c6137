import { Tensor as HfTensor } from "@huggingface/transformers";
import * as tf from "@tensorflow/tfjs";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { normalize } from "../../src/normalize.ts";
import { resolveOptions } from "../../src/options.ts";
import { asTensor, viewDtype } from "../../src/tensor.ts";

const small = { rows: 2, columns: 3 };

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("tensor summaries in normalize", () => {
  it("logs typed arrays and arrays of up to rows x columns elements whole (SPEC rules)", () => {
    expect(normalize(new Float32Array(50).fill(0.5))).toEqual(Array(50).fill(0.5));
    expect(normalize(Array(50).fill(1))).toEqual(Array(50).fill(1));
    expect(
      normalize(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        small,
      ),
    ).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it("summarises a long typed array as its leading rows x columns values, with dtype and shape", () => {
    const big = Float64Array.from({ length: 1000 }, (_, i) => i);
    big[1] = Number.NaN;
    expect(normalize(big, small)).toEqual({ _tensor: { dtype: "float64", shape: [1000], sample: [0, null, 2, 3, 4, 5], truncated: true } });
    expect(normalize(new BigUint64Array(7), small)).toEqual({
      _tensor: { dtype: "uint64", shape: [7], sample: ["0", "0", "0", "0", "0", "0"], truncated: true },
    });
    expect(normalize(Buffer.alloc(10), small)).toMatchObject({ _tensor: { dtype: "uint8", shape: [10] } });
  });

  it("summarises long and nested plain arrays: first rows, each flattened to its first columns", () => {
    expect(
      normalize(
        Array.from({ length: 9 }, (_, i) => `s${i}`),
        small,
      ),
    ).toEqual({
      _tensor: { dtype: "string", shape: [9], sample: ["s0", "s1", "s2", "s3", "s4", "s5"], truncated: true },
    });
    const image = [Array.from({ length: 4 }, (_, r) => [r, r + 0.5]), [[9, 9]]]; // [2, 4, 2], ragged second row
    expect(normalize(image, small)).toEqual({
      _tensor: {
        dtype: "float64",
        shape: [2, 4, 2],
        sample: [
          [0, 0.5, 1],
          [9, 9],
        ],
        truncated: true,
      },
    });
    const rows = [new Float32Array(100), new Float32Array(100)];
    expect(normalize({ batch: rows }, small)).toEqual({
      batch: {
        _tensor: {
          dtype: "float32",
          shape: [2, 100],
          sample: [
            [0, 0, 0],
            [0, 0, 0],
          ],
          truncated: true,
        },
      },
    });
  });

  it("keeps the cycle marker inside a summarised array", () => {
    const arr: unknown[] = Array(10).fill(1);
    arr[3] = arr;
    expect(normalize(arr, small)).toMatchObject({ _tensor: { shape: [10], sample: [1, 1, 1, "[Circular]", 1, 1] } });
    // An array that is its own first element: the shape walk stops at 8 axes and still ends.
    const self: unknown[] = [];
    self.push(self, 1);
    expect(normalize(self, small)).toMatchObject({ _tensor: { shape: [2, 2, 2, 2, 2, 2, 2, 2] } });
  });

  it("reads only the sampled values of a huge tensor", () => {
    let reads = 0;
    const data = new Proxy({ length: 1_000_000 } as ArrayLike<number>, {
      get: (target, key) => {
        if (key === "length") return target.length;
        reads++;
        return 0.5;
      },
    });
    class CountingTensor {
      type = "float32";
      dims = [1000, 1000];
      data = data;
    }
    expect(normalize(new CountingTensor())).toMatchObject({ _tensor: { shape: [1000, 1000], sample: Array(5).fill(Array(10).fill(0.5)) } });
    expect(reads).toBe(50);
  });

  it("logs onnxruntime and transformers.js tensors whole as nested arrays when small, summarised when big", () => {
    const o = new ort.Tensor("float32", Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(normalize({ o }, small)).toEqual({
      o: [
        [1, 2, 3],
        [4, 5, 6],
      ],
    });
    const h = new HfTensor(
      "int32",
      Int32Array.from({ length: 12 }, (_, i) => i),
      [3, 4],
    );
    expect(normalize(h, small)).toEqual({
      _tensor: {
        dtype: "int32",
        shape: [3, 4],
        sample: [
          [0, 1, 2],
          [4, 5, 6],
        ],
        truncated: true,
      },
    });
    expect(normalize(new ort.Tensor("string", ["a", "b"], [2]))).toEqual(["a", "b"]);
    expect(normalize(new ort.Tensor("float32", Float32Array.from([7]), []))).toBe(7);
  });

  it("summarises a tensor with a 0 dimension by its rows, not by its (zero) element count", () => {
    const rows = { _tensor: { dtype: "float32", shape: [100_000, 0], sample: Array(5).fill([]), truncated: true } };
    expect(normalize(new ort.Tensor("float32", new Float32Array(0), [100_000, 0]))).toEqual(rows);
    expect(normalize(tf.zeros([100_000, 0]))).toEqual(rows);
    expect(normalize(new HfTensor("int32", new Int32Array(0), [2, 100, 0]), small)).toEqual({
      _tensor: { dtype: "int32", shape: [2, 100, 0], sample: [[], []], truncated: true },
    });
    // Few rows stay whole.
    expect(normalize(new ort.Tensor("float32", new Float32Array(0), [3, 0]))).toEqual([[], [], []]);
  });

  it("decodes float16 tensors held as Uint16Array bits (onnxruntime, transformers.js), only the values it logs", () => {
    expect(normalize(new ort.Tensor("float16", Uint16Array.from([0x3c00, 0x4000]), [1, 2]))).toEqual([[1, 2]]);
    // Subnormals, the smallest normal, a rounded third, the largest finite, -2, +-Infinity and NaN (null, as SPEC normalises).
    const bits = [0x0001, 0x03ff, 0x0400, 0x3555, 0x7bff, 0xc000, 0x7c00, 0xfc00, 0x7e00];
    const values = [2 ** -24, 1023 * 2 ** -24, 2 ** -14, 0.333251953125, 65504, -2, null, null, null];
    expect(normalize(new HfTensor("float16", Uint16Array.from(bits), [9]))).toEqual(values);
    expect(normalize(new ort.Tensor("float16", new Uint16Array(1000).fill(0x3800), [100, 10]), small)).toEqual({
      _tensor: {
        dtype: "float16",
        shape: [100, 10],
        sample: [
          [0.5, 0.5, 0.5],
          [0.5, 0.5, 0.5],
        ],
        truncated: true,
      },
    });
    // Where the runtime has Float16Array the data are numbers already (a Float32Array stands in for it here).
    class Half {
      type = "float16";
      dims = [2];
      data = Float32Array.from([1.5, Number.NaN]);
    }
    expect(normalize(new Half())).toEqual([1.5, null]);
  });

  it("decodes tfjs string tensors (stored as encoded bytes) and logs bool tensors as booleans", () => {
    expect(normalize(tf.tensor1d(["a", "ü ✓"]))).toEqual(["a", "ü ✓"]);
    expect(normalize(tf.scalar("x"))).toBe("x");
    const letters = tf.tensor2d([
      ["a", "b", "c", "d"],
      ["e", "f", "g", "h"],
    ]);
    expect(normalize(letters, small)).toEqual({
      _tensor: {
        dtype: "string",
        shape: [2, 4],
        sample: [
          ["a", "b", "c"],
          ["e", "f", "g"],
        ],
        truncated: true,
      },
    });
    expect(normalize(tf.tensor1d([true, false], "bool"))).toEqual([true, false]);
    expect(normalize(new ort.Tensor("bool", Uint8Array.from([1, 0, 1]), [3]))).toEqual([true, false, true]);
    expect(normalize(new HfTensor("bool", new Uint8Array(100).fill(1), [100]), small)).toEqual({
      _tensor: { dtype: "bool", shape: [100], sample: Array(6).fill(true), truncated: true },
    });
  });

  it("logs dtype and shape only for a tensor whose data is not in CPU memory", () => {
    // onnxruntime's Tensor throws on `data` when it lives on a GPU.
    class GpuTensor {
      type = "float32";
      dims = [4, 4];
      location = "gpu-buffer";
      get data(): never {
        throw new Error("The data is not on CPU");
      }
    }
    const t = new GpuTensor();
    expect(asTensor(t)?.data).toBeUndefined();
    expect(normalize(t)).toEqual({ _tensor: { dtype: "float32", shape: [4, 4], truncated: true } });
  });

  it("does not take a plain object with tensor-like keys for a tensor", () => {
    expect(normalize({ type: "float32", dims: [1], data: [1] })).toEqual({ type: "float32", dims: [1], data: [1] });
  });

  it("takes its limits from tensorSampleRows / tensorSampleColumns, positive integers (default 5 x 10)", () => {
    expect(resolveOptions({}, {})).toMatchObject({ tensorSampleRows: 5, tensorSampleColumns: 10 });
    expect(() => resolveOptions({ tensorSampleRows: 0 }, {})).toThrow(/^tensorSampleRows must be a positive integer, got 0/);
    expect(() => resolveOptions({ tensorSampleColumns: 2.5 }, {})).toThrow(/^tensorSampleColumns must be a positive integer/);
  });

  it("names typed array dtypes like the ML libraries", () => {
    expect([new Float32Array(1), new Uint8ClampedArray(1), new BigInt64Array(1), new Int16Array(1)].map(viewDtype)).toEqual([
      "float32",
      "uint8clamped",
      "int64",
      "int16",
    ]);
  });
});
