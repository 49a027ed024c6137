// The same route on the edge runtime: the `edge-light` condition gives it aither's edge entry,
// which has no timer, so the flush in after() is what sends the predictions.
import * as aither from "aither";
import { after } from "next/server";
import { score } from "../../../model";

export const runtime = "edge";

export async function POST(request: Request): Promise<Response> {
  const input = (await request.json()) as { id?: string; tenure: number; monthlyCharges: number };
  const id = aither.logPrediction({
    id: input.id,
    modelId: "churn-classifier-v2",
    prediction: score(input),
    features: { tenure: input.tenure, monthly_charges: input.monthlyCharges },
    metadata: { runtime: "edge" },
  });
  // Runs after the response has been sent; Next keeps the request alive until it settles.
  after(() => aither.flush());
  return Response.json({ predictionId: id });
}
