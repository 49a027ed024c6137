// Serverless Node functions: the platform freezes the process as soon as the invocation is over,
// so wrap the handler with aither.withFlush and the predictions are delivered before that.
// `handler` is an AWS Lambda handler (also Netlify's, and any handler that returns a Promise);
// `httpHandler` is a (req, res) handler as on Vercel or Google Cloud Functions.
//
// Run as a script, it plays the platform: it invokes both a few times, then ends with
// process.exit(), which (like a frozen or recycled instance) skips every exit hook.
//
//   npx aither collector &                 # local collector on http://127.0.0.1:4318
//   node examples/serverless-handler.mjs   # or AITHER_ENDPOINT=... node examples/serverless-handler.mjs
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import * as aither from "aither";

// Outside the handler: one client per instance, reused by every invocation it serves.
aither.init({ endpoint: process.env.AITHER_ENDPOINT ?? "http://127.0.0.1:4318" });

// A stand-in churn model: logistic score of tenure (months) and monthly charges.
function predictChurn({ tenure, monthly_charges }) {
  return Number((1 / (1 + Math.exp(-(1.5 - 0.08 * tenure + 0.02 * (monthly_charges - 60))))).toFixed(4));
}

export const handler = aither.withFlush(async (event) => {
  const features = JSON.parse(event.body);
  const prediction = predictChurn(features);
  const id = aither.logPrediction({ modelId: "churn-classifier-v2", prediction, features });
  return { statusCode: 200, body: JSON.stringify({ id, prediction }) }; // returned once `id` is delivered
});

export const httpHandler = aither.withFlush((req, res) => {
  const query = new URL(req.url ?? "/", "http://localhost").searchParams;
  const features = { tenure: Number(query.get("tenure")), monthly_charges: Number(query.get("monthly_charges")) };
  const prediction = predictChurn(features);
  const id = aither.logPrediction({ modelId: "churn-classifier-v2", prediction, features });
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ id, prediction })); // the response finishes once `id` is delivered
});

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const context = { getRemainingTimeInMillis: () => 3000 }; // what Lambda passes, in part
  for (const tenure of [1, 24, 72]) {
    const result = await handler({ body: JSON.stringify({ tenure, monthly_charges: 65.5 }) }, context);
    console.log(`lambda: ${result.body}`);
  }

  const server = createServer(httpHandler);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  for (const tenure of [6, 48]) {
    const answer = await fetch(`http://127.0.0.1:${server.address().port}/?tenure=${tenure}&monthly_charges=80`);
    console.log(`http: ${await answer.text()}`);
  }
  server.close();

  const { queued, inFlight } = aither.stats();
  console.log(`left to send after the last invocation: ${queued + inFlight}`);
  process.exit(0); // no exit flush: everything above was delivered before each invocation ended
}
