// Wrap a transformers.js pipeline: calling it logs the input and the answer ([{ label, score }]).
// The wrapper keeps the pipeline's properties (task, model, tokenizer, dispose).
//
//   node examples/wrap-transformers.mjs                # offline: a pipeline with canned answers
//   TRANSFORMERS_ONLINE=1 node examples/wrap-transformers.mjs   # downloads a real model
import { pipeline, TextClassificationPipeline } from "@huggingface/transformers";
import * as aither from "aither";

aither.init({ endpoint: process.env.AITHER_ENDPOINT ?? "http://127.0.0.1:4318" });

const classifier = process.env.TRANSFORMERS_ONLINE
  ? await pipeline("sentiment-analysis", "Xenova/distilbert-base-uncased-finetuned-sst-2-english")
  : offlineClassifier();
const sentiment = aither.wrap(classifier, { modelId: "distilbert-sst2" });

for (const text of ["I love this product", "This was a waste of money"]) {
  const [best] = await sentiment(text);
  console.log(`${JSON.stringify(text)} -> ${best.label} (${best.score.toFixed(3)})`);
}
const answer = await sentiment("Works as advertised");
console.log(`logged prediction ${aither.predictionIdOf(answer)} for task ${sentiment.task}`);

const result = await aither.close();
console.log(`delivered ${result.sent} events (ok: ${result.ok})`);

/** The library's own pipeline class with its inference replaced: runs without a model download. */
function offlineClassifier() {
  class Offline extends TextClassificationPipeline {
    async _call(text) {
      const positive = /love|works|great/i.test(text);
      return [{ label: positive ? "POSITIVE" : "NEGATIVE", score: positive ? 0.998 : 0.991 }];
    }
  }
  return new Offline({ task: "text-classification", model: { dispose: async () => {} } });
}
