// Errors the CLI maps to exit codes: a usage error exits 2, anything else 1.

/** Wrong arguments or options: exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * A failure to report to the operator without a stack trace: what failed, where, and what to do.
 * Any module may throw it; `hint` is the "what to do" part.
 */
export class UserError extends Error {
  override name = "UserError";
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.hint = hint;
  }
}
