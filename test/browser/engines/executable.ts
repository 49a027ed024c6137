import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * A browser (or driver) to run, found as .ci/run finds it: the path in `$envVar` when set,
 * else the first of `names` on PATH, else `fallback` (whose absence the launch then reports).
 */
export function findExecutable(envVar: string, names: readonly string[], fallback: string): string {
  const explicit = process.env[envVar];
  if (explicit) return explicit;
  for (const name of names) {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      if (dir !== "" && executable(join(dir, name))) return join(dir, name);
    }
  }
  return fallback;
}
