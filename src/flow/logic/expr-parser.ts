// Parser for ecFlow trigger/complete expressions, following ecflow_server 5.9's grammar rule for rule,
// quirks included (ecFlow's users have written their suites against them):
// - `and` binds tighter than `or` within a run of comparisons, but after a parenthesised group the
//   rest of the expression is its right operand: `(a) and b or c` is `(a) and (b or c)`;
// - `not`/`!`/`~` applies to the comparison (or group) after it; `not` needs a blank after it;
// - arithmetic has no precedence: `1 + 2 * 3` is `(1 + 2) * 3`; unary operators are refused;
// - comparisons chain left to right (`1 < 2 < 3`); a node path is compared with == or != to a state;
// - `path:name`, `:NAME` (the node's or an ancestor's), `path<flag>late|zombie`, `cal::` functions.
// It is a PEG, as ecFlow's Spirit grammar: alternatives are tried in order, blanks are skipped
// between symbols (also inside paths), and literals are matched as written.
import type { CompareOp, Expr, NodeState, PathRef, SourcePos } from "../model/types.ts";
import { type Diagnostic, FlowDefinitionError } from "./diagnostics.ts";

/** Where the expression text starts in its file, to give errors file:line:col. */
export interface ExprOrigin {
  file: string;
  line: number;
  col: number;
  /** Where an offset of the text is, when the text was joined from tokens (or lines). */
  at?: (offset: number) => { line: number; col: number };
}

const STATES: readonly NodeState[] = ["complete", "aborted", "queued", "active", "submitted", "unknown"];
// Literal leaves are immutable: one shared object each keeps large definitions small.
const STATE_LITERALS = new Map<string, Expr>(
  [...STATES, "suspended" as const].map((state) => [state, Object.freeze({ kind: "state", state }) as Expr]),
);
const SET: Expr = Object.freeze({ kind: "flag", value: true });
const CLEAR: Expr = Object.freeze({ kind: "flag", value: false });
const EQUALITY: [string, CompareOp][] = [
  ["==", "=="],
  ["eq", "=="],
  ["ne", "!="],
  ["!=", "!="],
];
const ORDERING: [string, CompareOp][] = [
  ["ge", ">="],
  ["le", "<="],
  ["gt", ">"],
  ["lt", "<"],
  [">=", ">="],
  ["<=", "<="],
  ["<", "<"],
  [">", ">"],
];
const ARITH = ["+", "-", "/", "*", "%"] as const;
/** ecFlow's path forms, tried in its order. */
const PATH_FORMS = ["absolutePath", "dotDotPath", "dotPath"] as const;
/** ecFlow's integers are C++ ints. */
const INT_MAX = 2 ** 31 - 1;
const isInt = (s: string): boolean => /^[+-]?[0-9]+$/.test(s) && Math.abs(Number(s)) <= INT_MAX;

function posAt(origin: ExprOrigin, offset: number): SourcePos {
  if (origin.at) return { file: origin.file, ...origin.at(offset) };
  return { file: origin.file, line: origin.line, col: origin.col + offset };
}

function fail(origin: ExprOrigin, offset: number, message: string): never {
  const d: Diagnostic = { pos: posAt(origin, offset), message };
  throw new FlowDefinitionError([d]);
}

const isBlank = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const isNameStart = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
const isNameChar = (c: number): boolean => isNameStart(c) || c === 46;

class Grammar {
  private at = 0;
  /** The furthest offset any rule looked at: where the text stops making sense. */
  private furthest = 0;
  /** Nodes ecFlow builds but then refuses (a unary operator has no left operand). */
  readonly refused = new WeakMap<Expr, { offset: number; message: string }>();
  private readonly text: string;
  private readonly origin: ExprOrigin;
  constructor(text: string, origin: ExprOrigin) {
    this.text = text;
    this.origin = origin;
  }

  get offset(): number {
    return this.at;
  }
  get stop(): number {
    return this.furthest;
  }

  private skipBlanks(): void {
    while (this.at < this.text.length && isBlank(this.text.charCodeAt(this.at))) this.at++;
  }

  private seen(offset: number): void {
    if (offset > this.furthest) this.furthest = offset;
  }

  /** Matches a literal after blanks; moves past it if it is there. */
  private lit(s: string): boolean {
    this.skipBlanks();
    this.seen(this.at);
    if (!this.text.startsWith(s, this.at)) return false;
    this.at += s.length;
    this.seen(this.at);
    return true;
  }

  private attempt<T>(rule: () => T | null): T | null {
    const start = this.at;
    const result = rule();
    if (result === null) this.at = start;
    return result;
  }

