// A tiny in-page model: logistic regression over three customer features, with fixed weights.
// Every prediction is logged with aither; the page's lifecycle (hide, close) flushes the rest.
const params = new URLSearchParams(location.search);
const endpoint = params.get("endpoint") ?? params.get("AITHER_ENDPOINT") ?? "http://127.0.0.1:4318";
document.getElementById("endpoint").textContent = endpoint;

aither.init({ endpoint, apiKey: params.get("apiKey") ?? undefined });

const model = { id: "churn-logreg-browser", version: "1.0.0", bias: -1.2, weights: { tenure: -0.08, monthly_charges: 0.025, support_calls: 0.45 } };

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
  ids.push(
    aither.logPrediction({
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

aither.flush().then((result) => {
  document.getElementById("status").textContent = result.ok
    ? `${result.sent} predictions logged`
    : `not delivered yet: ${result.pending} pending (they are kept and retried)`;
});
