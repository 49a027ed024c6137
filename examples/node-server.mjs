// A node:http server whose handler runs a (stand-in) model and logs each prediction.
// It starts on a free port, calls itself a few times, then closes; the process then ends by
// itself and aither's beforeExit hook sends what is still queued: no flush() or close() needed.
// In a real server, pass handleSignals: true (as here) so `kill`/Ctrl-C flush before exiting.
//
//   npx aither collector &          # local collector on http://127.0.0.1:4318
//   node examples/node-server.mjs   # or AITHER_ENDPOINT=... node examples/node-server.mjs
import { createServer } from "node:http";
import * as aither from "aither";

aither.init({ endpoint: process.env.AITHER_ENDPOINT ?? "http://127.0.0.1:4318", handleSignals: true });

// A stand-in churn model: logistic score of tenure (months) and monthly charges.
function predictChurn({ tenure, monthly_charges }) {
  return 1 / (1 + Math.exp(-(1.5 - 0.08 * tenure + 0.02 * (monthly_charges - 60))));
}

const server = createServer((req, res) => {
  const query = new URL(req.url ?? "/", "http://localhost").searchParams;
  const features = { tenure: Number(query.get("tenure")), monthly_charges: Number(query.get("monthly_charges")) };
  const started = performance.now();
  const prediction = Number(predictChurn(features).toFixed(4));
  const id = aither.logPrediction({
    modelId: "churn-classifier-v2",
    prediction,
    features,
    latencyMs: performance.now() - started,
    metadata: { route: "/predict" },
  }); // returns at once; the request is answered without waiting on the network
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ id, prediction }));
});

server.listen(0, "127.0.0.1", async () => {
  const { port } = server.address();
  for (const tenure of [1, 6, 12, 24, 48, 72]) {
    const answer = await (await fetch(`http://127.0.0.1:${port}/predict?tenure=${tenure}&monthly_charges=65.5`)).json();
    console.log(`logged prediction ${answer.id}: tenure ${tenure} -> churn ${answer.prediction}`);
  }
  server.close(); // nothing left to do: the process ends, and the exit hook flushes the queue
});
