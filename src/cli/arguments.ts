// Option values that several commands take, parsed once (commander reports the error with the option).
import { InvalidArgumentError } from "commander";

/** An ISO 8601 time. */
export function parseTime(value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime()))
    throw new InvalidArgumentError("expected an ISO 8601 time, e.g. 2026-11-24T05:45:00Z");
  return at;
}

/** A forecast cycle's base time: 00, 06, 12 or 18 UTC. */
export function parseCycleTime(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || date.getUTCHours() % 6 !== 0 || date.getUTCMinutes() !== 0)
    throw new InvalidArgumentError("expected a cycle time such as 2026-11-24T00:00Z (00, 06, 12 or 18 UTC)");
  return date;
}

/** A number above zero. */
export function positiveNumber(value: string): number {
  const number = Number(value);
  if (!(number > 0) || !Number.isFinite(number)) throw new InvalidArgumentError("expected a positive number");
  return number;
}
