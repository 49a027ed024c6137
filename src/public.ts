// What every entry (portable and per runtime) exports besides its client and functions.
export type { FlushOptions } from "./client.ts";
export {
  AitherError,
  type AitherErrorCode,
  AitherHttpError,
  AitherNetworkError,
  AitherTimeoutError,
  AitherValidationError,
  isAitherError,
} from "./errors.ts";
export type { EventKind, LabelInput, PredictionInput } from "./events.ts";
export { type AitherOptions, DEFAULTS, type FetchLike } from "./options.ts";
export type { AdapterHost, EncodedBody, RuntimeAdapter, RuntimeName } from "./runtime.ts";
export type { AitherStats, DropCounts, DropReason, FlushResult, WireEvent, WireLabel, WirePrediction } from "./types.ts";
export type { TensorSummary } from "./tensor.ts";
export { VERSION } from "./version.ts";
export { predictionIdOf, type WrapArgs, type WrapOptions, type WrapResult } from "./wrap.ts";
