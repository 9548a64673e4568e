// The one error type every provider throws: what was asked, the HTTP code, the provider's own error list.
import { httpCodeMeaning } from "../alerts/codes.ts";

/** One entry of a provider's error body (CloudSigma returns a JSON list of these). */
export interface ProviderErrorEntry {
  errorType: string | null;
  errorPoint: string | null;
  errorMessage: string;
}

export class ProviderError extends Error {
  override name = "ProviderError";
  readonly provider: string;
  /** HTTP status; 0 when no answer came (connection refused, timeout). */
  readonly status: number;
  /** e.g. "POST /servers/…/action/?do=start" */
  readonly operation: string;
  readonly errors: ProviderErrorEntry[];
  /** The raw body (trimmed), for the alert. */
  readonly body: string;

  constructor(options: {
    provider: string;
    status: number;
    operation: string;
    errors?: ProviderErrorEntry[];
    body?: string;
    message?: string;
  }) {
    const detail =
      options.message ??
      (options.errors?.length
        ? options.errors.map((e) => `${e.errorType ?? "error"}: ${e.errorMessage}`).join("; ")
        : options.body?.slice(0, 300) || "no details");
    super(
      `${options.provider} ${options.operation} failed${options.status ? ` with HTTP ${options.status}` : ""}: ${detail}`,
    );
    this.provider = options.provider;
    this.status = options.status;
    this.operation = options.operation;
    this.errors = options.errors ?? [];
    this.body = (options.body ?? "").slice(0, 2000);
  }

  get meaning(): string {
    return httpCodeMeaning(this.status);
  }

  /** 5xx and no-answer failures are worth retrying; 4xx are not. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500;
  }

  /** Failures an operator must act on: credentials, funds, permissions. */
  get needsOperator(): boolean {
    return this.status === 401 || this.status === 402 || this.status === 403;
  }
}

/** A wait for an asynchronous provider operation that ran out of time. */
export class ProviderTimeoutError extends Error {
  override name = "ProviderTimeoutError";
}
