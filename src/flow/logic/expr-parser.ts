// Parser for ecFlow trigger/complete expressions. Precedence, loosest first: `or`, `and`, `not`,
// comparison, `+ -`, `* / %`. Keywords and operators are ecFlow's: and/AND/&&, or/OR/||,
// not/!/~, ==/eq, !=/ne, </lt, >/gt, <=/le, >=/ge; state literals unknown, queued, submitted,
// active, complete, aborted; event literals set/clear; paths absolute (/s/f/t), relative to the
// node's parent (t, f/t, ./t, ../f/t) and `path:name` for events, meters, repeats and variables.
import type { CompareOp, Expr, NodeState, SourcePos } from "../model/types.ts";
import { type Diagnostic, FlowDefinitionError } from "./diagnostics.ts";

type TokKind = "int" | "name" | "path" | "op" | "(" | ")" | ":" | "end";
interface Tok {
  kind: TokKind;
  text: string;
  col: number; // 0-based offset in the expression text
}

const STATE_WORDS: Record<string, NodeState> = {
  unknown: "unknown",
  queued: "queued",
  submitted: "submitted",
  active: "active",
  complete: "complete",
  aborted: "aborted",
};
// Literal leaves are immutable: one shared object each keeps large definitions small.
const STATE_LITERALS: Record<string, Expr> = Object.fromEntries(
  Object.entries(STATE_WORDS).map(([w, state]) => [w, Object.freeze({ kind: "state", state }) as Expr]),
);
const SET: Expr = Object.freeze({ kind: "flag", value: true });
const CLEAR: Expr = Object.freeze({ kind: "flag", value: false });
const COMPARE_WORDS: Record<string, CompareOp> = {
  "==": "==",
  eq: "==",
  "!=": "!=",
  ne: "!=",
  "<": "<",
  lt: "<",
  ">": ">",
  gt: ">",
  "<=": "<=",
  le: "<=",
  ">=": ">=",
  ge: ">=",
};
const AND_WORDS = new Set(["and", "AND", "&&"]);
const OR_WORDS = new Set(["or", "OR", "||"]);
const NOT_WORDS = new Set(["not", "NOT", "!", "~"]);

/** Where the expression text starts in its file, to give errors file:line:col. */
export interface ExprOrigin {
  file: string;
  line: number;
  col: number;
}

function posAt(origin: ExprOrigin, offset: number): SourcePos {
  return { file: origin.file, line: origin.line, col: origin.col + offset };
}

function fail(origin: ExprOrigin, offset: number, message: string): never {
  const d: Diagnostic = { pos: posAt(origin, offset), message };
  throw new FlowDefinitionError([d]);
}

function isNameChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 95 ||
    code === 46
  );
}

function tokenize(text: string, origin: ExprOrigin): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (["==", "!=", "<=", ">=", "&&", "||"].includes(two)) {
      toks.push({ kind: "op", text: two, col: i });
      i += 2;
      continue;
    }
    if ("<>!~+-*%".includes(c)) {
      toks.push({ kind: "op", text: c, col: i });
      i++;
      continue;
    }
    if (c === "(" || c === ")" || c === ":") {
      toks.push({ kind: c, text: c, col: i });
      i++;
      continue;
    }
    if (c === "=") fail(origin, i, "'=' is not an operator: use '==' or 'eq'");
    // Paths and names: a run of name characters and '/', e.g. /s/f/t, ../f, ./t, f/t, 42.
    if (c === "/" || isNameChar(text.charCodeAt(i))) {
      let j = i;
      while (j < text.length && (isNameChar(text.charCodeAt(j)) || text.charCodeAt(j) === 47)) j++;
      const word = text.slice(i, j);
      if (/^[0-9]+$/.test(word)) toks.push({ kind: "int", text: word, col: i });
      else if (word === "/") toks.push({ kind: "op", text: "/", col: i });
      else if (word.includes("/")) toks.push({ kind: "path", text: word, col: i });
      else toks.push({ kind: "name", text: word, col: i });
      i = j;
      continue;
    }
    fail(origin, i, `unexpected character '${c}' in expression`);
  }
  toks.push({ kind: "end", text: "", col: text.length });
  return toks;
}