  private nodeName(): string | null {
    this.skipBlanks();
    const start = this.at;
    if (start >= this.text.length || !isNameStart(this.text.charCodeAt(start))) {
      this.seen(start);
      return null;
    }
    let j = start + 1;
    while (j < this.text.length && isNameChar(this.text.charCodeAt(j))) j++;
    this.at = j;
    this.seen(j);
    return this.text.slice(start, j);
  }

  /** One `/` or more (`/s//f` is a path to ecFlow). */
  private slashes(): boolean {
    if (!this.lit("/")) return false;
    for (let back = this.at; this.lit("/"); back = this.at) if (this.at === back) break;
    return true;
  }

  // The three path forms below match as much as they can; a step that fails is given back.
  absolutePath(): boolean {
    const start = this.at;
    if (!this.lit("/")) this.at = start;
    if (this.nodeName() === null) return false;
    for (;;) {
      const back = this.at;
      if (!(this.slashes() && this.nodeName() !== null)) {
        this.at = back;
        return true;
      }
    }
  }

  dotDotPath(): boolean {
    if (!this.lit("..")) return false;
    for (;;) {
      const back = this.at;
      if (!(this.slashes() && this.lit(".."))) {
        this.at = back;
        break;
      }
    }
    let names = 0;
    for (;;) {
      const back = this.at;
      if (!(this.slashes() && this.nodeName() !== null)) {
        this.at = back;
        return names > 0;
      }
      names++;
    }
  }

  dotPath(): boolean {
    if (!this.lit(".")) return false;
    let names = 0;
    for (;;) {
      const back = this.at;
      if (!(this.lit("/") && this.nodeName() !== null)) {
        this.at = back;
        return names > 0;
      }
      names++;
    }
  }

  /** A node path as written (blanks around it trimmed, as ecFlow does). */
  nodePath(): PathRef | null {
    this.skipBlanks();
    const start = this.at;
    for (const form of PATH_FORMS) {
      this.at = start;
      if (this[form]()) return this.path(this.text.slice(start, this.at).trim(), start);
    }
    this.at = start;
    return null;
  }

  /** A path, where it starts: as an offset, and in the file too for a text joined from lines. */
  private path(text: string, offset: number): { text: string; offset: number; pos?: SourcePos } {
    return this.origin.at ? { text, offset, pos: posAt(this.origin, offset) } : { text, offset };
  }

  private oneOf<T>(table: [string, T][]): T | null {
    for (const [word, value] of table) if (this.lit(word)) return value;
    return null;
  }

  private not(): boolean {
    return this.lit("not ") || this.lit("!") || this.lit("~");
  }

  private variablePath(): Expr | null {
    return this.attempt(() => {
      const path = this.nodePath();
      if (!path || !this.lit(":")) return null;
      const name = this.nodeName();
      return name === null ? null : { kind: "attr", path, name };
    });
  }

  private flagPath(): Expr | null {
    return this.attempt(() => {
      this.skipBlanks();
      const start = this.at;
      const path = this.nodePath() ?? (this.lit("/") ? this.path("/", start) : null);
      if (!path || !this.lit("<flag>")) return null;
      const flag = this.lit("late") ? "late" : this.lit("zombie") ? "zombie" : null;
      return flag ? { kind: "nodeflag", path, flag } : null;
    });
  }

  private integer(): Expr | null {
    this.skipBlanks();
    const start = this.at;
    let j = start;
    while (j < this.text.length && this.text.charCodeAt(j) >= 48 && this.text.charCodeAt(j) <= 57) j++;
    this.seen(j);
    const value = Number(this.text.slice(start, j));
    if (j === start || value > INT_MAX) return null;
    this.at = j;
    return { kind: "int", value };
  }

  private call(): Expr | null {
    return this.attempt(() => {
      const fn = this.lit("cal::date_to_julian")
        ? "date_to_julian"
        : this.lit("cal::julian_to_date")
          ? "julian_to_date"
          : null;
      if (!fn || !this.lit("(")) return null;
      const arg = this.variablePath() ?? this.integer();
      if (!arg || !this.lit(")")) return null;
      return { kind: "call", fn, arg };
    });
  }

  private factor(): Expr | null {
    const grouped = (): Expr | null =>
      this.attempt(() => {
        if (!this.lit("(")) return null;
        const inner = this.calculation();
        return inner && this.lit(")") ? inner : null;
      });
    const parentVariable = (): Expr | null =>
      this.attempt(() => {
        if (!this.lit(":")) return null;
        const name = this.nodeName();
        return name === null ? null : { kind: "parentvar", name };
      });
    const unary = (): Expr | null =>
      this.attempt(() => {
        this.skipBlanks();
        const start = this.at;
        const op = ARITH.find((o) => this.lit(o));
        const operand = op ? this.factor() : null;
        if (!op || !operand) return null;
        const e: Expr = { kind: "arith", op, left: { kind: "int", value: 0 }, right: operand };
        this.refused.set(e, {
          offset: start,
          message: `ecFlow has no unary '${op}': write '0 ${op} ...' or compare the other way round`,
        });
        return e;
      });
    return (
      this.integer() ??
      this.variablePath() ??
      grouped() ??
      this.flagPath() ??
      parentVariable() ??
      unary() ??
      this.call()
    );
  }

