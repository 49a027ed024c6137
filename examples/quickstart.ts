// The quick start: log a churn prediction with its features, then its ground truth.
// Run it with `npm run demo`, which starts a local collector and points AITHER_ENDPOINT at it.
import * as aither from "aither";

aither.init({
  endpoint: process.env.AITHER_ENDPOINT ?? "http://127.0.0.1:4318",
  environment: "demo",
}); // apiKey comes from AITHER_API_KEY; a local collector needs none

const customers = [
  { id: "u_123", tenure: 24, monthly_charges: 65.5, contract: "month-to-month" },
  { id: "u_456", tenure: 3, monthly_charges: 99.9, contract: "month-to-month" },
  { id: "u_789", tenure: 60, monthly_charges: 20.0, contract: "two-year" },
];

for (const customer of customers) {
  const started = performance.now();
  const churn = predictChurn(customer.tenure, customer.monthly_charges);
  const id = aither.logPrediction({
    modelId: "churn-classifier-v2",
    modelVersion: "2.1.0",
    prediction: churn,
    features: { tenure: customer.tenure, monthly_charges: customer.monthly_charges, contract: customer.contract },
    metadata: { user_id: customer.id },
    latencyMs: performance.now() - started,
  });
  // Later, when the truth is known (here: at once), log it against the prediction's id.
  aither.logLabel({ predictionId: id, label: churn > 0.5 ? 1 : 0 });
  console.log(`logged ${id} for ${customer.id}: churn ${churn.toFixed(2)}`);
}

const result = await aither.close(); // flush, then stop the timer
console.log(`delivered ${result.sent} events (ok: ${result.ok})`);

/** A toy logistic model standing in for the real one. */
function predictChurn(tenure: number, monthlyCharges: number): number {
  return 1 / (1 + Math.exp(-(0.03 * monthlyCharges - 0.08 * tenure)));
}
