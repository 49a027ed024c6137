/**
 * Random UUID v4. `crypto.randomUUID` is missing on insecure (plain http) pages and in old
 * runtimes, so fall back to `getRandomValues`.
 */
export function createId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === "function") return flat(c.randomUUID());
  const b = new Uint8Array(16);
  if (typeof c?.getRandomValues === "function") c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  let hex = "";
  for (let i = 0; i < 16; i++) hex += (b[i] as number).toString(16).padStart(2, "0");
  return flat(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
}

/**
 * Node builds randomUUID() by concatenating 20 pieces: a V8 rope of about 490 bytes that a queued
 * event would keep alive. Reading a character flattens it in place to a plain 36-byte string.
 */
function flat(id: string): string {
  id.charCodeAt(35);
  return id;
}
