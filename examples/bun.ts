// A Bun batch-scoring job: scores a few customers, logs each prediction and its label, and ends.
// No flush() or close(): Bun runs aither's Node entry (the `bun` export condition), whose
// beforeExit hook sends the queue when the script ends by itself.
//
//   npx aither collector &   # local collector on http://127.0.0.1:4318
//   bun examples/bun.ts      # or AITHER_ENDPOINT=... bun examples/bun.ts
import * as aither from "aither";

aither.init({ endpoint: process.env.AITHER_ENDPOINT ?? "http://127.0.0.1:4318" });

const customers = [
  { id: "u_101", tenure: 2, monthly_charges: 89.9, churned: 1 },
  { id: "u_102", tenure: 40, monthly_charges: 55.0, churned: 0 },
  { id: "u_103", tenure: 12, monthly_charges: 70.25, churned: 0 },
  { id: "u_104", tenure: 1, monthly_charges: 99.0, churned: 1 },
];

// A stand-in churn model: logistic score of tenure (months) and monthly charges.
const predictChurn = (tenure: number, charges: number): number => 1 / (1 + Math.exp(-(1.5 - 0.08 * tenure + 0.02 * (charges - 60))));

for (const { id: userId, tenure, monthly_charges, churned } of customers) {
  const prediction = Number(predictChurn(tenure, monthly_charges).toFixed(4));
  const id = aither.logPrediction({ modelId: "churn-classifier-v2", prediction, features: { tenure, monthly_charges }, metadata: { user_id: userId } });
  aither.logLabel({ predictionId: id, label: churned }); // ground truth, joined on the server by id
  console.log(`logged prediction ${id} for ${userId}: churn ${prediction} (label ${churned})`);
}
