// A Vercel Edge Function (edge-light runtime): withAither ends every invocation with
// `context.waitUntil(aither.flush())`, so the response goes out at once and the prediction follows.
// AITHER_API_KEY (and AITHER_ENDPOINT, if not the platform) come from the project's environment.
// `aither/edge`: the bare "aither" gets the same code through the edge-light condition, but
// TypeScript resolves its types without that condition (to the portable entry, no withAither).
import * as aither from "aither/edge";

export const config = { runtime: "edge" };

export default aither.withAither(async (request: Request): Promise<Response> => {
  const input = (await request.json()) as { id?: string; tenure: number; monthlyCharges: number };
  const z = 0.03 * input.monthlyCharges - 0.08 * input.tenure;
  const id = aither.logPrediction({
    id: input.id,
    modelId: "churn-classifier-v2",
    prediction: 1 / (1 + Math.exp(-z)),
    features: { tenure: input.tenure, monthly_charges: input.monthlyCharges },
  });
  return Response.json({ predictionId: id });
});
