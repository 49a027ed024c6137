// Wrap a TensorFlow.js model: model.predict (and predictOnBatch, execute, executeAsync) log
// the input and output tensors, as a summary (dtype, shape, leading 5 rows x 10 columns) when
// they are big. Values are read only if they are already in CPU memory: a tensor on a GPU
// backend is logged as dtype and shape, so logging never waits on the GPU.
//
//   node examples/wrap-tfjs.mjs
import * as tf from "@tensorflow/tfjs";
import * as aither from "aither";

aither.init({ endpoint: process.env.AITHER_ENDPOINT ?? "http://127.0.0.1:4318" });
await tf.setBackend("cpu");

// A small model built in code; a real one comes from tf.loadLayersModel(url) or loadGraphModel(url).
const net = tf.sequential({
  layers: [tf.layers.dense({ units: 8, activation: "relu", inputShape: [4] }), tf.layers.dense({ units: 3, activation: "softmax" })],
});
const model = aither.wrap(net, { modelId: "iris-mlp", modelVersion: "1" });

const batch = tf.tensor2d([
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.0, 5.2, 2.3],
]);
const probabilities = model.predict(batch); // logged: features = batch, prediction = probabilities
const id = aither.predictionIdOf(probabilities);
console.log(`logged prediction ${id}:`, await probabilities.array());

// A big input is logged as a bounded summary, never as every number.
model.predict(tf.randomNormal([1000, 4])).dispose();

tf.dispose([batch, probabilities]);
const result = await aither.close();
console.log(`delivered ${result.sent} events (ok: ${result.ok})`);
