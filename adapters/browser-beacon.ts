import type { EncodedBody } from "../src/runtime.ts";
import type { Outcome } from "../src/outcome.ts";
import { answerOutcome, fetchAnswer } from "../src/transport.ts";

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

// A fetch that failed (network error, blocked, the page gone): the body may still be delivered
// later from storage, so it is kept, as the sender keeps a batch after a network error.
const NO_ANSWER: Outcome = { kind: "retry", message: "no answer" };

/**
 * POST a text/plain body (a CORS "simple" request: no preflight, which an unloading page
 * could not wait for). Uses keepalive when the budget allows, so the request outlives the page.
 * Resolves to the transport's {@link Outcome} of the answer (a retry without status when none
 * came); never rejects.
 */
export function postText(url: string, body: string, bytes: number): Promise<Outcome> {
  const release = reserveKeepalive(bytes);
  return postPlain(url, body, release !== undefined).finally(release);
}

async function postPlain(url: string, body: string, keepalive: boolean): Promise<Outcome> {
  try {
    // redirect "manual": a followed 301/302/303 would turn the POST into a GET whose 200 confirms
    // a body that never arrived. A redirect, even one the browser hides ("opaqueredirect", status
    // 0, which here would mean "no answer, keep it"), is answered 3xx: dropped (rejected).
    const response = await fetch(url, { method: "POST", body, keepalive, headers: { "Content-Type": TEXT_PLAIN }, redirect: "manual" });
    // Read the answer: an unread body keeps the connection (and Workers' request) busy.
    const answer = fetchAnswer(response, await response.text().catch(() => ""));
    // Any other status 0 is an opaque or error response: no answer the page can read.
    return answer.status === 0 ? NO_ANSWER : answerOutcome(url, answer);
  } catch {
    return NO_ANSWER;
  }
}

/** How {@link handOff} sent a body. */
export type HandOffKind = "keepalive" | "beacon";

/**
 * Give bodies to the browser at once, for a page that is being hidden or closed: a keepalive
 * fetch while the page-wide budget allows (its answer can confirm the body), then
 * `navigator.sendBeacon`. `onAnswer` gets each keepalive body's outcome (a retry without status
 * when no answer came).
 * Returns the bodies the browser would not take. Never throws.
 */
export function handOff(
  bodies: readonly EncodedBody[],
  onSent: (body: EncodedBody, kind: HandOffKind) => void,
  onAnswer: (body: EncodedBody, outcome: Outcome) => void,
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
        .then((outcome) => onAnswer(body, outcome));
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
