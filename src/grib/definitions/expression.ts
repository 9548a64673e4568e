// Expressions of the definition language, evaluated against a message's keys as ecCodes does: as a
// whole number, a double or a string, with the native type deciding how a comparison is made.
import { type Accessor, KeyError, MISSING_LONG, printG } from "./accessor.ts";
import type { Expr } from "./ast.ts";

/** What expressions read: keys by name. */
export interface KeySource {
  find(name: string): Accessor | undefined;
  long(name: string): number;
  double(name: string): number;
  string(name: string): string;
  /** ecCodes' grib_is_missing: only keys that can be missing are ever missing. */
  isMissing(name: string): boolean;
}

export type ExprType = "long" | "double" | "string";

export function nativeType(e: Expr, keys: KeySource): ExprType {
  if (typeof e === "number") return "long";
  if ("d" in e) return "double";
  if ("s" in e) return "string";
  if ("k" in e) {
    if (e.sub) return "string";
    const a = keys.find(e.k);
    const t = a?.nativeType();
    return t === "double" ? "double" : t === "string" || t === "bytes" ? "string" : "long";
  }
  if ("f" in e) return "long";
  if (e.o === "not" || e.o === "is" || e.o === "isnot") return "long";
  if (e.o === "neg") return nativeType(e.a[0], keys);
  if (["==", "!=", "<", ">", "<=", ">=", "and", "or", "bit", "notbit", "%"].includes(e.o)) return "long";
  const [a, b] = e.a as [Expr, Expr];
  return nativeType(a, keys) === "double" || nativeType(b, keys) === "double" ? "double" : "long";
}

export function evaluateLong(e: Expr, keys: KeySource): number {
  if (typeof e === "number") return e;
  if ("d" in e) return Math.trunc(e.d);
  if ("s" in e) return Number.parseInt(e.s, 10) || 0;
  if ("k" in e) return e.sub ? Number.parseInt(evaluateString(e, keys), 10) || 0 : keys.long(e.k);
  if ("f" in e) return functor(e.f, e.a, keys);
  switch (e.o) {
    case "neg":
      return -evaluateLong(e.a[0], keys);
    case "not":
      return evaluateLong(e.a[0], keys) ? 0 : 1;
    case "and":
      return evaluateLong(e.a[0], keys) && evaluateLong(e.a[1], keys) ? 1 : 0;
    case "or":
      return evaluateLong(e.a[0], keys) || evaluateLong(e.a[1], keys) ? 1 : 0;
    case "is":
    case "isnot": {
      const same = evaluateString(e.a[0], keys) === evaluateString(e.a[1], keys);
      return (e.o === "is") === same ? 1 : 0;
    }
  }
  if (nativeType(e, keys) === "double" && !isComparison(e.o)) return Math.trunc(evaluateDouble(e, keys));
  const both = nativeType(e.a[0], keys) === "double" || nativeType(e.a[1], keys) === "double";
  if (both && isComparison(e.o))
    return compare(e.o, evaluateDouble(e.a[0], keys), evaluateDouble(e.a[1], keys));
  return longOp(e.o, evaluateLong(e.a[0], keys), evaluateLong(e.a[1], keys));
}

function isComparison(op: string): boolean {
  return op === "==" || op === "!=" || op === "<" || op === ">" || op === "<=" || op === ">=";
}

function compare(op: string, a: number, b: number): number {
  switch (op) {
    case "==":
      return a === b ? 1 : 0;
    case "!=":
      return a !== b ? 1 : 0;
    case "<":
      return a < b ? 1 : 0;
    case ">":
      return a > b ? 1 : 0;
    case "<=":
      return a <= b ? 1 : 0;
    default:
      return a >= b ? 1 : 0;
  }
}

function longOp(op: string, a: number, b: number): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return b === 0 ? 0 : Math.trunc(a / b);
    case "%":
      return b === 0 ? 0 : a % b;
    case "^":
      return Math.trunc(a ** b);
    case "bit":
      return Math.floor(a / 2 ** b) % 2 ? 1 : 0;
    case "notbit":
      return Math.floor(a / 2 ** b) % 2 ? 0 : 1;
    default:
      return compare(op, a, b);
  }
}

export function evaluateDouble(e: Expr, keys: KeySource): number {
  if (typeof e === "number") return e;
  if ("d" in e) return e.d;
  if ("s" in e) return Number.parseFloat(e.s) || 0;
  if ("k" in e) return keys.double(e.k);
  if ("f" in e || e.o === "not" || e.o === "is" || e.o === "isnot") {
    return evaluateLong(e, keys);
  }
  if (e.o === "neg") return -evaluateDouble(e.a[0], keys);
  if (nativeType(e, keys) === "long") return evaluateLong(e, keys);
  const [x, y] = e.a as [Expr, Expr];
  const a = evaluateDouble(x, keys);
  const b = evaluateDouble(y, keys);
  switch (e.o) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b;
    case "^":
      return a ** b;
    default:
      return compare(e.o, a, b);
  }
}

export function evaluateString(e: Expr, keys: KeySource): string {
  if (typeof e === "number") return String(e);
  if ("d" in e) return printG(e.d);
  if ("s" in e) return e.s;
  if ("k" in e) {
    const s = keys.string(e.k);
    return e.sub ? s.slice(e.sub[0], e.sub[0] + e.sub[1]) : s;
  }
  return nativeType(e, keys) === "double" ? printG(evaluateDouble(e, keys)) : String(evaluateLong(e, keys));
}

/** The name an argument names (`grib_arguments_get_name`): a key reference, or a string. */
export function argumentName(e: Expr | undefined): string | undefined {
  if (e === undefined || typeof e === "number") return undefined;
  if ("k" in e) return e.k;
  if ("s" in e) return e.s;
  return undefined;
}

function functor(name: string, args: Expr[], keys: KeySource): number {
  switch (name) {
    case "new":
    case "gribex_mode_on":
    case "debug_mode":
      return 0;
    case "changed":
      return 1;
    case "missing": {
      const key = argumentName(args[0]);
      return key ? (keys.isMissing(key) ? 1 : 0) : MISSING_LONG;
    }
    case "defined": {
      const key = argumentName(args[0]);
      return key && keys.find(key) ? 1 : 0;
    }
    case "length": {
      const key = argumentName(args[0]);
      return key ? keys.string(key).length : 0;
    }
    case "abs":
      return Math.abs(evaluateLong(args[0]!, keys));
    case "size": {
      const key = argumentName(args[0]);
      return key ? (keys.find(key)?.count() ?? 0) : 0;
    }
    case "is_integer":
    case "is_number": {
      const key = argumentName(args[0]);
      return key && /^[-+]?\d+$/.test(keys.string(key)) ? 1 : 0;
    }
  }
  throw new KeyError("not_implemented", name, `function ${name}() is not supported`);
}
