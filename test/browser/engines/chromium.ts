import type { Browser, Page } from "playwright-core";
export { launchChromium } from "../../helpers/chromium.ts";
import type { Engine, EngineContext, EnginePage } from "./engine.ts";

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
