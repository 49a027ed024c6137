import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { createTransport, type RawAnswer, type TransportFactory } from "../src/transport.ts";
import { ofetchTransport } from "../src/transport-ofetch.ts";

// Keep-alive agents shared by every client of the process; the agent unrefs idle sockets, so a
// pooled connection never holds the process open.
const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 8 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 8 }) };

/**
 * Node's transport: node:http with keep-alive, not fetch. Measured on this project's bench
 * (a 30 KB gzip batch to the collector in another process): undici's fetch spends 1.8 ms of
 * CPU per request, node:http 0.55 ms; at 100 events a batch that is most of what delivering
 * an event costs. A custom `fetch` option still goes through ofetch, as everywhere else.
 * node:http follows no redirect: a 3xx answer is dropped (`rejected`) naming its Location, as
 * the fetch transports do with `redirect: "manual"`.
 */
export const nodeHttpTransport: TransportFactory = (options) => {
  if (options.fetch) return ofetchTransport(options);
  return createTransport(
    (request, signal) =>
      new Promise<RawAnswer>((resolve, reject) => {
        const https = request.url.startsWith("https:");
        const body = typeof request.body === "string" ? Buffer.from(request.body) : request.body;
        const send = https ? httpsRequest : httpRequest;
        // Once the status is in, it decides: an abort (close(), the timeout) or an error while
        // the rest of the answer is read must not turn an accepted batch into a failure.
        let answered: (() => void) | undefined;
        const req = send(
          request.url,
          { method: "POST", agent: https ? agents.https : agents.http, signal, headers: { ...request.headers, "Content-Length": String(body.byteLength) } },
          (res: IncomingMessage) => {
            const chunks: Buffer[] = [];
            answered = () => {
              const retryAfter = res.headers["retry-after"];
              resolve({
                status: res.statusCode ?? 0,
                statusText: res.statusMessage ?? "",
                retryAfter: typeof retryAfter === "string" ? retryAfter : null,
                body: Buffer.concat(chunks).toString("utf8"),
                location: res.headers.location ?? null,
              });
            };
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("error", answered);
            res.on("end", answered);
          },
        );
        // A request in flight does not hold the process open by itself: at its natural end the
        // exit flush waits for it up to shutdownTimeout (and aborts it then), where a hung
        // endpoint would otherwise hold the process for the whole request timeout.
        req.on("socket", (socket) => socket.unref());
        req.on("error", (error) => (answered ? answered() : reject(error)));
        req.end(body);
      }),
    options.timeoutMs,
  );
};
