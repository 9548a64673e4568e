// Every error the HTTP API returns has one shape: {error, message, details} with the right status.
import { FilterError } from "../catalogue/query.ts";
import { ProviderError } from "../fleet/errors.ts";
import { FlowCommandError } from "../flow/engine/commands.ts";
import { FlowDefinitionError } from "../flow/logic/diagnostics.ts";

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

/**
 * The one mapping from the subsystems' expected failures to HTTP answers (app.ts's error handler uses
 * it): a command the flow engine refuses, a definition with errors, a bad catalogue filter, a cloud
 * provider's failure. Anything else is a 500.
 */
export function httpErrorOf(error: unknown): HttpError | null {
  if (error instanceof HttpError) return error;
  if (error instanceof FlowCommandError)
    return new HttpError(
      statusOfCommand[error.code],
      error.code,
      error.message,
      error.hint ? { hint: error.hint } : null,
    );
  if (error instanceof FlowDefinitionError)
    return new HttpError(400, "invalid_definition", "the definition has errors", {
      errors: error.diagnostics.map((d) => ({ ...d.pos, message: d.message })),
    });
  if (error instanceof FilterError) return new HttpError(400, "bad_request", error.message);
  if (error instanceof ProviderError)
    return new HttpError(502, "provider_error", error.message, {
      providerStatus: error.status,
      meaning: error.meaning,
      errors: error.errors,
    });
  return null;
}

const statusOfCommand = { not_found: 404, conflict: 409, bad_request: 400 } as const;
