/** The environment variables the SDK reads; the same names as the Python SDK. */
export interface AitherEnv {
  AITHER_API_KEY?: string | undefined;
  AITHER_ENDPOINT?: string | undefined;
}

interface DenoLike {
  env?: { get(name: string): string | undefined };
}

/**
 * Read AITHER_* from `process.env` (Node, Bun) or `Deno.env`. Browsers and Workers have
 * neither; Deno throws without `--allow-env`, which must not break `logPrediction`.
 */
export function readEnv(): AitherEnv {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> }; Deno?: DenoLike };
  const get = (name: keyof AitherEnv): string | undefined => {
    try {
      const fromProcess = g.process?.env?.[name];
      if (fromProcess !== undefined) return fromProcess;
      return g.Deno?.env?.get(name);
    } catch {
      return undefined; // Deno without --allow-env throws NotCapable
    }
  };
  return { AITHER_API_KEY: get("AITHER_API_KEY"), AITHER_ENDPOINT: get("AITHER_ENDPOINT") };
}
