// What every entry (portable and per runtime) exports besides its client and functions.
export type { FlushOptions } from "./client.js";
export {
  AitherError,
  type AitherErrorCode,
  AitherHttpError,
  AitherNetworkError,
  AitherTimeoutError,
  AitherValidationError,
  isAitherError,
} from "./errors.js";
export type { EventKind, LabelInput, PredictionInput } from "./events.js";
export { type AitherOptions, DEFAULTS, type FetchLike } from "./options.js";
export type { AdapterHost, EncodedBody, RuntimeAdapter, RuntimeName } from "./runtime.js";
export type { AitherStats, DropCounts, DropReason, FlushResult, WireEvent, WireLabel, WirePrediction } from "./types.js";
export { VERSION } from "./version.js";
