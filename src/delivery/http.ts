// Delivery to an HTTP(S) server that speaks WebDAV's file methods (nginx's dav module, Apache
// mod_dav, most object stores' WebDAV gateways): HEAD for the size, PUT to write (a partial one with
// Content-Range to resume, where the server allows it), MKCOL for missing collections, GET for the
// checksum, MOVE to rename and DELETE to remove. Basic authentication or a bearer token.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { type Destination, type PushItem, TransientDeliveryError } from "./destination.ts";

export interface HttpDestinationOptions {
  /** The collection to deliver into, e.g. https://host:8443/products/ (no credentials in it). */
  base: URL;
  user?: string;
  password?: string;
  /** Sent as "Authorization: Bearer ..." instead of basic authentication. */
  token?: string;
  /** Accept a self-signed server certificate (tests, private networks). */
  allowSelfSigned?: boolean;
  timeoutMs?: number;
}

/** Statuses worth another attempt: timeouts, rate limits, server trouble (but not "not implemented"). */
function transientStatus(status: number): boolean {
  return (
    status === 408 || status === 425 || status === 429 || (status >= 500 && status !== 501 && status !== 505)
  );
}

/** Statuses with which a server turns down a PUT with Content-Range: it wants the whole file. */
const partialPutRefusals = new Set([400, 405, 501]);

/** The longest Retry-After waited for before the retry (longer ones are left to the backoff). */
const maxRetryAfterMs = 60_000;

/** TLS verdicts on the server's certificate: no retry mends them. */
const certificateErrors =
  /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID)$/;

