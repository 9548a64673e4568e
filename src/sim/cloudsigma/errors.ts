// CloudSigma's error responses: an HTTP code and a JSON list of {error_point, error_type, error_message}.
// error_type is one of validation, notexist, backend, permission, database, concurrency, billing, payment.

export type ErrorType =
  | "validation"
  | "notexist"
  | "backend"
  | "permission"
  | "database"
  | "concurrency"
  | "billing"
  | "payment";

export class ApiError extends Error {
  override name = "ApiError";
  readonly status: number;
  readonly type: ErrorType;
  readonly point: string | null;

  constructor(status: number, type: ErrorType, message: string, point: string | null = null) {
    super(message);
    this.status = status;
    this.type = type;
    this.point = point;
  }

  body(): Array<{ error_point: string | null; error_type: ErrorType; error_message: string }> {
    return [{ error_point: this.point, error_type: this.type, error_message: this.message }];
  }
}

export const invalid = (point: string, message: string) => new ApiError(400, "validation", message, point);
export const notFound = (what: string, id: string) =>
  new ApiError(404, "notexist", `${what} with uuid ${id} does not exist`);
export const forbidden = (message: string, point: string | null = null) =>
  new ApiError(403, "permission", message, point);
