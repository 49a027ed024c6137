import puppeteer, { type Page } from "puppeteer-core";
import type { Engine, EngineContext, EnginePage } from "./engine.ts";
import { findExecutable } from "./executable.ts";

function wrap(page: Page): EnginePage {
  return {
    goto: async (url) => void (await page.goto(url)),
    close: () => page.close(),
    eval: <T>(expression: string) => page.evaluate(expression) as Promise<T>,
  };
}

/**
 * Headless Firefox (Debian's firefox-esr: $FIREFOX_PATH, else `firefox-esr` or `firefox` on
 * PATH) driven by puppeteer-core over WebDriver BiDi; one user context per {@link EngineContext}.
 */
export async function launchFirefox(): Promise<Engine> {
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: findExecutable("FIREFOX_PATH", ["firefox-esr", "firefox"], "/usr/bin/firefox-esr"),
    headless: true,
  });
  return {
    async newContext(): Promise<EngineContext> {
      const context = await browser.createBrowserContext();
      return {
        async open(url) {
          const page = await context.newPage();
          await page.goto(url);
          return wrap(page);
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}