/** Checks a node path's shape: /a/b, a/b, ./a, ../a, ../../a/b. */
function validPath(text: string): boolean {
  return /^(\/?|(\.\.\/)+|\.\/)[A-Za-z0-9_][A-Za-z0-9_.]*(\/[A-Za-z0-9_][A-Za-z0-9_.]*)*$/.test(text);
}

/** Parses one trigger/complete expression; throws FlowDefinitionError with file:line:col. */
export function parseExpression(text: string, origin: ExprOrigin): Expr {
  const toks = tokenize(text, origin);
  let k = 0;
  const peek = (): Tok => toks[k] as Tok;
  const next = (): Tok => toks[k++] as Tok;
  const isWord = (t: Tok, set: Set<string>): boolean =>
    (t.kind === "name" || t.kind === "op") && set.has(t.text);
  const describe = (t: Tok): string => (t.kind === "end" ? "the end of the expression" : `'${t.text}'`);

  function parseOr(): Expr {
    let left = parseAnd();
    while (isWord(peek(), OR_WORDS)) {
      next();
      left = { kind: "or", left, right: parseAnd() };
    }
    return left;
  }
  function parseAnd(): Expr {
    let left = parseNot();
    while (isWord(peek(), AND_WORDS)) {
      next();
      left = { kind: "and", left, right: parseNot() };
    }
    return left;
  }
  function parseNot(): Expr {
    if (isWord(peek(), NOT_WORDS)) {
      next();
      return { kind: "not", operand: parseNot() };
    }
    return parseCompare();
  }
  function parseCompare(): Expr {
    const left = parseSum();
    const t = peek();
    const op = (t.kind === "op" || t.kind === "name") && COMPARE_WORDS[t.text];
    if (!op) return left;
    next();
    let right: Expr;
    const r = peek();
    if (r.kind === "name" && r.text in STATE_WORDS) {
      next();
      right = STATE_LITERALS[r.text] as Expr;
      if (left.kind !== "node")
        fail(origin, r.col, `a state ('${r.text}') can only be compared with a node path`);
      if (op !== "==" && op !== "!=") fail(origin, t.col, `a node state can only be compared with == or !=`);
    } else if (r.kind === "name" && (r.text === "set" || r.text === "clear")) {
      next();
      right = r.text === "set" ? SET : CLEAR;
    } else if (isWord(r, NOT_WORDS)) {
      next();
      right = { kind: "not", operand: parseSum() };
    } else right = parseSum();
    if (left.kind === "node" && right.kind !== "state")
      fail(
        origin,
        left.path.pos ? left.path.pos.col - origin.col : 0,
        "a node path must be compared with a state",
      );
    if (right.kind === "node")
      fail(
        origin,
        r.col,
        /^[0-9]/.test(right.path.text)
          ? `'${right.path.text}' is not a number`
          : `'${right.path.text}': a node path can only be compared with a state (complete, aborted, ...)`,
      );
    const cmp: Expr = { kind: "compare", op, left, right };
    const after = peek();
    if ((after.kind === "op" || after.kind === "name") && COMPARE_WORDS[after.text])
      fail(
        origin,
        after.col,
        `chained comparison: put parentheses around '${text.slice(0, after.col).trim()}'`,
      );
    return cmp;
  }
  function parseSum(): Expr {
    let left = parseProduct();
    for (;;) {
      const t = peek();
      if (t.kind === "op" && (t.text === "+" || t.text === "-")) {
        next();
        left = { kind: "arith", op: t.text, left, right: parseProduct() };
      } else return left;
    }
  }
  function parseProduct(): Expr {
    let left = parseFactor();
    for (;;) {
      const t = peek();
      if (t.kind === "op" && (t.text === "*" || t.text === "/" || t.text === "%")) {
        next();
        left = { kind: "arith", op: t.text, left, right: parseFactor() };
      } else return left;
    }
  }
  function parseFactor(): Expr {
    const t = next();
    const pos = posAt(origin, t.col);
    if (t.kind === "int") return { kind: "int", value: Number(t.text) };
    if (t.kind === "(") {
      const inner = parseOr();
      const close = next();
      if (close.kind !== ")")
        fail(
          origin,
          close.col,
          `expected ')' to close the '(' at column ${pos.col}, found ${describe(close)}`,
        );
      return inner;
    }
    if (t.kind === "op" && t.text === "-") {
      return { kind: "arith", op: "-", left: { kind: "int", value: 0 }, right: parseFactor() };
    }
    if (t.kind === "name" || t.kind === "path") {
      if (t.kind === "name" && (t.text in STATE_WORDS || AND_WORDS.has(t.text) || OR_WORDS.has(t.text)))
        fail(origin, t.col, `expected a node path or a number, found '${t.text}'`);
      if (t.text.startsWith("cal::") || t.text === "cal")
        fail(origin, t.col, "cal:: functions in expressions are not supported");
      if (!validPath(t.text)) fail(origin, t.col, `'${t.text}' is not a valid node path`);
      if (peek().kind === ":") {
        next();
        const n = next();
        if (n.kind !== "name" && n.kind !== "int")
          fail(origin, n.col, `expected an event, meter, repeat or variable name after ':'`);
        return { kind: "attr", path: { text: t.text, pos }, name: n.text };
      }
      if (peek().kind === "op" && peek().text === "<")
        if (toks[k + 1]?.text === "flag") fail(origin, peek().col, "<flag> expressions are not supported");
      return { kind: "node", path: { text: t.text, pos } };
    }
    if (t.kind === ":") fail(origin, t.col, "parent variables (':NAME') in expressions are not supported");
    fail(origin, t.col, `expected a node path, a number or '(', found ${describe(t)}`);
  }

  if (peek().kind === "end") fail(origin, 0, "empty expression");
  const expr = parseOr();
  const rest = peek();
  if (rest.kind !== "end") fail(origin, rest.col, `unexpected ${describe(rest)} in expression`);
  checkBoolean(expr, origin);
  return expr;
}

