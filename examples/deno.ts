// A Deno.serve handler that runs a (stand-in) model and logs each prediction. The server starts
// on a free port, calls itself a few times, then shuts down; Deno then ends the program, and
// aither's beforeunload hook sends what is still queued: no flush() or close() needed.
// Deno users import "npm:aither" (or "jsr:@aither/sdk"); in this repo "aither" resolves to
// the package itself through package.json, with the `deno` export condition.
//
//   npx aither collector &
//   deno run --allow-net=127.0.0.1 --allow-env=AITHER_ENDPOINT,AITHER_API_KEY examples/deno.ts
import * as aither from "aither";

aither.init({ endpoint: Deno.env.get("AITHER_ENDPOINT") ?? "http://127.0.0.1:4318" });

// A stand-in sentiment model: share of positive words.
const POSITIVE = new Set(["great", "love", "fast", "good"]);
function predictSentiment(text: string): number {
  const words = text.toLowerCase().split(/\W+/).filter(Boolean);
  return words.length === 0 ? 0.5 : words.filter((w) => POSITIVE.has(w)).length / words.length;
}

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
  const { text } = await req.json();
  const prediction = Number(predictSentiment(text).toFixed(3));
  const id = aither.logPrediction({ modelId: "sentiment-v1", prediction, features: { text } });
  return Response.json({ id, prediction });
});

for (const text of ["Great product, love it", "slow and buggy", "good enough"]) {
  const res = await fetch(`http://127.0.0.1:${server.addr.port}/`, { method: "POST", body: JSON.stringify({ text }) });
  const { id, prediction } = await res.json();
  console.log(`logged prediction ${id}: "${text}" -> ${prediction}`);
}
await server.shutdown(); // nothing left to do: the program ends, and the exit hook flushes the queue
