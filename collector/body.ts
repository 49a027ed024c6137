import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { gunzipSync } from "node:zlib";

/** A request problem with the HTTP status to answer; the message goes into `{"error": ...}`. */
export class RequestError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "RequestError";
    this.status = status;
  }
}

/** A fully read request body. */
export interface RawBody {
  bytes: Buffer;
  /** More than the limit arrived; `bytes` holds only what fit. */
  tooLarge: boolean;
  /** Bytes read from the connection (after any chunked framing, before gunzip), kept or not. */
  size: number;
}

/**
 * Read the whole request body, keeping at most `maxBytes`.
 * Past the limit the rest is still read and thrown away: answering before the client has
 * sent everything makes many clients see a reset connection instead of the 413.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<RawBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve({ bytes: Buffer.concat(chunks), tooLarge, size }));
    req.on("error", reject);
  });
}

/**
 * Turn a batch body into a JSON value: check its size, types and encoding, gunzip, parse.
 * @throws {RequestError} 413 too large (also after gunzip), 415 unsupported type or encoding,
 * 400 bad gzip or invalid JSON.
 */
export async function decodeJsonBody(headers: IncomingHttpHeaders, raw: RawBody, maxBytes: number): Promise<unknown> {
  if (raw.tooLarge) throw new RequestError(413, `body is larger than the ${maxBytes} byte limit`);
  const type = (headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  // Beacons and unload fetches send JSON as text/plain so the browser skips the CORS preflight.
  if (type !== "" && type !== "application/json" && type !== "text/plain") {
    throw new RequestError(415, `Content-Type ${type} is not supported; send application/json or text/plain`);
  }
  const encoding = (headers["content-encoding"] ?? "identity").trim().toLowerCase();
  let bytes = raw.bytes;
  if (encoding === "gzip" || encoding === "x-gzip") {
    try {
      // Sync: a batch body inflates in well under a millisecond, and zlib's async stream API
      // spent more CPU on its chunking and callbacks than on inflating (a third of the
      // collector's time under the bench).
      bytes = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        throw new RequestError(413, `gunzipped body is larger than the ${maxBytes} byte limit`);
      }
      throw new RequestError(400, `body is not valid gzip (Content-Encoding: gzip): ${(error as Error).message}`);
    }
  } else if (encoding !== "identity" && encoding !== "") {
    throw new RequestError(415, `Content-Encoding ${encoding} is not supported; send gzip or none`);
  }
  try {
    return JSON.parse(bytes.toString("utf8")) as unknown;
  } catch (error) {
    throw new RequestError(400, `body is not valid JSON: ${(error as Error).message}`);
  }
}
