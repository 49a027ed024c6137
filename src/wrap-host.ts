import type { AitherError } from "./errors.ts";
import type { PredictionInput } from "./events.ts";

/** What a wrapper needs from its client. */
export interface WrapHost {
  /** Validate and queue a prediction: its id, or undefined when it was not queued (sampled out, disabled client, closed). */
  log(input: PredictionInput): string | undefined;
  /** A normalised copy of a value, taken now (inputs of a call whose result comes later). */
  capture(value: unknown): unknown;
  report(error: AitherError): void;
  /** Count a call left out by the wrap's `sampleRate`. */
  sampled(): void;
}
