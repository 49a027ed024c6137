import { spawn } from "node:child_process";
import { createServer } from "node:net";
import type { Engine, EngineContext, EnginePage } from "./engine.ts";
import { findExecutable } from "./executable.ts";
import { startXvfb, stopProcess } from "./xvfb.ts";

/** A free loopback port for the driver (it cannot pick one itself and report it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A client of classic WebDriver (HTTP + JSON): just the handful of endpoints the suites use. */
function webDriver(base: string) {
  const send = async (method: string, path: string, body: unknown): Promise<{ ok: boolean; value: unknown }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      // A command that hangs fails the test naming it, well before the test's own timeout.
      signal: AbortSignal.timeout(20_000),
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { ok: response.ok, value: ((await response.json()) as { value: unknown }).value };
  };
  return async <T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> => {
    const { ok, value } = await send(method, path, body).catch((error: unknown) => {
      throw new Error(`WebDriver ${method} ${path}: ${String(error)}`);
    });
    if (!ok) {
      const { error, message } = value as { error?: string; message?: string };
      throw new Error(`WebDriver ${method} ${path}: ${error}: ${message}`);
    }
    return value as T;
  };
}

/**
 * WebKit, the engine of Safari: Debian's webkit2gtk-driver ($WEBKIT_WEBDRIVER_PATH, else
 * `WebKitWebDriver` on PATH) runs WebKitGTK's MiniBrowser, which has no headless mode, on a
 * private Xvfb display. One WebDriver session (a browser with its own ephemeral storage) per
 * {@link EngineContext}; each page is a tab of it.
 */
export async function launchWebKit(): Promise<Engine> {
  const xvfb = await startXvfb();
  const binary = findExecutable("WEBKIT_WEBDRIVER_PATH", ["WebKitWebDriver"], "/usr/bin/WebKitWebDriver");
  const port = await freePort();
  const driver = spawn(binary, [`--port=${port}`, "--host=127.0.0.1"], { env: { ...process.env, DISPLAY: xvfb.display }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  driver.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + String(chunk)).slice(-2000);
  });
  const stop = async () => {
    await stopProcess(driver);
    await xvfb.stop();
  };
  const call = webDriver(`http://127.0.0.1:${port}`);
  try {
    const started = new Promise<never>((_, reject) => {
      driver.once("error", (error) => reject(new Error(`cannot start ${binary} (install Debian's webkit2gtk-driver): ${error.message}`)));
      driver.once("exit", (code) => reject(new Error(`${binary} exited with ${code}: ${stderr}`)));
    });
    const ready = (async () => {
      for (;;) {
        const status = await call<{ ready: boolean }>("GET", "/status").catch(() => undefined);
        if (status?.ready) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await Promise.race([ready, started]);
  } catch (error) {
    await stop();
    throw error;
  }

  async function newContext(): Promise<EngineContext> {
    const { sessionId } = await call<{ sessionId: string }>("POST", "/session", { capabilities: { alwaysMatch: { browserName: "MiniBrowser" } } });
    const session = `/session/${sessionId}`;
    // The first tab stays open: closing a session's last tab would end the session.
    const home = await call<string>("GET", `${session}/window`);
    let current = home;
    const focus = async (handle: string) => {
      if (current !== handle) await call("POST", `${session}/window`, { handle });
      current = handle;
    };
    return {
      async open(url) {
        const { handle } = await call<{ handle: string }>("POST", `${session}/window/new`, { type: "tab" });
        const page: EnginePage = {
          goto: async (to) => {
            await focus(handle);
            await call("POST", `${session}/url`, { url: to });
          },
          close: async () => {
            await focus(handle);
            await call("DELETE", `${session}/window`);
            await focus(home);
          },
          eval: async (expression) => {
            await focus(handle);
            return call("POST", `${session}/execute/sync`, { script: `return (${expression});`, args: [] });
          },
        };
        await page.goto(url);
        return page;
      },
      close: async () => void (await call("DELETE", session)),
    };
  }
  return { newContext, close: stop };
}
