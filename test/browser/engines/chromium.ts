import { type Browser, chromium, type Page } from "playwright-core";
import type { Engine, EngineContext, EnginePage } from "./engine.ts";
import { findExecutable } from "./executable.ts";

// Flags from RUNTIMES.md section 8.
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Debian's Chromium: $CHROMIUM_PATH, else `chromium` or `chromium-browser` on PATH, else /usr/bin/chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: findExecutable("CHROMIUM_PATH", ["chromium", "chromium-browser"], "/usr/bin/chromium"), args: ARGS });
}

function wrap(page: Page): EnginePage {
  return {
    goto: async (url) => void (await page.goto(url)),
    close: () => page.close(),
    eval: <T>(expression: string) => page.evaluate(expression) as Promise<T>,
  };
}

/**
 * Headless Chromium driven by playwright-core; one browser context per {@link EngineContext}.
 * The browser stays the caller's: `close()` leaves it running for the caller's other tests.
 */
export function chromiumEngine(browser: Browser): Engine {
  return {
    async newContext(): Promise<EngineContext> {
      const context = await browser.newContext();
      return {
        async open(url) {
          const page = await context.newPage();
          await page.goto(url);
          return wrap(page);
        },
        close: () => context.close(),
      };
    },
    close: async () => {},
  };
}
