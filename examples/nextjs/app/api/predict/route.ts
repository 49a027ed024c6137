// A Next.js route handler on the Node.js runtime. `import * as aither from "aither"` gets the Node
// entry here (background timer); after() still matters on serverless hosts, which freeze the
// function once the response is out.
import * as aither from "aither";
import { after } from "next/server";
import { score } from "../../../model";

export async function POST(request: Request): Promise<Response> {
  const input = (await request.json()) as { id?: string; tenure: number; monthlyCharges: number };
  const id = aither.logPrediction({
    id: input.id,
    modelId: "churn-classifier-v2",
    prediction: score(input),
    features: { tenure: input.tenure, monthly_charges: input.monthlyCharges },
    metadata: { runtime: "nodejs" },
  });
  // Runs after the response has been sent; Next keeps the function alive until it settles.
  after(() => aither.flush());
  return Response.json({ predictionId: id });
}
