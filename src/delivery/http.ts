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
  return new HttpDestination(options);
}

class HttpDestination implements Destination {
  readonly label: string;
  readonly #base: URL;
  readonly #secure: boolean;
  /** "user@" for messages, or nothing. */
  readonly #user: string;
  readonly #timeoutMs: number;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #authorization: string | undefined;
  /** Collections known to exist (made or found by MKCOL), so that they are not asked for again. */
  readonly #collections = new Set<string>();
  /** Set once the server has turned down a partial PUT: partials are then discarded at once. */
  #partialPutRefused = false;

  constructor(options: HttpDestinationOptions) {
    this.#base = new URL(options.base.href.endsWith("/") ? options.base.href : `${options.base.href}/`);
    this.#secure = this.#base.protocol === "https:";
    this.#user = options.user ? `${options.user}@` : "";
    this.label = `${this.#base.protocol}//${this.#user}${this.#base.host}${this.#base.pathname}`;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#agent = this.#secure
      ? new HttpsAgent({ keepAlive: true, rejectUnauthorized: !options.allowSelfSigned })
      : new HttpAgent({ keepAlive: true });
    this.#authorization = options.token
      ? `Bearer ${options.token}`
      : options.user !== undefined
        ? `Basic ${Buffer.from(`${options.user}:${options.password ?? ""}`).toString("base64")}`
        : undefined;
  }

  async size(path: string): Promise<number | null> {
    const url = this.#location(path);
    const response = await this.#status("HEAD", url);
    if (response.statusCode === 404) return null;
    if (response.statusCode !== 200) throw await this.#failure("HEAD", url, response);
    const length = Number(response.headers["content-length"]);
    if (!Number.isSafeInteger(length)) {
      throw new Error(`HEAD ${this.#shown(url)}: the server gave no Content-Length`);
    }
    return length;
  }

  async write(item: PushItem, start: number, path: string): Promise<void> {
    const url = this.#location(path);
    if (start > 0 && this.#partialPutRefused) {
      await this.remove(path);
      throw new TransientDeliveryError(
        `${this.#shown(url)}: the server takes no partial PUT; the partial was removed to send the file whole`,
      );
    }
    await this.#makeCollections(path);
    const response = await this.#put(item, start, url);
    const code = response.statusCode ?? 0;
    if (code >= 200 && code < 300) return;
    if (start > 0 && partialPutRefusals.has(code)) {
      // The partial cannot be resumed here: remove it, and the next attempt starts from 0.
      this.#partialPutRefused = true;
      await this.remove(path);
      throw new TransientDeliveryError(
        `PUT ${this.#shown(url)} with Content-Range: ${code}; the server takes no partial PUT, sending the file whole`,
      );
    }
    if (code === 409) {
      this.#collections.clear();
      throw new TransientDeliveryError(
        `PUT ${this.#shown(url)}: 409, the collection it goes into is missing (MKCOL is tried again)`,
      );
    }
    throw await this.#failure("PUT", url, response);
  }

  async checksum(path: string): Promise<string> {
    const url = this.#location(path);
    const response = await this.#send("GET", url);
    if (response.statusCode !== 200) {
      response.resume();
      throw await this.#failure("GET", url, response);
    }
    const hash = createHash("sha256");
    try {
      await pipeline(response, hash);
    } catch (error) {
      throw new TransientDeliveryError(`GET ${this.#shown(url)}: ${(error as Error).message}`);
    }
    return hash.digest("hex");
  }

  async rename(from: string, to: string): Promise<void> {
    const url = this.#location(from);
    const destination = this.#location(to).href;
    const response = await this.#status("MOVE", url, { destination, overwrite: "T" });
    const code = response.statusCode ?? 0;
    if (code < 200 || code >= 300) throw await this.#failure("MOVE", url, response);
  }

  async remove(path: string): Promise<void> {
    const url = this.#location(path);
    const response = await this.#status("DELETE", url);
    const code = response.statusCode ?? 0;
    if ((code < 200 || code >= 300) && code !== 404) throw await this.#failure("DELETE", url, response);
  }

  async close(): Promise<void> {
    this.#agent.destroy();
  }

  #location(path: string): URL {
    const segments = path.split("/").filter((s) => s !== "" && s !== ".");
    if (segments.includes("..")) throw new Error(`"${path}" leaves the destination ${this.label}`);
    return new URL(segments.map(encodeURIComponent).join("/"), this.#base);
  }

  /** For messages: the URL without credentials or query. */
  #shown(url: URL): string {
    return `${url.protocol}//${this.#user}${url.host}${url.pathname}`;
  }

  #send(
    method: string,
    url: URL,
    headers: Record<string, string> = {},
    body?: Readable,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const request = (this.#secure ? httpsRequest : httpRequest)(url, {
        method,
        agent: this.#agent,
        headers: {
          ...(this.#authorization ? { authorization: this.#authorization } : {}),
          "cache-control": "no-cache",
          "accept-encoding": "identity",
          ...headers,
        },
      });
      const timeoutMs = this.#timeoutMs;
      request.setTimeout(timeoutMs, () =>
        request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" })),
      );
      // "on", not "once": a server that answers early may close the connection on a body still being sent.
      request.on("error", (error) => reject(this.#networkError(error, method, url)));
      request.once("response", resolve);
      if (!body) request.end();
      else {
        body.on("error", (error) => request.destroy(error));
        request.once("close", () => body.destroy());
        body.pipe(request);
      }
    });
  }

  /** Sends a request whose answer has no body worth reading, and returns the response. */
  async #status(method: string, url: URL, headers?: Record<string, string>, body?: Readable) {
    const response = await this.#send(method, url, headers, body);
    response.resume();
    await new Promise((resolve) => response.once("close", resolve));
    return response;
  }

  #networkError(error: Error & { code?: string }, method: string, url: URL): Error {
    const what = `${method} ${this.#shown(url)}: ${error.message}`;
    if (error.code && certificateErrors.test(error.code)) {
      return new Error(
        `${what} (the server's certificate is not trusted; ?insecure=1 accepts a self-signed one)`,
      );
    }
    return new TransientDeliveryError(what);
  }

  /** The error for a status that is not a success: transient ones after honouring a short Retry-After. */
  async #failure(method: string, url: URL, response: IncomingMessage): Promise<Error> {
    const code = response.statusCode ?? 0;
    const what = `${method} ${this.#shown(url)}: ${code} ${response.statusMessage ?? ""}`.trim();
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
  async #makeCollections(path: string): Promise<void> {
    const target = this.#location(path);
    const segments = target.pathname.split("/").filter(Boolean).slice(0, -1);
    let current = "/";
    for (const segment of segments) {
      current += `${segment}/`;
      if (this.#collections.has(current)) continue;
      const url = new URL(current, this.#base);
      const response = await this.#status("MKCOL", url);
      const code = response.statusCode ?? 0;
      if ((code >= 200 && code < 300) || code === 405) this.#collections.add(current);
      else if (code === 401 || transientStatus(code)) throw await this.#failure("MKCOL", url, response);
      // Other refusals (a collection outside what the server lets us make) are left to the PUT to report.
    }
  }

  #put(item: PushItem, start: number, url: URL): Promise<IncomingMessage> {
    const headers: Record<string, string> = {
      "content-type": "application/octet-stream",
      "content-length": String(item.size - start),
    };
    if (start > 0) headers["content-range"] = `bytes ${start}-${item.size - 1}/${item.size}`;
    return this.#status("PUT", url, headers, createReadStream(item.localPath, { start }));
  }
}
