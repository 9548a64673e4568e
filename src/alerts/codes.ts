// The thesis's table of cloud API status codes: what each means to an operator, and where the runbook is.
// The meanings follow CloudSigma's API documentation as the thesis quoted it; runbook links are
// configurable per code (alerts.runbooks), like the thesis's wiki links.

export const httpCodeMeanings: Readonly<Record<number, string>> = {
  400: "Bad Request: there is an error in the request — a data format error (non-valid JSON or XML) or an invalid value.",
  401: "Unauthorized: the provided credentials are incorrect or missing.",
  402: "Payment Required: there are not enough funds in the account to complete the action (buying a subscription, or starting a server without funds for 5 days of burst usage).",
  403: "Forbidden: the credentials are correct but the user is not permitted to complete the action (permission, or operation not allowed).",
  404: "Not Found: the requested object does not exist; it may never have been created, or it has been deleted.",
  405: "Method Not Allowed: the HTTP method is not allowed on this URL.",
  406: "Not Acceptable: the content type requested in the Accept header is not supported by the API.",
  500: "Internal Server Error: a system error occurred at the provider; contact the provider's support if it persists.",
  503: "Service Unavailable: the provider temporarily cannot fulfil the request — a concurrent update of the same object, or the cloud is out of capacity.",
};

/** The meaning of an HTTP status for an operator, including codes outside the table. */
export function httpCodeMeaning(status: number): string {
  const known = httpCodeMeanings[status];
  if (known) return known;
  if (status === 0) return "No answer: the provider's API could not be reached (network failure or outage).";
  if (status >= 500) return `Server error ${status}: the provider failed to handle the request.`;
  if (status >= 400) return `Client error ${status}: the provider refused the request.`;
  return `HTTP ${status}`;
}

/** The runbook link for a status: the configured one for that code, else the default, else none. */
export function runbookFor(
  status: number,
  runbooks: Readonly<Record<string, string>>,
  fallback: string | undefined,
): string | undefined {
  return runbooks[String(status)] ?? fallback;
}