/** A bare node path is not a condition in ecFlow: `trigger t` must be `trigger t == complete`. */
function checkBoolean(expr: Expr, origin: ExprOrigin): void {
  if (expr.kind === "node")
    throw new FlowDefinitionError([
      {
        pos: expr.path.pos ?? posAt(origin, 0),
        message: `'${expr.path.text}' alone is not a condition: write '${expr.path.text} == complete'`,
      },
    ]);
  if (expr.kind === "and" || expr.kind === "or") {
    checkBoolean(expr.left, origin);
    checkBoolean(expr.right, origin);
  } else if (expr.kind === "not") checkBoolean(expr.operand, origin);
}

/** Writes an expression back as text, fully parenthesised where precedence needs it. */
export function exprToString(e: Expr): string {
  const prec = (x: Expr): number =>
    x.kind === "or"
      ? 1
      : x.kind === "and"
        ? 2
        : x.kind === "not"
          ? 3
          : x.kind === "compare"
            ? 4
            : x.kind === "arith"
              ? x.op === "+" || x.op === "-"
                ? 5
                : 6
              : 7;
  const wrap = (x: Expr, min: number): string => (prec(x) < min ? `(${exprToString(x)})` : exprToString(x));
  switch (e.kind) {
    case "or":
      return `${wrap(e.left, 1)} or ${wrap(e.right, 2)}`;
    case "and":
      return `${wrap(e.left, 2)} and ${wrap(e.right, 3)}`;
    case "not":
      return `not ${wrap(e.operand, 4)}`;
    case "compare":
      return `${wrap(e.left, 5)} ${e.op} ${wrap(e.right, 5)}`;
    case "arith":
      return `${wrap(e.left, prec(e))} ${e.op} ${wrap(e.right, prec(e) + 1)}`;
    case "node":
      return e.path.text;
    case "attr":
      return `${e.path.text}:${e.name}`;
    case "state":
      return e.state;
    case "flag":
      return e.value ? "set" : "clear";
    case "int":
      return String(e.value);
  }
}