export function httpDestination(options: HttpDestinationOptions): Destination {
  const base = new URL(options.base.href.endsWith("/") ? options.base.href : `${options.base.href}/`);
  const secure = base.protocol === "https:";
  const user = options.user ? `${options.user}@` : "";
  const label = `${base.protocol}//${user}${base.host}${base.pathname}`;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, rejectUnauthorized: !options.allowSelfSigned })
    : new HttpAgent({ keepAlive: true });
  const authorization = options.token
    ? `Bearer ${options.token}`
    : options.user !== undefined
      ? `Basic ${Buffer.from(`${options.user}:${options.password ?? ""}`).toString("base64")}`
      : undefined;
  /** Collections known to exist (made or found by MKCOL), so that they are not asked for again. */
  const collections = new Set<string>();
  /** Set once the server has turned down a partial PUT: partials are then discarded at once. */
  let partialPutRefused = false;

  const location = (path: string): URL => {
    const segments = path.split("/").filter((s) => s !== "" && s !== ".");
    if (segments.includes("..")) throw new Error(`"${path}" leaves the destination ${label}`);
    return new URL(segments.map(encodeURIComponent).join("/"), base);
  };
  /** For messages: the URL without credentials or query. */
  const shown = (url: URL) => `${url.protocol}//${user}${url.host}${url.pathname}`;

  function send(
    method: string,
    url: URL,
    headers: Record<string, string> = {},
    body?: Readable,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const request = (secure ? httpsRequest : httpRequest)(url, {
        method,
        agent,
        headers: {
          ...(authorization ? { authorization } : {}),
          "cache-control": "no-cache",
          "accept-encoding": "identity",
          ...headers,
        },
      });
      request.setTimeout(timeoutMs, () =>
        request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" })),
      );
      // "on", not "once": a server that answers early may close the connection on a body still being sent.
      request.on("error", (error) => reject(networkError(error, method, url)));
      request.once("response", resolve);
      if (!body) request.end();
      else {
        body.on("error", (error) => request.destroy(error));
        request.once("close", () => body.destroy());
        body.pipe(request);
      }
    });
  }

  /** Sends a request whose answer has no body worth reading, and returns the status. */
  async function status(method: string, url: URL, headers?: Record<string, string>, body?: Readable) {
    const response = await send(method, url, headers, body);
    response.resume();
    await new Promise((resolve) => response.once("close", resolve));
    return response;
  }

  function networkError(error: Error & { code?: string }, method: string, url: URL): Error {
    const what = `${method} ${shown(url)}: ${error.message}`;
    if (error.code && certificateErrors.test(error.code)) {
      return new Error(
        `${what} (the server's certificate is not trusted; ?insecure=1 accepts a self-signed one)`,
      );
    }
    return new TransientDeliveryError(what);
  }

  /** The error for a status that is not a success: transient ones after honouring a short Retry-After. */
  async function failure(method: string, url: URL, response: IncomingMessage): Promise<Error> {
    const code = response.statusCode ?? 0;
    const what = `${method} ${shown(url)}: ${code} ${response.statusMessage ?? ""}`.trim();
    if (transientStatus(code)) {
      const retryAfter = Number(response.headers["retry-after"]);
      if (Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter * 1000 <= maxRetryAfterMs) {
        await sleep(retryAfter * 1000);
      }
      return new TransientDeliveryError(what);
    }
    if (code === 401 || code === 403) {
      return new Error(
        `${what}: check the user and the password in DELIVERY_PASSWORD (or the token in DELIVERY_TOKEN)`,
      );
    }
    if (code >= 300 && code < 400 && response.headers.location) {
      return new Error(`${what}: the server redirects to ${response.headers.location}; use that URL`);
    }
    return new Error(what);
  }

  /** MKCOL for each missing collection above `path`, from the top; ones that exist answer 405. */
  async function makeCollections(path: string): Promise<void> {
    const target = location(path);
    const segments = target.pathname.split("/").filter(Boolean).slice(0, -1);
    let current = "/";
    for (const segment of segments) {
      current += `${segment}/`;
      if (collections.has(current)) continue;
      const url = new URL(current, base);
      const response = await status("MKCOL", url);
      const code = response.statusCode ?? 0;
      if ((code >= 200 && code < 300) || code === 405) collections.add(current);
      else if (code === 401 || transientStatus(code)) throw await failure("MKCOL", url, response);
      // Other refusals (a collection outside what the server lets us make) are left to the PUT to report.
    }
  }

  async function remove(path: string): Promise<void> {
    const url = location(path);
    const response = await status("DELETE", url);
    const code = response.statusCode ?? 0;
    if ((code < 200 || code >= 300) && code !== 404) throw await failure("DELETE", url, response);
  }

  async function put(item: PushItem, start: number, url: URL): Promise<IncomingMessage> {
    const headers: Record<string, string> = {
      "content-type": "application/octet-stream",
      "content-length": String(item.size - start),
    };
    if (start > 0) headers["content-range"] = `bytes ${start}-${item.size - 1}/${item.size}`;
    return status("PUT", url, headers, createReadStream(item.localPath, { start }));
  }

  return {
    label,
    async size(path) {
      const url = location(path);
      const response = await status("HEAD", url);
      if (response.statusCode === 404) return null;
      if (response.statusCode !== 200) throw await failure("HEAD", url, response);
      const length = Number(response.headers["content-length"]);
      if (!Number.isSafeInteger(length)) {
        throw new Error(`HEAD ${shown(url)}: the server gave no Content-Length`);
      }
      return length;
    },
    async write(item: PushItem, start: number, path: string) {
      const url = location(path);
      if (start > 0 && partialPutRefused) {
        await remove(path);
        throw new TransientDeliveryError(
          `${shown(url)}: the server takes no partial PUT; the partial was removed to send the file whole`,
        );
      }
      await makeCollections(path);
      const response = await put(item, start, url);
      const code = response.statusCode ?? 0;
      if (code >= 200 && code < 300) return;
      if (start > 0 && partialPutRefusals.has(code)) {
        // The partial cannot be resumed here: remove it, and the next attempt starts from 0.
        partialPutRefused = true;
        await remove(path);
        throw new TransientDeliveryError(
          `PUT ${shown(url)} with Content-Range: ${code}; the server takes no partial PUT, sending the file whole`,
        );
      }
      if (code === 409) {
        collections.clear();
        throw new TransientDeliveryError(
          `PUT ${shown(url)}: 409, the collection it goes into is missing (MKCOL is tried again)`,
        );
      }
      throw await failure("PUT", url, response);
    },
    async checksum(path) {
      const url = location(path);
      const response = await send("GET", url);
      if (response.statusCode !== 200) {
        response.resume();
        throw await failure("GET", url, response);
      }
      const hash = createHash("sha256");
      try {
        await pipeline(response, hash);
      } catch (error) {
        throw new TransientDeliveryError(`GET ${shown(url)}: ${(error as Error).message}`);
      }
      return hash.digest("hex");
    },
    async rename(from, to) {
      const url = location(from);
      const destination = location(to).href;
      const response = await status("MOVE", url, { destination, overwrite: "T" });
      const code = response.statusCode ?? 0;
      if (code < 200 || code >= 300) throw await failure("MOVE", url, response);
    },
    remove,
    async close() {
      agent.destroy();
    },
  };
}
