/** The environment variables the SDK reads; the same names as the Python SDK. */
export interface AitherEnv {
  AITHER_API_KEY?: string | undefined;
  AITHER_ENDPOINT?: string | undefined;
}

/** The variable each option can come from, for messages about a bad value. */
export const ENV_VARIABLE_OF: Readonly<Record<string, keyof AitherEnv>> = { endpoint: "AITHER_ENDPOINT", apiKey: "AITHER_API_KEY" };

interface DenoLike {
  env?: { get(name: string): string | undefined };
  permissions?: { querySync?(descriptor: { name: "env"; variable: string }): { state: string } };
}

/**
 * Read AITHER_* from `process.env` (Node, Bun) or `Deno.env`. Browsers and Workers have
 * neither. Deno without `--allow-env` throws, or, on a terminal, stops the program at a
 * permission prompt, even when `init()` was given apiKey and endpoint: there a variable is read
 * only when the permission is already granted (querying never prompts).
 */
export function readEnv(): AitherEnv {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> }; Deno?: DenoLike };
  const get = (name: keyof AitherEnv): string | undefined => {
    try {
      const deno = g.Deno;
      // In Deno, `process.env` is Deno.env: reading it prompts just the same.
      if (deno === undefined) return g.process?.env?.[name];
      // An old Deno without querySync: read, and a missing permission throws (caught below).
      const permissions = deno.permissions;
      if (permissions?.querySync && permissions.querySync({ name: "env", variable: name }).state !== "granted") return undefined;
      return deno.env?.get(name);
    } catch {
      return undefined; // Deno without --allow-env throws NotCapable
    }
  };
  return { AITHER_API_KEY: get("AITHER_API_KEY"), AITHER_ENDPOINT: get("AITHER_ENDPOINT") };
}
