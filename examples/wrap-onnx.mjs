// Wrap an onnxruntime InferenceSession: session.run(feeds) logs the feeds and the outputs
// (tensors whole when small, as summaries when big). The same works with onnxruntime-web.
//
//   node examples/wrap-onnx.mjs
import { readFileSync } from "node:fs";
import * as aither from "aither";
import * as ort from "onnxruntime-node";

aither.init({ endpoint: process.env.AITHER_ENDPOINT ?? "http://127.0.0.1:4318" });

// Any .onnx model; this one is a 139-byte Y = X . W (test/fixtures/make-onnx.mjs writes it).
const model = readFileSync(new URL("../test/fixtures/linear.onnx", import.meta.url));
const session = aither.wrap(await ort.InferenceSession.create(model), { modelId: "onnx-linear", modelVersion: "1" });

const X = new ort.Tensor("float32", Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
const outputs = await session.run({ X }); // logged: features { X: [[1,2,3],[4,5,6]] }, prediction { Y: [[...]] }
console.log(`logged prediction ${aither.predictionIdOf(outputs)}:`, Array.from(outputs.Y.data));

const result = await aither.close();
console.log(`delivered ${result.sent} events (ok: ${result.ok})`);
