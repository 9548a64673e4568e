// A node's HTTP client of the server it works for: its URL, its token, the certificate it pins, and
// its release in every call (a server of another release refuses it). JSON calls are checked against
// the protocol's answer schemas; bytes go both ways as they are.
import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { fetch as undiciFetch } from "undici";
import type { z } from "zod";
import { type RetryPolicy, withBackoff } from "../system/backoff.ts";
import { pinnedDispatcher } from "../system/tls.ts";
import { releaseVersion } from "../system/version.ts";
import { VERSION_HEADER, workerCalls } from "./protocol.ts";

/** How a node reaches its server: its URL, its token, and the certificate fingerprint it pins. */
export interface ServerAccess {
  url: string;
  token: string;
  /** SHA-256 of the server's certificate: only that certificate is trusted (HTTPS only). */
  fingerprint?: string | undefined;
}

/** How long a node keeps asking: about half a minute, long enough for a data role to restart. */
export const serverRetry: RetryPolicy = { attempts: 10, baseMs: 250, maxMs: 5000 };

/** Told of each failed call to the server that will be tried again. */
export type OnServerRetry = (what: string, error: Error, attempt: number, delayMs: number) => void;

export class ServerRequestError extends Error {
  override name = "ServerRequestError";
  /** The HTTP status, or null when no answer came (no connection, TLS refused, cut). */
  readonly status: number | null;
  /** The API's error code (e.g. version_mismatch), when it gave one. */
  readonly code: string | null;
  constructor(message: string, status: number | null = null, code: string | null = null) {
    super(message);
    this.status = status;
    this.code = code;
  }
  /** Worth asking again: no answer, or the server busy or restarting. */
  get retryable(): boolean {
    return this.status === null || this.status >= 500 || this.status === 429;
  }
}

export class ServerClient {
  readonly url: string;
  readonly #token: string;
  readonly #fetch: typeof undiciFetch;
  readonly #closer = new AbortController();

  constructor(access: ServerAccess) {
    this.url = access.url.replace(/\/+$/, "");
    this.#token = access.token;
    if (access.fingerprint && !this.url.startsWith("https:"))
      throw new ServerRequestError(
        `${access.url}: a certificate fingerprint is given but the URL is not https; a pinned certificate needs TLS`,
      );
    const dispatcher = access.fingerprint ? pinnedDispatcher(access.fingerprint) : undefined;
    this.#fetch = (input, init) => undiciFetch(input, dispatcher ? { ...init, dispatcher } : init);
  }

  /** POSTs a JSON call below /api/worker/ and checks the answer against `answer`. */
  async json<T extends z.ZodType>(
    name: string,
    body: unknown,
    answer: T,
    options: { alsoOk?: number[]; signal?: AbortSignal } = {},
  ): Promise<z.output<T>> {
    const response = await this.#request(
      `/api/worker/${name}`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      options.alsoOk,
    );
    return this.#checked(name, response, answer);
  }

  /** GETs a JSON document below /api/worker/ and checks it against `answer`. */
  async document<T extends z.ZodType>(path: string, answer: T): Promise<z.output<T>> {
    return this.#checked(path, await this.#request(`/api/worker/${path}`, { method: "GET" }), answer);
  }

  /** GETs bytes below /api/worker/ into a file as they come (a release bundle is some 100 MB). */
  async download(path: string, file: string): Promise<void> {
    const response = await this.#request(`/api/worker/${path}`, { method: "GET" });
    if (!response.body) throw new ServerRequestError(`${this.url} answered ${path} with no body`);
    try {
      await pipeline(Readable.fromWeb(response.body as NodeReadableStream), createWriteStream(file));
    } catch (error) {
      throw new ServerRequestError(`${this.url}: ${path} was cut while it came: ${(error as Error).message}`);
    }
  }

  /** GETs bytes below /api/worker/. */
  async bytes(path: string): Promise<Uint8Array> {
    const response = await this.#request(`/api/worker/${path}`, { method: "GET" });
    return new Uint8Array(await response.arrayBuffer());
  }

  /** PUTs bytes below /api/worker/ with a query, and checks the JSON answer. */
  async upload<T extends z.ZodType>(
    path: string,
    query: Record<string, string>,
    bytes: Uint8Array,
    answer: T,
  ): Promise<z.output<T>> {
    const response = await this.#request(`/api/worker/${path}?${new URLSearchParams(query)}`, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });
    return this.#checked(path, response, answer);
  }

  /**
   * Says who this node is and checks that the server runs the same release; throws when not. A server
   * busy, restarting or without its database (no answer, 5xx, 429) is asked again for serverRetry's
   * half minute, as every other call is: a worker that gave up at its first call would leave its node
   * up and idle for good (a cloud's VM runs on without its worker, and the fleet counts it as ready).
   */
  async hello(node: string, onRetry?: OnServerRetry): Promise<{ version: string; server: string }> {
    return withBackoff(
      () => this.json("hello", { version: releaseVersion(), node }, workerCalls.hello.answer),
      serverRetry,
      {
        retryable: (error) => error instanceof ServerRequestError && error.retryable,
        onRetry: (error, attempt, delayMs) => onRetry?.("hello", error, attempt, delayMs),
      },
    );
  }

  /** The answer's JSON, checked against what the protocol says it is. */
  async #checked<T extends z.ZodType>(
    name: string,
    response: Awaited<ReturnType<typeof undiciFetch>>,
    answer: T,
  ): Promise<z.output<T>> {
    const parsed = answer.safeParse(await response.json());
    if (!parsed.success)
      throw new ServerRequestError(
        `${this.url} answered ${name} with something the protocol does not say: ${parsed.error.message}`,
      );
    return parsed.data;
  }

  close(): void {
    this.#closer.abort();
  }

  async #request(path: string, init: Parameters<typeof undiciFetch>[1] & object, alsoOk: number[] = []) {
    const signal = init.signal
      ? AbortSignal.any([init.signal as AbortSignal, this.#closer.signal])
      : this.#closer.signal;
    let response: Awaited<ReturnType<typeof undiciFetch>>;
    try {
      response = await this.#fetch(`${this.url}${path}`, {
        ...init,
        signal,
        headers: {
          ...(init.headers as Record<string, string>),
          authorization: `Bearer ${this.#token}`,
          [VERSION_HEADER]: releaseVersion(),
        },
      });
    } catch (error) {
      const cause = (error as { cause?: Error }).cause;
      throw new ServerRequestError(
        `${this.url} could not be reached for ${path}: ${cause?.message ?? (error as Error).message}`,
      );
    }
    if (response.ok || alsoOk.includes(response.status)) return response;
    const text = await response.text();
    const body = parseError(text);
    throw new ServerRequestError(
      `${this.url} answered ${response.status} to ${path}: ${body.message}`,
      response.status,
      body.code,
    );
  }
}

function parseError(text: string): { message: string; code: string | null } {
  try {
    const body = JSON.parse(text) as { message?: string; error?: string };
    return { message: body.message ?? text, code: body.error ?? null };
  } catch {
    return { message: text, code: null };
  }
}
