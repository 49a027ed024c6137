/**
 * A Cloudflare Worker that answers with Workers AI and logs every model call with aither:
 * `aither.wrap(env.AI)` logs each `run(model, inputs)` with the model name as modelId, the
 * inputs as features, the answer as prediction, and its latency. `withAither` sends the
 * predictions after the response, through ctx.waitUntil.
 *
 * Run it: add `[ai] binding = "AI"` to wrangler.toml (and `main = "workers-ai-worker.ts"`),
 * then `npx wrangler dev`. Try /?text=I+love+it, /chat?prompt=Hello, then
 * /feedback?id=<id>&label=POSITIVE to log the ground truth for a prediction.
 */
import * as aither from "aither";

/** The part of the Workers AI binding used here (the real one has more: gateway(), models(), ...). */
interface WorkersAi {
  run(model: string, inputs: Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown>;
}

interface Env {
  AI: WorkersAi;
  AITHER_API_KEY?: string;
  AITHER_ENDPOINT?: string;
  ENVIRONMENT?: string;
}

export default aither.withAither(
  {
    async fetch(request: Request, env: Env): Promise<Response> {
      const url = new URL(request.url);
      // Logs on the isolate's client; modelId: the model name of each run.
      const ai = aither.wrap(env.AI, { metadata: { route: url.pathname } });

      if (url.pathname === "/feedback") {
        // Ground truth for an earlier answer, joined on the server by the prediction id.
        const id = url.searchParams.get("id");
        if (!id) return new Response("?id= is required: the id an earlier answer returned", { status: 400 });
        aither.logLabel({ predictionId: id, label: url.searchParams.get("label") });
        return new Response(null, { status: 204 });
      }
      if (url.pathname === "/chat") {
        const prompt = url.searchParams.get("prompt") ?? "Say hello";
        const answer = (await ai.run("@cf/meta/llama-3.1-8b-instruct", { prompt })) as { response: string };
        return Response.json({ id: aither.predictionIdOf(answer), response: answer.response });
      }
      const text = url.searchParams.get("text") ?? "I love this product";
      const scores = (await ai.run("@cf/huggingface/distilbert-sst-2-int8", { text })) as { label: string; score: number }[];
      // predictionIdOf(result): the id logged for this answer, to hand to the client for feedback.
      return Response.json({ id: aither.predictionIdOf(scores), scores });
    },
  },
  (env) => ({ environment: env.ENVIRONMENT ?? "development" }),
);
