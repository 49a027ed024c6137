import { closeSync, openSync, readSync } from "node:fs";

const CHUNK_BYTES = 8 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Call `visit` with each line of `file` (without its newline), reading 8 MiB at a time: a store
 * of a million events is a file of several hundred MB, longer than V8's largest string.
 * A missing file has no lines. Returns whether the file is empty or ends with a newline.
 */
export function readLines(file: string, visit: (line: string) => void): boolean {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return true;
    throw error;
  }
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    // Bytes of a line that began in an earlier chunk. Splitting on the newline byte is safe in
    // UTF-8: no multi-byte character contains 0x0a.
    let carry: Buffer = Buffer.alloc(0);
    for (;;) {
      const read = readSync(fd, chunk, 0, CHUNK_BYTES, null);
      if (read === 0) break;
      let start = 0;
      for (let end = chunk.indexOf(NEWLINE, 0); end !== -1 && end < read; end = chunk.indexOf(NEWLINE, start)) {
        const piece = chunk.subarray(start, end);
        visit((carry.length > 0 ? Buffer.concat([carry, piece]) : piece).toString("utf8"));
        carry = Buffer.alloc(0);
        start = end + 1;
      }
      if (start < read) carry = Buffer.concat([carry, chunk.subarray(start, read)]);
    }
    if (carry.length > 0) visit(carry.toString("utf8"));
    return carry.length === 0;
  } finally {
    closeSync(fd);
  }
}
