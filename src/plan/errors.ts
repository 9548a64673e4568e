// The planner's answer to a question it cannot answer honestly: what is missing or wrong, and what to do.
// It never makes a number up instead.

export class PlanInputError extends Error {
  override name = "PlanInputError";
  /** What the operator can do about it. */
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.hint = hint;
  }
}
