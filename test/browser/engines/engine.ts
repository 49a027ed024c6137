/**
 * The one interface the browser suites drive every engine through (Chromium by playwright-core,
 * Firefox by puppeteer-core over WebDriver BiDi, WebKit by WebKitWebDriver over classic
 * WebDriver), so each unload case is written once.
 */
export interface EnginePage {
  /** Navigate this page and wait for the load. */
  goto(url: string): Promise<void>;
  /** Close this page (its tab) the way a user does: unload events run, no beforeunload prompt. */
  close(): Promise<void>;
  /** The value of a JavaScript expression in the page (a promise is awaited); it must be JSON. */
  eval<T>(expression: string): Promise<T>;
}

/** A profile of its own: its localStorage (the carry-over) lives as long as it does. */
export interface EngineContext {
  /** Open a new page (tab) at `url` and wait for the load. */
  open(url: string): Promise<EnginePage>;
  close(): Promise<void>;
}

/** A running browser. */
export interface Engine {
  newContext(): Promise<EngineContext>;
  /** Stop the browser and every process started for it. */
  close(): Promise<void>;
}