  /** Operands and + - * / % from left to right, all of one precedence (as ecFlow). */
  private calculation(): Expr | null {
    let left = this.factor();
    if (!left) return null;
    for (;;) {
      const step = this.attempt(() => {
        const op = ARITH.find((o) => this.lit(o));
        const right = op ? this.factor() : null;
        return op && right ? { op, right } : null;
      });
      if (!step) return left;
      left = { kind: "arith", op: step.op, left, right: step.right };
    }
  }

  private stateComparison(): Expr | null {
    return this.attempt(() => {
      const path = this.nodePath();
      const op = path ? this.oneOf(EQUALITY) : null;
      if (!path || !op) return null;
      const state = STATES.find((s) => this.lit(s));
      return state
        ? { kind: "compare", op, left: { kind: "node", path }, right: STATE_LITERALS.get(state) as Expr }
        : null;
    });
  }

  private eventComparison(): Expr | null {
    return this.attempt(() => {
      const variable = this.variablePath();
      const op = variable ? this.oneOf(EQUALITY) : null;
      if (!variable || !op) return null;
      const value = this.lit("set") ? SET : this.lit("clear") ? CLEAR : null;
      return value ? { kind: "compare", op, left: variable, right: value } : null;
    });
  }

  private comparison(): Expr | null {
    const plain = this.stateComparison() ?? this.eventComparison();
    if (plain) return plain;
    let left = this.calculation();
    if (!left) return null;
    for (;;) {
      const step = this.attempt(() => {
        const op = this.oneOf(EQUALITY) ?? this.oneOf(ORDERING);
        if (!op) return null;
        const negated = this.attempt(() => (this.not() ? true : null)) !== null;
        const right = this.calculation();
        if (!right) return null;
        return { op, right: negated ? ({ kind: "not", operand: right } as Expr) : right };
      });
      if (!step) return left;
      left = { kind: "compare", op: step.op, left, right: step.right };
    }
  }

  private negatable(rule: () => Expr | null): Expr | null {
    return this.attempt(() => {
      const negated = this.attempt(() => (this.not() ? true : null)) !== null;
      const e = rule();
      if (!e) return null;
      return negated ? { kind: "not", operand: e } : e;
    });
  }

  private conjunction(): Expr | null {
    let left = this.negatable(() => this.comparison());
    if (!left) return null;
    for (;;) {
      const right = this.attempt(() =>
        this.lit("and") || this.lit("&&") || this.lit("AND") ? this.negatable(() => this.comparison()) : null,
      );
      if (!right) return left;
      left = { kind: "and", left, right };
    }
  }

  private group(): Expr | null {
    return this.negatable(() =>
      this.attempt(() => {
        if (!this.lit("(")) return null;
        const inner = this.subexpression();
        return inner && this.lit(")") ? inner : null;
      }),
    );
  }

  subexpression(): Expr | null {
    const head = this.conjunction() ?? this.group();
    if (!head) return null;
    const tail = this.attempt(() => {
      const kind =
        this.lit("and") || this.lit("&&") || this.lit("AND")
          ? "and"
          : this.lit("or") || this.lit("||") || this.lit("OR")
            ? "or"
            : null;
      const right = kind ? this.subexpression() : null;
      return kind && right ? { kind, right } : null;
    });
    return tail ? ({ kind: tail.kind, left: head, right: tail.right } as Expr) : head;
  }

  atEnd(): boolean {
    this.skipBlanks();
    this.seen(this.at);
    return this.at >= this.text.length;
  }
}

/**
 * ecFlow's fast path for the most common form, `path == state` or `int == int` (no other operator),
 * which also admits `== suspended` that its grammar does not.
 */
