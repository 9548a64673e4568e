// Whether a failed query failed because the database could not be reached (connection refused,
// reset, terminated, shutting down) rather than because of what was asked: only the first is worth
// asking again once the database is back.
const lostMessages = /Connection terminated|connection error|timeout exceeded when trying to connect/i;

export function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    // A Node errno (ECONNREFUSED, ECONNRESET, ...), or SQLSTATE class 08 or an administrator's shutdown.
    if (/^E[A-Z]+$/.test(code)) return true;
    return code.startsWith("08") || /^57P0[123]$/.test(code);
  }
  return lostMessages.test(error.message);
}
