// The CloudSigma API 2.0 HTTP client: authentication, JSON, the error list, retries on 5xx, paging.
import type { z } from "zod";
import { ProviderError, type ProviderErrorEntry } from "../errors.ts";
import { type RetryPolicy, withRetry } from "../retry.ts";
import { errorBodySchema, listOf } from "./schemas.ts";

export type Credentials = { username: string; password: string } | { token: string };

export interface ClientOptions {
  /** Base URL ending in /api/2.0/ */
  apiUrl: string;
  credentials: Credentials;
  retry: RetryPolicy;
  /** Objects per list page; the API's default is 20. */
  pageSize: number;
  requestTimeoutMs: number;
  /** Told about each retried failure (for logs and metrics; never sees credentials). */
  onRetry?: (error: ProviderError, attempt: number, delayMs: number) => void;
  /** Told about each failed request, retried or not (for metrics; never sees credentials). */
  onError?: (error: ProviderError) => void;
}

export interface RequestOptions {
  query?: Record<string, string | number>;
  body?: unknown;
  /** Statuses that count as success with no body to parse (e.g. 404 on delete). */
  accept?: number[];
}

export class CloudSigmaClient {
  readonly apiUrl: string;
  readonly options: ClientOptions;
  readonly #authorization: string;

  constructor(options: ClientOptions) {
    this.options = options;
    this.apiUrl = options.apiUrl.endsWith("/") ? options.apiUrl : `${options.apiUrl}/`;
    this.#authorization =
      "token" in options.credentials
        ? `Bearer ${options.credentials.token}`
        : `Basic ${Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString("base64")}`;
  }

  /** One request with retries on 5xx and no answer; resolves to the validated body (or null for 204/accepted). */
  async request<T extends z.ZodType>(
    method: string,
    path: string,
    schema: T | null,
    options: RequestOptions = {},
  ): Promise<{ status: number; body: z.infer<T> | null }> {
    return withRetry(
      () => this.once(method, path, schema, options),
      this.options.retry,
      this.options.onRetry,
    );
  }

  /** One request without retries. */
  async once<T extends z.ZodType>(
    method: string,
    path: string,
    schema: T | null,
    options: RequestOptions = {},
  ): Promise<{ status: number; body: z.infer<T> | null }> {
    try {
      return await this.#send(method, path, schema, options);
    } catch (error) {
      if (error instanceof ProviderError) this.options.onError?.(error);
      throw error;
    }
  }

  async #send<T extends z.ZodType>(
    method: string,
    path: string,
    schema: T | null,
    options: RequestOptions,
  ): Promise<{ status: number; body: z.infer<T> | null }> {
    const url = new URL(path.replace(/^\//, ""), this.apiUrl);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, String(value));
    const operation = `${method} /${path.replace(/^\//, "")}${url.search}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: this.#authorization,
          accept: "application/json",
          ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: options.body !== undefined ? JSON.stringify(options.body) : null,
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new ProviderError({
        provider: "cloudsigma",
        status: 0,
        operation,
        message: `no answer from ${url.origin}: ${(error as Error).message}`,
      });
    }
    if (options.accept?.includes(response.status)) return { status: response.status, body: null };
    if (!response.ok) {
      throw new ProviderError({
        provider: "cloudsigma",
        status: response.status,
        operation,
        errors: parseErrorList(text),
        body: text,
      });
    }
    // 204 has no body by definition; don't parse it.
    if (response.status === 204 || schema === null || text.trim() === "")
      return { status: response.status, body: null };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ProviderError({
        provider: "cloudsigma",
        status: response.status,
        operation,
        body: text,
        message: `the answer is not JSON: ${text.slice(0, 200)}`,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
        .join("; ");
      throw new ProviderError({
        provider: "cloudsigma",
        status: response.status,
        operation,
        body: text,
        message: `unexpected answer shape (${issues})`,
      });
    }
    return { status: response.status, body: parsed.data };
  }

  /**
   * Every object of a list, page by page: follows meta.total_count with limit/offset (the API
   * returns 20 objects when no limit is given). Stops on an empty page, or when a page brings
   * nothing new (a server that ignores offset), so it always ends.
   */
  async listAll<T extends z.ZodType>(
    path: string,
    item: T,
    query: Record<string, string | number> = {},
    idOf: (object: z.infer<T>) => string = (o) => (o as { uuid: string }).uuid,
  ): Promise<Array<z.infer<T>>> {
    const page = listOf(item);
    const seen = new Map<string, z.infer<T>>();
    let offset = 0;
    for (;;) {
      const { body } = await this.request("GET", path, page, {
        query: { ...query, limit: this.options.pageSize, offset },
      });
      const objects = (body?.objects ?? []) as Array<z.infer<T>>;
      let added = 0;
      for (const object of objects) {
        const id = idOf(object);
        if (!seen.has(id)) added++;
        seen.set(id, object);
      }
      offset += objects.length;
      const total = body?.meta.total_count ?? 0;
      if (objects.length === 0 || added === 0 || offset >= total) break;
    }
    return [...seen.values()];
  }
}

export function parseErrorList(text: string): ProviderErrorEntry[] {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(text));
    if (!parsed.success) return [];
    return parsed.data.map((e) => ({
      errorType: e.error_type ?? null,
      errorPoint: e.error_point ?? null,
      errorMessage: e.error_message ?? "",
    }));
  } catch {
    return [];
  }
}
