/** Error codes carried by every {@link AitherError}. */
export type AitherErrorCode = "validation" | "http" | "network" | "timeout" | "dropped" | "callback" | "config";

const BRAND = Symbol.for("aither.error");

/** Base class of every error the SDK creates or reports. */
export class AitherError extends Error {
  /** What kind of problem this is. */
  readonly code: AitherErrorCode;
  constructor(code: AitherErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AitherError";
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** The server answered a batch with a status that is not 2xx. */
export class AitherHttpError extends AitherError {
  /** HTTP status of the answer. */
  readonly status: number;
  /** Number of events in the batch. */
  readonly batchSize: number;
  /** The server's `error` message, when it sent one. */
  readonly serverMessage: string | undefined;
  constructor(status: number, batchSize: number, serverMessage: string | undefined, message: string) {
    super("http", message);
    this.name = "AitherHttpError";
    this.status = status;
    this.batchSize = batchSize;
    this.serverMessage = serverMessage;
  }
}

/** The request never got an answer (connection refused, reset, DNS). */
export class AitherNetworkError extends AitherError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("network", message, options);
    this.name = "AitherNetworkError";
  }
}

/** The request took longer than the `timeout` option. */
export class AitherTimeoutError extends AitherError {
  constructor(message: string) {
    super("timeout", message);
    this.name = "AitherTimeoutError";
  }
}

/**
 * API misuse: a bad option or a bad field. Thrown synchronously; a `TypeError`, so
 * `catch (e) { if (e instanceof TypeError) ... }` works too. The message starts with the field.
 */
export class AitherValidationError extends TypeError {
  /** The option or input field that was wrong, e.g. `"modelId"` or `"flushInterval"`. */
  readonly field: string;
  readonly code: "validation" = "validation";
  constructor(field: string, message: string) {
    super(message);
    this.name = "AitherValidationError";
    this.field = field;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** Throw an {@link AitherValidationError} for `field`, with a message that starts with the field. */
export function invalid(field: string, problem: string): never {
  throw new AitherValidationError(field, `${field} ${problem}`);
}

/**
 * True for any error made by this SDK, also one from another realm (iframe, worker), where
 * `instanceof` fails.
 */
export function isAitherError(error: unknown): error is AitherError | AitherValidationError {
  return (
    error instanceof AitherError ||
    error instanceof AitherValidationError ||
    (typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true)
  );
}

/** Added to the message of an error for a 401/403 answer (SPEC: the error names AITHER_API_KEY). */
export const UNAUTHORIZED_HINT = " (check AITHER_API_KEY or the apiKey option)";

/** The message of anything thrown: an Error's message, else its text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
