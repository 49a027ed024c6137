/** Bodies smaller than this are sent as they are: gzip would save little and cost a round of work. */
export const MIN_COMPRESS_BYTES = 1024;

/** Gzip a body; supplied by the runtime adapter (node:zlib on Node and Bun). */
export type Gzip = (data: Uint8Array) => Promise<Uint8Array>;

/** Gzip through the standard CompressionStream, or undefined where the runtime has none. */
export function streamGzip(): Gzip | undefined {
  if (typeof CompressionStream !== "function") return undefined;
  return async (data) => {
    const stream = new Blob([data as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  };
}
