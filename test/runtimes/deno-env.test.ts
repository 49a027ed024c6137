import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { arrived, EXIT_FIXTURE, ROOT, RUNTIMES, type RunResult, start, withCollector } from "./harness.ts";

// Deno 2.9.6 without --allow-env: reading a variable Deno has not been allowed to read throws,
// or, on a terminal, stops the program at an interactive permission prompt. The SDK reads
// AITHER_API_KEY / AITHER_ENDPOINT only when Deno.permissions.querySync says "granted".

const DENO = `${ROOT}node_modules/.bin/deno`;
const PROMPT = "requests env access";
const ENV_MODULE = pathToFileURL(`${ROOT}src/env.ts`).href;
const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * Run a command on a pseudo-terminal (util-linux `script`), where Deno prompts for a missing
 * permission and waits for an answer that never comes (stdin is /dev/null).
 */
function onTerminal(cmd: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return start("script", ["-qec", [cmd, ...args].map(quote).join(" "), "/dev/null"], 15_000, env).done;
}

describe.concurrent("deno: AITHER_* are read only with the env permission, never prompting", () => {
  // Scripts that import src/env.ts alone (it imports nothing), written to a temporary directory.
  const dir = mkdtempSync(join(tmpdir(), "aither-deno-env-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const runtime of ["deno", "deno-sources"] as const) {
    it(`${runtime}: init({ apiKey, endpoint }) on a terminal without --allow-env logs and delivers without a prompt`, () =>
      withCollector({}, async (collector) => {
        const [cmd, args] = RUNTIMES[runtime](EXIT_FIXTURE, [collector.url, "20", `${runtime}-tty`, "natural", JSON.stringify({ apiKey: "ak_test" })]);
        // Set in the environment too: without the permission the SDK must not even look.
        const result = await onTerminal(cmd, args, { AITHER_API_KEY: "ak_env", AITHER_ENDPOINT: "http://127.0.0.1:9" });
        expect(result.stdout).not.toContain(PROMPT);
        expect(result.timedOut, `stuck; output: ${result.stdout}`).toBe(false);
        expect(result.code).toBe(0);
        expect(result.stdout).toContain("logged 20");
        expect(arrived(collector, `${runtime}-tty`, 20)).toEqual({ stored: 20, unique: 20, missing: 0 });
        expect(collector.requests.every((r) => r.headers["x-api-key"] === "ak_test")).toBe(true);
      }));
  }

  describe("readEnv() in the real Deno, on a terminal", () => {
    const script = join(dir, "real.ts");
    writeFileSync(script, `const { readEnv } = await import(${JSON.stringify(ENV_MODULE)});\nconsole.log("env " + JSON.stringify(readEnv()));\n`);
    const env = { AITHER_API_KEY: "ak_env", AITHER_ENDPOINT: "http://127.0.0.1:9/from-env" };

    it.each([
      ["no --allow-env", [], {}],
      ["--allow-env=AITHER_ENDPOINT", ["--allow-env=AITHER_ENDPOINT"], { AITHER_ENDPOINT: env.AITHER_ENDPOINT }],
      ["--allow-env", ["--allow-env"], env],
    ])("%s: reads what is granted, without a prompt", async (_name, flags, expected) => {
      const result = await onTerminal(DENO, ["run", "--cached-only", ...(flags as string[]), script], env);
      expect(result.stdout).not.toContain(PROMPT);
      expect(result.timedOut, `stuck; output: ${result.stdout}`).toBe(false);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`env ${JSON.stringify(expected)}`);
    });
  });

  describe("readEnv() with a stubbed Deno.permissions and Deno.env", () => {
    const script = join(dir, "stubbed.ts");
    // Each case stubs querySync (or removes it, as in an old Deno) and Deno.env.get, records
    // what was called, and prints it. `process.env` is stubbed too: in Deno it prompts as well.
    writeFileSync(
      script,
      `const { readEnv } = await import(${JSON.stringify(ENV_MODULE)});
const deno = globalThis.Deno;
const log = [];
Object.defineProperty(globalThis, "process", { configurable: true, value: { get env() { log.push("process.env"); return {}; } } });
const cases = {};
for (const state of ["granted", "prompt", "denied", "no querySync", "no querySync, get throws"]) {
  log.length = 0;
  deno.permissions = state.startsWith("no querySync")
    ? {}
    : { querySync(d) { log.push("query " + d.name + " " + d.variable); return { state }; } };
  deno.env = { get(name) { log.push("get " + name); if (state.endsWith("throws")) throw new Error("NotCapable"); return "value of " + name; } };
  const env = readEnv();
  cases[state] = { env, log: [...log] };
}
console.log(JSON.stringify(cases));
`,
    );

    it("calls Deno.env.get only for a variable whose permission is granted (or when querySync is missing)", async () => {
      const result = await start(DENO, ["run", "--cached-only", "--no-prompt", script], 15_000).done;
      expect(result.code, result.stderr).toBe(0);
      const cases = JSON.parse(result.stdout) as Record<string, { env: Record<string, string | undefined>; log: string[] }>;
      expect(cases.granted).toEqual({
        env: { AITHER_API_KEY: "value of AITHER_API_KEY", AITHER_ENDPOINT: "value of AITHER_ENDPOINT" },
        log: ["query env AITHER_API_KEY", "get AITHER_API_KEY", "query env AITHER_ENDPOINT", "get AITHER_ENDPOINT"],
      });
      for (const state of ["prompt", "denied"]) {
        expect(cases[state]).toEqual({ env: {}, log: ["query env AITHER_API_KEY", "query env AITHER_ENDPOINT"] });
      }
      expect(cases["no querySync"]).toEqual({
        env: { AITHER_API_KEY: "value of AITHER_API_KEY", AITHER_ENDPOINT: "value of AITHER_ENDPOINT" },
        log: ["get AITHER_API_KEY", "get AITHER_ENDPOINT"],
      });
      expect(cases["no querySync, get throws"]).toEqual({ env: {}, log: ["get AITHER_API_KEY", "get AITHER_ENDPOINT"] });
    });
  });
});
