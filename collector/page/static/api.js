// Talking to the collector: the API key, JSON reads, downloads and the live stream.

const KEY_STORAGE = "aither:collector-key";

/** Thrown when the collector answers 401: the page needs (another) API key. */
export class KeyNeeded extends Error {}

/**
 * The API key: from `?key=` in the address (then taken out of it, so it is not left in the
 * history or a shared screenshot), else the one typed in this tab.
 * @returns {string}
 */
export function readKey() {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get("key");
  if (fromUrl !== null) {
    sessionStorage.setItem(KEY_STORAGE, fromUrl);
    url.searchParams.delete("key");
    history.replaceState(null, "", url);
  }
  return sessionStorage.getItem(KEY_STORAGE) ?? "";
}

/** @param {string} key */
export function saveKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

/** @param {string} key */
function headers(key) {
  return key ? { "x-api-key": key } : {};
}

/**
 * GET a JSON route.
 * @param {string} path
 * @param {string} key
 */
export async function getJson(path, key) {
  const res = await fetch(path, { headers: headers(key) });
  if (res.status === 401) throw new KeyNeeded();
  if (!res.ok) throw new Error(`${path} answered ${res.status}`);
  return res.json();
}

/**
 * Download a route's answer as a file (fetch, not a link: the key goes in a header).
 * @param {string} path
 * @param {string} key
 * @param {string} filename
 */
export async function download(path, key, filename) {
  const res = await fetch(path, { headers: headers(key) });
  if (res.status === 401) throw new KeyNeeded();
  if (!res.ok) throw new Error(`${path} answered ${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Read the server-sent events of `path` until `signal` aborts; reconnect after a second when
 * the connection ends. EventSource cannot send the key header, so this reads the stream itself.
 * @param {string} path
 * @param {string} key
 * @param {AbortSignal} signal
 * @param {{ message(data: any): void, state(state: "live" | "reconnecting" | "key"): void }} on
 */
export async function stream(path, key, signal, on) {
  while (!signal.aborted) {
    try {
      const res = await fetch(path, { headers: { ...headers(key), accept: "text/event-stream" }, signal });
      if (res.status === 401) return on.state("key");
      if (!res.ok || !res.body) throw new Error(`${path} answered ${res.status}`);
      on.state("live");
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          const data = buffer
            .slice(0, end)
            .split("\n")
            .filter((line) => line.startsWith("data: "))
            .map((line) => line.slice(6))
            .join("\n");
          buffer = buffer.slice(end + 2);
          if (data) on.message(JSON.parse(data));
          end = buffer.indexOf("\n\n");
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      console.warn("[aither collector page]", error);
    }
    if (signal.aborted) return;
    on.state("reconnecting");
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
