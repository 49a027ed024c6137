// An in-page model in a bundled app. Importing only `init` and `logPrediction` keeps the bundle
// small: `wrap()` and its model detection are left out (the README gives both sizes). The
// bundler picks aither's `browser` build through package.json `exports`.
import { init, logPrediction } from "aither";

const params = new URLSearchParams(location.search);
const endpoint = params.get("endpoint") ?? "http://127.0.0.1:4318";
document.getElementById("endpoint").textContent = endpoint;

// Use an API key meant for browsers: the page can read it.
init({ endpoint, apiKey: params.get("apiKey") ?? undefined });

const model = { id: "churn-logreg-vite", version: "1.0.0", bias: -1.2, weights: { tenure: -0.08, monthly_charges: 0.025, support_calls: 0.45 } };

function predict(features) {
  let z = model.bias;
  for (const [name, weight] of Object.entries(model.weights)) z += weight * features[name];
  return 1 / (1 + Math.exp(-z));
}

const table = document.getElementById("scores");
const ids = [];
for (let i = 0; i < 25; i++) {
  const features = { tenure: (i * 7) % 60, monthly_charges: 20 + ((i * 13) % 90), support_calls: i % 6 };
  const started = performance.now();
  const p = predict(features);
  // Returns at once; a 1 s timer sends the queue, and hiding or leaving the page hands it off.
  ids.push(
    logPrediction({
      modelId: model.id,
      modelVersion: model.version,
      prediction: Math.round(p * 1000) / 1000,
      features,
      metadata: { customer: `c_${i}` },
      latencyMs: performance.now() - started,
    }),
  );
  table.insertAdjacentHTML(
    "beforeend",
    `<tr><td>c_${i}</td><td>${features.tenure}</td><td>${features.monthly_charges}</td><td>${features.support_calls}</td><td>${p.toFixed(3)}</td></tr>`,
  );
}
window.predictionIds = ids;
document.getElementById("status").textContent = `${ids.length} predictions logged`;
