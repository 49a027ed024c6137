// Wrap a predict function: every call logs features, prediction and latency. Sync stays sync,
// async stays async, errors pass through unchanged (and log nothing).
//
//   npx aither collector &            # local collector on http://127.0.0.1:4318
//   node examples/wrap-function.mjs
import * as aither from "aither";

aither.init({ endpoint: process.env.AITHER_ENDPOINT ?? "http://127.0.0.1:4318" });

// A stand-in churn model: logistic score of tenure (months) and monthly charges.
function predictChurn({ tenure, monthly_charges }) {
  return 1 / (1 + Math.exp(-(1.5 - 0.08 * tenure + 0.02 * (monthly_charges - 60))));
}

// A number result has no identity for predictionIdOf: onLogged hands over the id instead.
const churn = aither.wrap(predictChurn, {
  modelId: "churn-classifier-v2",
  modelVersion: "2.1.0",
  onLogged: (id, score) => console.log(`logged prediction ${id}: churn ${score.toFixed(3)}`),
});
for (const tenure of [1, 12, 48]) churn({ tenure, monthly_charges: 65.5 }); // sync: returns the number

// An async model, with the id handed back for a label later.
const classify = aither.wrap(async (text) => ({ label: /love|great/i.test(text) ? "POSITIVE" : "NEGATIVE", score: 0.97 }), {
  modelId: "sentiment-rules",
  metadata: (text) => ({ chars: text.length }),
});
const answer = await classify("I love this product");
const id = aither.predictionIdOf(answer);
console.log(`logged prediction ${id}: ${answer.label}`);
if (id) aither.logLabel({ predictionId: id, label: "POSITIVE" }); // the ground truth, when known (no id: not logged)

const result = await aither.close();
console.log(`delivered ${result.sent} events (ok: ${result.ok})`);
