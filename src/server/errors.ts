// Every error the HTTP API returns has one shape: {error, message, details} with the right status.

export interface ErrorBody {
  /** A stable machine-readable code, e.g. "unauthorized", "not_found", "bad_request". */
  error: string;
  /** What went wrong and what to do, for a person. */
  message: string;
  details: unknown;
}

/** Thrown by route handlers to answer with a specific status and code. */
export class HttpError extends Error {
  override name = "HttpError";
  readonly statusCode: number;
  readonly code: string;
  readonly details: unknown;
  constructor(statusCode: number, code: string, message: string, details: unknown = null) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
    this.details = details;
  }
}

const codeByStatus: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "unprocessable",
  429: "too_many_requests",
  500: "internal",
  503: "unavailable",
};

export function errorBody(
  statusCode: number,
  message: string,
  details: unknown = null,
  code?: string,
): ErrorBody {
  return { error: code ?? codeByStatus[statusCode] ?? "error", message, details };
}
