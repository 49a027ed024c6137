/** A stand-in churn model: a logistic score of two features. */
export function score(input: { tenure: number; monthlyCharges: number }): number {
  const z = 0.03 * input.monthlyCharges - 0.08 * input.tenure;
  return 1 / (1 + Math.exp(-z));
}