function simpleForm(text: string): Expr | null {
  if (/[(:./!<>+\-*~]|&&|\|\|/.test(text) || / (not|and|or|ne|ge|le|gt|lt) /.test(text)) return null;
  if (!text.includes("==")) return null;
  const parts = text.split("=").filter((p) => p !== "");
  if (parts.length !== 2) return null;
  const left = (parts[0] as string).trim();
  const right = (parts[1] as string).trim();
  if (left.includes(" ")) return null;
  const state = STATE_LITERALS.get(right);
  const offset = text.length - text.trimStart().length;
  if (state)
    return { kind: "compare", op: "==", left: { kind: "node", path: { text: left, offset } }, right: state };
  if (isInt(left) && isInt(right))
    return {
      kind: "compare",
      op: "==",
      left: { kind: "int", value: Number(left) },
      right: { kind: "int", value: Number(right) },
    };
  return null;
}

function firstRefused(
  e: Expr,
  refused: WeakMap<Expr, { offset: number; message: string }>,
): { offset: number; message: string } | undefined {
  const own = refused.get(e);
  if (own) return own;
  switch (e.kind) {
    case "and":
    case "or":
    case "compare":
    case "arith":
      return firstRefused(e.left, refused) ?? firstRefused(e.right, refused);
    case "not":
      return firstRefused(e.operand, refused);
    case "call":
      return firstRefused(e.arg, refused);
    default:
      return undefined;
  }
}

/** Why the expression stops making sense at `at`, with a hint where one is known. */
function unreadable(text: string, at: number): string {
  const rest = text.slice(at);
  if (!rest.trim()) return "the expression ends too early (an operand or ')' is missing)";
  const word = rest.split(/\s/)[0] as string;
  if (/(^|[\s(!~])not\(/.test(text))
    return "'not' needs a blank before '(' in ecFlow: write 'not (...)' or '!(...)'";
  const hints: [RegExp, string][] = [
    [/^=[^=]/, "'=' is not an operator: use '==' or 'eq'"],
    [/^(NOT|Not)\b/, "write 'not', '!' or '~': ecFlow has no 'NOT'"],
    [
      /^(Complete|COMPLETE|Aborted|ABORTED|Queued|QUEUED|Active|ACTIVE|Submitted|SUBMITTED|Unknown|UNKNOWN)\b/,
      "states are written in lower case: complete, aborted, ...",
    ],
  ];
  const hint = hints.find(([re]) => re.test(rest));
  return hint ? hint[1] : `ecFlow cannot read the expression from '${word}' on`;
}

// Most triggers of a large suite repeat (`../start == complete`): each text is parsed once, as
// ecFlow does (ExprDuplicate). Trees are never changed after parsing, so they can be shared.
const parsed = new Map<string, Expr>();

/** Parses one trigger/complete expression; throws FlowDefinitionError with file:line:col. */
export function parseExpression(text: string, origin: ExprOrigin): Expr {
  const shared = origin.at === undefined;
  const hit = shared ? parsed.get(text) : undefined;
  if (hit) return hit;
  if (!text.trim()) fail(origin, 0, "empty expression");
  let expr = simpleForm(text);
  if (!expr) {
    const g = new Grammar(text, origin);
    expr = g.subexpression();
    if (!expr || !g.atEnd()) fail(origin, g.stop, unreadable(text, g.stop));
    const refused = firstRefused(expr, g.refused);
    if (refused) fail(origin, refused.offset, refused.message);
  }
  if (shared) {
    if (parsed.size > 100_000) parsed.clear();
    parsed.set(text, expr);
  }
  return expr;
}

/** Binding strength when written back: or < and < not < comparison < arithmetic < operand. */
function strength(e: Expr): number {
  switch (e.kind) {
    case "or":
      return 1;
    case "and":
      return 2;
    case "not":
      return 3;
    case "compare":
      return 4;
    case "arith":
      return 5;
    default:
      return 6;
  }
}

/** Writes an expression back as text, with the parentheses its tree needs. */
export function exprToString(e: Expr): string {
  const side = (x: Expr, min: number): string =>
    strength(x) < min ? `(${exprToString(x)})` : exprToString(x);
  switch (e.kind) {
    case "or":
    case "and":
      // (both are associative: a chain reads the same however ecFlow nested it)
      return `${side(e.left, strength(e))} ${e.kind} ${side(e.right, e.right.kind === e.kind ? strength(e) : strength(e) + 1)}`;
    case "not":
      return `not ${side(e.operand, 5)}`;
    case "compare":
      return `${side(e.left, 5)} ${e.op} ${side(e.right, 5)}`;
    case "arith": {
      // ecFlow computes left to right: a sum under a product needs parentheses to read so.
      const sumUnderProduct =
        e.left.kind === "arith" &&
        (e.left.op === "+" || e.left.op === "-") &&
        !(e.op === "+" || e.op === "-");
      const left = sumUnderProduct ? `(${exprToString(e.left)})` : side(e.left, 5);
      return `${left} ${e.op} ${side(e.right, 6)}`;
    }
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
    case "nodeflag":
      return `${e.path.text}<flag>${e.flag}`;
    case "parentvar":
      return `:${e.name}`;
    case "call":
      return `cal::${e.fn}(${exprToString(e.arg)})`;
  }
}
