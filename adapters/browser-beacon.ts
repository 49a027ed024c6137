import type { EncodedBody } from "../src/runtime.ts";
import { fetchAnswer, redirectMessage } from "../src/transport.ts";

/** Largest body a beacon or keepalive fetch may carry, and the page-wide in-flight budget they share. */
export const MAX_BEACON_BYTES: number = 64 * 1024;
// Chromium rejects keepalive fetches past a per-page count as well as past 64 KiB in flight
// (fetch spec "inflight keepalive bytes"); Sentry keeps under 15 requests, we stay under 10.
const MAX_KEEPALIVE_REQUESTS = 9;
const TEXT_PLAIN = "text/plain;charset=UTF-8";

// One budget per page: every client in this realm draws on it. Beacons are not counted
// (their answer is never seen); sendBeacon returns false when the shared quota is spent.
let keepaliveBytes = 0;
let keepaliveRequests = 0;

/** Keepalive bytes this page has in flight (for tests and debugging). */
export function keepaliveInFlight(): number {
  return keepaliveBytes;
}

/**
 * Reserve `bytes` of the page's keepalive budget. Returns the release function, or undefined
 * when the request would not fit (the browser would reject it with "Failed to fetch").
 */
export function reserveKeepalive(bytes: number): (() => void) | undefined {
  if (keepaliveRequests >= MAX_KEEPALIVE_REQUESTS || keepaliveBytes + bytes > MAX_BEACON_BYTES) return undefined;
  keepaliveBytes += bytes;
  keepaliveRequests++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    keepaliveBytes -= bytes;
    keepaliveRequests--;
  };
}

/** The answer to an unload body: its HTTP status (0 when none came) and the server's `error` message, if any. */
export interface Answer {
  status: number;
  error?: string | undefined;
}

/**
 * POST a text/plain body (a CORS "simple" request: no preflight, which an unloading page
 * could not wait for). Uses keepalive when the budget allows, so the request outlives the page.
 * Resolves to the answer (status 0 when none came); never rejects.
 */
export function postText(url: string, body: string, bytes: number): Promise<Answer> {
  const release = reserveKeepalive(bytes);
  return postPlain(url, body, release !== undefined).finally(release);
}

async function postPlain(url: string, body: string, keepalive: boolean): Promise<Answer> {
  try {
    // redirect "manual": a followed 301/302/303 would turn the POST into a GET whose 200 confirms
    // a body that never arrived. A redirect, even one the browser hides ("opaqueredirect", status
    // 0, which here would mean "no answer, keep it"), is answered 3xx: dropped (rejected).
    const response = await fetch(url, { method: "POST", body, keepalive, headers: { "Content-Type": TEXT_PLAIN }, redirect: "manual" });
    // Read the answer: an unread body keeps the connection (and Workers' request) busy.
    const text = await response.text().catch(() => "");
    const answer = fetchAnswer(response, text);
    return { status: answer.status, error: redirectMessage(url, answer) ?? (response.ok ? undefined : serverError(text)) };
  } catch {
    return { status: 0 };
  }
}

/** The `error` of a JSON error answer (`{"error": "..."}`), if there is one. */
function serverError(text: string): string | undefined {
  try {
    const error = (JSON.parse(text) as { error?: unknown } | null)?.error;
    return typeof error === "string" ? error : undefined;
  } catch {
    return undefined;
  }
}

/** How {@link handOff} sent a body. */
export type HandOffKind = "keepalive" | "beacon";

/**
 * Give bodies to the browser at once, for a page that is being hidden or closed: a keepalive
 * fetch while the page-wide budget allows (its answer can confirm the body), then
 * `navigator.sendBeacon`. `onAnswer` gets each keepalive body's answer (status 0: none came).
 * Returns the bodies the browser would not take. Never throws.
 */
export function handOff(
  bodies: readonly EncodedBody[],
  onSent: (body: EncodedBody, kind: HandOffKind) => void,
  onAnswer: (body: EncodedBody, answer: Answer) => void,
): EncodedBody[] {
  const left: EncodedBody[] = [];
  const fetchable = typeof fetch === "function";
  for (const body of bodies) {
    // A body over 64 KiB (one large event) fits neither path: it waits for the next page load.
    const release = body.bytes <= MAX_BEACON_BYTES && fetchable ? reserveKeepalive(body.bytes) : undefined;
    if (release) {
      onSent(body, "keepalive");
      void postPlain(body.url, body.body, true)
        .finally(release)
        .then((answer) => onAnswer(body, answer));
    } else if (body.bytes <= MAX_BEACON_BYTES && beacon(body)) {
      onSent(body, "beacon");
    } else {
      left.push(body);
    }
  }
  return left;
}

function beacon(body: EncodedBody): boolean {
  const nav = (globalThis as { navigator?: { sendBeacon?: (url: string, data: BodyInit) => boolean } }).navigator;
  if (typeof nav?.sendBeacon !== "function") return false;
  try {
    // Chromium sends a Blob typed text/plain without a preflight; application/json would need one
    // (RUNTIMES.md section 8), and a beacon can carry no other header.
    // A beacon follows redirects (no `redirect` option, no answer to see): behind a redirecting
    // endpoint its body may be lost; the keepalive fetches before it report such an endpoint.
    return nav.sendBeacon(body.url, new Blob([body.body], { type: TEXT_PLAIN }));
  } catch {
    return false; // Some browsers throw on a URL or body they refuse; the body stays for later.
  }
}
