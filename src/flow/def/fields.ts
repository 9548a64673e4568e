// The small pieces attribute lines are made of (integers, names, hh:mm, time series, dates), each
// checked as ecflow_server checks it, failing with the token's line and column.
import type { DayName, TimeOfDay, TimeSeries } from "../model/types.ts";
import { DAY_NAMES } from "../model/types.ts";
import type { DefToken } from "./lexer.ts";

/** A problem on one line; the parser turns it into a `file:line:col` diagnostic. */
export class LineError extends Error {
  readonly line: number;
  readonly col: number;
  constructor(at: { line: number; col: number }, message: string) {
    super(message);
    this.line = at.line;
    this.col = at.col;
  }
}

export function err(at: { line: number; col: number }, message: string): never {
  throw new LineError(at, message);
}

/** Just after a token: where something missing should have been. */
export function after(t: DefToken): { line: number; col: number } {
  return { line: t.line, col: t.col + t.text.length };
}

/** The token at `i`, or an error just after the previous one. */
export function need(tokens: DefToken[], i: number, what: string, fallback: DefToken): DefToken {
  const t = tokens[i];
  if (t) return t;
  err(after(tokens[i - 1] ?? fallback), `missing ${what}`);
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.]*$/;

/** ecFlow's valid name: letters, digits, `_` and `.`, not starting with `.`. */
export function isName(s: string): boolean {
  return NAME.test(s);
}

// Names repeat across a large suite (every task's `event done`): keep one copy of each.
const interned = new Map<string, string>();
function intern(s: string): string {
  let v = interned.get(s);
  if (v === undefined) {
    if (interned.size > 100_000) interned.clear();
    v = s;
    interned.set(s, v);
  }
  return v;
}

export function name(t: DefToken, what: string): string {
  if (!NAME.test(t.text))
    err(t, `'${t.text}' is not a valid ${what} (letters, digits, '_' and '.', not starting with '.')`);
  return intern(t.text);
}

/** An integer as ecFlow reads one (boost::lexical_cast<int>: optional sign, digits, 32 bits). */
export function int(t: DefToken, what: string, min = -(2 ** 31)): number {
  if (!/^[-+]?[0-9]+$/.test(t.text)) err(t, `${what} must be an integer, not '${t.text}'`);
  const v = Number(t.text);
  if (v > 2 ** 31 - 1 || v < -(2 ** 31)) err(t, `${what} ${t.text} is out of range`);
  if (v < min) err(t, `${what} must be at least ${min}`);
  return v;
}

/** `hh:mm` with an optional leading `+` (relative). */
export function hhmm(t: DefToken, allowPlus: boolean): { time: TimeOfDay; relative: boolean } {
  const m = /^(\+?)([0-9]{2}):([0-9]{2})$/.exec(t.text);
  if (!m) err(t, `expected a time hh:mm, found '${t.text}'`);
  const relative = m[1] === "+";
  if (relative && !allowPlus) err(t, "a '+' (relative time) is not allowed here");
  const hour = Number(m[2]);
  const minute = Number(m[3]);
  if (hour > 23) err(t, `hour ${hour} is out of range 0-23`);
  if (minute > 59) err(t, `minute ${minute} is out of range 0-59`);
  return { time: { hour, minute }, relative };
}

const minutes = (t: TimeOfDay): number => t.hour * 60 + t.minute;

/**
 * `[+]hh:mm` or `[+]hh:mm hh:mm hh:mm` (start, finish, increment) from token `i` on; what follows
 * a series is ignored, as ecFlow ignores it (a `+` on the finish or increment too).
 */
export function timeSeries(tokens: DefToken[], i: number, kw: DefToken): TimeSeries {
  const first = hhmm(need(tokens, i, "a time hh:mm", kw), true);
  const series: TimeSeries = { relative: first.relative, start: first.time };
  const finishTok = tokens[i + 1];
  if (!finishTok) return series;
  const finish = hhmm(finishTok, true);
  const incrTok = need(tokens, i + 2, "the increment of the time series (start finish increment)", kw);
  const incr = hhmm(incrTok, true);
  const duration = minutes(finish.time) - minutes(series.start);
  if (duration < 0) err(finishTok, "the end of a time series is before its start");
  if (minutes(incr.time) === 0) err(incrTok, "the increment of a time series must not be 00:00");
  if (minutes(incr.time) > duration)
    err(
      incrTok,
      `the increment ${hm(incr.time)} is longer than the series (${hm(series.start)} to ${hm(finish.time)})`,
    );
  series.finish = finish.time;
  series.incr = incr.time;
  return series;
}

const hm = (t: TimeOfDay): string =>
  `${String(t.hour).padStart(2, "0")}:${String(t.minute).padStart(2, "0")}`;

function validDay(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** A date `yyyymmdd`. */
export function ymd(t: DefToken, what: string): number {
  if (!/^[0-9]{8}$/.test(t.text)) err(t, `${what} must be a date yyyymmdd, not '${t.text}'`);
  const v = Number(t.text);
  if (!validDay(Math.floor(v / 10000), Math.floor(v / 100) % 100, v % 100))
    err(t, `'${t.text}' is not a valid date`);
  return v;
}

/** `dd.mm.yyyy` with `*` for any part (0); a date with every part given must exist. */
export function dayMonthYear(t: DefToken): { day: number; month: number; year: number } {
  const m = /^([0-9]+|\*)\.([0-9]+|\*)\.([0-9]+|\*)$/.exec(t.text);
  if (!m) err(t, `expected a date dd.mm.yyyy (use * for any), found '${t.text}'`);
  const part = (s: string): number => (s === "*" ? 0 : Number(s));
  const [day, month, year] = [part(m[1] as string), part(m[2] as string), part(m[3] as string)];
  if (m[1] !== "*" && (day < 1 || day > 31)) err(t, `day ${day} is out of range 1-31`);
  if (m[2] !== "*" && (month < 1 || month > 12)) err(t, `month ${month} is out of range 1-12`);
  if (day && month && year && !validDay(year, month, day))
    err(t, `${day}.${month}.${year} is not a date (${year} has no day ${day} in month ${month})`);
  return { day, month, year };
}

export function dayName(t: DefToken): DayName {
  if (!DAY_NAMES.includes(t.text as DayName)) err(t, `'${t.text}' is not a day (${DAY_NAMES.join(", ")})`);
  return t.text as DayName;
}

/** Tokens that must not be there. */
export function noMore(tokens: DefToken[], i: number): void {
  const extra = tokens[i];
  if (extra) err(extra, `unexpected '${extra.text}'`);
}

/** ecFlow's Str::removeQuotes then removeSingleQuotes: a value wrapped in quotes loses them. */
export function unquote(value: string, singleFirst = false): string {
  const strip = (v: string, q: string): string =>
    v.length >= 2 && v.startsWith(q) && v.endsWith(q) ? v.slice(1, -1) : v;
  return singleFirst ? strip(strip(value, "'"), '"') : strip(strip(value, '"'), "'");
}
