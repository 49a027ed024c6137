/**
 * A Cloudflare Worker that serves a tiny model and logs every prediction with aither.
 * `withAither` sends the predictions after the response, through ctx.waitUntil.
 *
 * Run it: `npx wrangler dev` in this folder (see wrangler.toml), with `AITHER_ENDPOINT` pointing
 * at `npx aither collector` (http://127.0.0.1:4318) or `AITHER_API_KEY` set as a secret.
 */
import * as aither from "aither";

interface Env {
  AITHER_API_KEY?: string;
  AITHER_ENDPOINT?: string;
  ENVIRONMENT?: string;
}

// A stand-in for a real model: churn probability from tenure and monthly charges.
function predictChurn(tenure: number, monthlyCharges: number): number {
  const z = 1.2 - 0.08 * tenure + 0.015 * monthlyCharges;
  return Math.round((1 / (1 + Math.exp(-z))) * 1000) / 1000;
}

export default aither.withAither(
  {
    async fetch(request: Request, _env: Env, _ctx: { waitUntil(promise: Promise<unknown>): void }): Promise<Response> {
      const url = new URL(request.url);
      const tenure = Number(url.searchParams.get("tenure") ?? 24);
      const monthlyCharges = Number(url.searchParams.get("charges") ?? 65.5);
      const started = performance.now();
      const prediction = predictChurn(tenure, monthlyCharges);
      const id = aither.logPrediction({
        modelId: "churn-classifier-v2",
        prediction,
        features: { tenure, monthly_charges: monthlyCharges },
        latencyMs: performance.now() - started,
      });
      return Response.json({ id, prediction });
    },

    // Cron trigger: predictions logged here are flushed when the run ends, like fetch.
    async scheduled(controller: { cron: string }, _env: Env): Promise<void> {
      aither.logPrediction({ modelId: "churn-classifier-v2", prediction: predictChurn(12, 80), metadata: { cron: controller.cron } });
    },
  },
  (env) => ({ environment: env.ENVIRONMENT ?? "development" }),
);
