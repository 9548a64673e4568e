// A parser for ecCodes' definition language (the .def files under `codes_info -d`), following the
// grammar of ecCodes' griby.y and gribl.l: statements (keys and their layout), concept files and
// inline concepts. Statements that only matter when writing messages (set, when, export, write,
// print, ...) are parsed and dropped: the interpreter reads messages.
import {
  type BinaryOp,
  type ConceptCondition,
  type ConceptEntry,
  type ConceptStatement,
  type Expr,
  FLAG,
  type FlagName,
  type Statement,
} from "../../src/grib/definitions/ast.ts";

type TokenType = "ident" | "string" | "int" | "float" | "char" | "kw" | "include";
interface Token {
  type: TokenType;
  value: string;
  num?: number;
  line: number;
}

const KEYWORDS = new Set([
  "bit",
  "notbit",
  "is",
  "isnot",
  "not",
  "and",
  "or",
  "null",
  "substr",
  "close",
  "length",
  "lowercase",
  "if",
  "_if",
  "else",
  "unsigned",
  "ascii",
  "byte",
  "label",
  "list",
  "while",
  "template",
  "template_nofail",
  "trigger",
  "end",
  "ibmfloat",
  "ieeefloat",
  "signed",
  "codetable",
  "getenv",
  "smart_table",
  "dict_search",
  "complex_codetable",
  "flags",
  "lookup",
  "group",
  "non_alpha",
  "meta",
  "padtoeven",
  "padto",
  "padtomultiple",
  "pad",
  "section_padding",
  "message",
  "message_copy",
  "alias",
  "unalias",
  "position",
  "constant",
  "transient",
  "string_type",
  "long_type",
  "double_type",
  "iterator",
  "nearest",
  "box",
  "ksec",
  "flagbit",
  "ksec1expver",
  "modify",
  "g1_half_byte_codeflag",
  "g1_message_length",
  "g1_section4_length",
  "export",
  "remove",
  "rename",
  "is_in_list",
  "is_in_dict",
  "to_integer",
  "to_string",
  "sexagesimal2decimal",
  "is_integer",
  "is_number",
  "section_length",
  "assert",
  "read_only",
  "no_copy",
  "edition_specific",
  "dump",
  "no_fail",
  "hidden",
  "can_be_missing",
  "MISSING",
  "constraint",
  "override",
  "copy_ok",
  "copy_as_long",
  "copy_if_changing_edition",
  "uint8",
  "int",
  "uint16",
  "int16",
  "uint16_little_endian",
  "int16_little_endian",
  "uint32",
  "int32",
  "uint32_little_endian",
  "int32_little_endian",
  "uint64",
  "int64",
  "uint64_little_endian",
  "int64_little_endian",
  "blob",
  "set",
  "set_nofail",
  "when",
  "case",
  "switch",
  "default",
  "concept",
  "concept_nofail",
  "hash_array",
  "write",
  "append",
  "print",
  "skip",
]); // prettier-ignore

const TWO_CHAR = ["==", ">=", "<=", "!=", "<>", "&&", "||"];

export class DefinitionSyntaxError extends Error {
  override name = "DefinitionSyntaxError";
}

/** Splits definition text into tokens as gribl.l does (comments, quotes, back-quoted integers). */
export function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  const isIdentStart = (c: string) => /[A-Za-z_]/.test(c);
  while (i < n) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") i++;
    else if (c === "#") {
      while (i < n && text[i] !== "\n") i++;
    } else if (c === '"' || c === "'") {
      let s = "";
      i++;
      while (i < n && text[i] !== c) {
        if (text[i] === "\\") i++;
        if (text[i] === "\n") line++;
        s += text[i];
        i++;
      }
      i++;
      tokens.push({ type: "string", value: s, line });
    } else if (c === "`") {
      let v = 0;
      i++;
      while (i < n && text[i] !== "`" && text[i] !== "\n") v = v * 256 + text.charCodeAt(i++);
      i++;
      tokens.push({ type: "int", value: String(v), num: v, line });
    } else {
      const word = matchWord(text, i);
      if (word) {
        i += word.text.length;
        if (word.type === "ident" && word.text === "include") {
          tokens.push({ type: "include", value: word.text, line });
        } else if (word.type === "ident" && KEYWORDS.has(word.text)) {
          tokens.push({ type: "kw", value: word.text, line });
        } else tokens.push({ type: word.type, value: word.text, num: word.num, line });
      } else if (TWO_CHAR.includes(text.slice(i, i + 2))) {
        tokens.push({ type: "char", value: text.slice(i, i + 2), line });
        i += 2;
      } else if (isIdentStart(c) || /[-+.0-9]/.test(c) || "[](){};:,=<>!*/%^~.".includes(c)) {
        tokens.push({ type: "char", value: c, line });
        i++;
      } else throw new DefinitionSyntaxError(`${file}:${line}: unexpected character ${JSON.stringify(c)}`);
    }
  }
  return tokens;
}

/** The longest identifier or number at `i` (flex's longest match; identifiers win ties). */
function matchWord(text: string, i: number): { type: TokenType; text: string; num?: number } | null {
  const ident = /^(?:[0-9]+)?[_A-Za-z]+[_0-9A-Za-z]*/.exec(text.slice(i, i + 200));
  const float =
    /^[-+]?(?:[0-9]+\.[0-9]*(?:[eE][-+]?[0-9]+)?|[0-9]*\.[0-9]+(?:[eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+)/.exec(
      text.slice(i, i + 200),
    );
  const int = /^[-+]?[0-9]+/.exec(text.slice(i, i + 200));
  const best = [ident, float, int].reduce<RegExpExecArray | null>(
    (a, m) => (m && (!a || m[0].length > a[0].length) ? m : a),
    null,
  );
  if (!best) return null;
  if (best === ident) return { type: "ident", text: best[0] };
  if (best === float) return { type: "float", text: best[0], num: Number(best[0]) };
  return { type: "int", text: best[0], num: Number(best[0]) };
}

export type ParsedStatement = Statement | { t: "block"; body: ParsedStatement[] };

const DROPPED = new Set([
  "when",
  "set",
  "set_nofail",
  "export",
  "rename",
  "assert",
  "write",
  "append",
  "print",
  "close",
  "iterator",
  "nearest",
  "box",
  "trigger",
]); // prettier-ignore

class Parser {
  private pos = 0;
  private readonly tokens: Token[];
  private readonly file: string;
  constructor(tokens: Token[], file: string) {
    this.tokens = tokens;
    this.file = file;
  }

  private peek(k = 0): Token | undefined {
    return this.tokens[this.pos + k];
  }
  private next(): Token {
    const t = this.tokens[this.pos++];
    if (!t) throw this.error("unexpected end of file");
    return t;
  }
  private error(what: string): DefinitionSyntaxError {
    const t = this.peek();
    return new DefinitionSyntaxError(`${this.file}:${t?.line ?? "end"}: ${what} (at ${t ? t.value : "end"})`);
  }
  private is(value: string, k = 0): boolean {
    const t = this.peek(k);
    return !!t && (t.type === "char" || t.type === "kw") && t.value === value;
  }
  private accept(value: string): boolean {
    if (this.is(value)) {
      this.pos++;
      return true;
    }
    return false;
  }
  private expect(value: string): void {
    if (!this.accept(value)) throw this.error(`expected "${value}"`);
  }
  private ident(): string {
    const t = this.next();
    if (t.type !== "ident") {
      this.pos--;
      throw this.error("expected a name");
    }
    return t.value;
  }
  private integer(): number {
    const t = this.next();
    if (t.type !== "int") {
      this.pos--;
      throw this.error("expected a whole number");
    }
    return t.num!;
  }
  private atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }

  instructions(until?: string): ParsedStatement[] {
    const out: ParsedStatement[] = [];
    while (!this.atEnd() && !(until && this.is(until))) {
      if (this.accept(";")) continue;
      const s = this.instruction();
      if (s) out.push(s);
    }
    return out;
  }

  private block(): ParsedStatement[] {
    this.expect("{");
    const body = this.instructions("}");
    this.expect("}");
    return body;
  }

  private instruction(): ParsedStatement | null {
    const t = this.peek()!;
    if (t.type === "include") {
      this.pos++;
      const path = this.next();
      return { t: "include", path: path.value };
    }
    if (t.type === "kw") {
      switch (t.value) {
        case "if":
        case "_if":
          return this.ifBlock();
        case "when":
          this.pos++;
          this.parenExpr();
          this.skipWhenBody();
          return null;
        case "concept":
        case "concept_nofail":
          return this.concept();
        case "hash_array":
          throw this.error("hash_array is not supported");
      }
      if (DROPPED.has(t.value)) {
        this.skipStatement();
        return null;
      }
    }
    if (t.type === "ident" && this.is("list", 1)) {
      const name = this.ident();
      this.pos++;
      this.expect("(");
      const count = this.expression();
      this.expect(")");
      return { t: "list", n: name, count, body: this.block() as Statement[] };
    }
    const s = this.simple();
    this.expect(";");
    return s;
  }

  private skipStatement(): void {
    let depth = 0;
    while (!this.atEnd()) {
      const t = this.next();
      if (t.type !== "char") continue;
      if (t.value === "(" || t.value === "{") depth++;
      else if (t.value === ")" || t.value === "}") depth--;
      else if (t.value === ";" && depth === 0) return;
    }
  }

  private skipWhenBody(): void {
    if (this.is("{")) {
      this.skipBraces();
      if (this.accept("else")) this.skipBraces();
    } else this.skipStatement();
  }

  private skipBraces(): void {
    this.expect("{");
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t.type === "char" && t.value === "{") depth++;
      else if (t.type === "char" && t.value === "}") depth--;
    }
  }

  private parenExpr(): Expr {
    this.expect("(");
    const e = this.expression();
    this.expect(")");
    return e;
  }

  private ifBlock(): ParsedStatement {
    this.pos++;
    const cond = this.parenExpr();
    const body = this.block();
    const orelse = this.accept("else") ? this.block() : undefined;
    return { t: "if", cond, body: body as Statement[], ...(orelse ? { orelse: orelse as Statement[] } : {}) };
  }

  /** `name` or `ns.name`. */
  private dotted(): { n: string; ns?: string } {
    const first = this.ident();
    if (this.accept(".")) return { ns: first, n: this.ident() };
    return { n: first };
  }

  private flags(): number | undefined {
    if (!this.accept(":")) return undefined;
    let f = 0;
    do {
      const t = this.next();
      const name = t.value === "transient" ? "transient" : t.value;
      const bit = FLAG[name as FlagName];
      if (bit === undefined) {
        this.pos--;
        throw this.error("unknown flag");
      }
      f |= bit;
    } while (this.accept(","));
    return f;
  }

  private defaultValue(): Expr[] | undefined {
    if (!this.accept("=")) return undefined;
    if (this.is(":") || this.is(";")) return [];
    return this.argumentList();
  }

  private argumentList(): Expr[] {
    const out = [this.expression()];
    while (this.accept(",")) out.push(this.expression());
    return out;
  }

  private parenArguments(): Expr[] {
    this.expect("(");
    const args = this.is(")") ? [] : this.argumentList();
    this.expect(")");
    return args;
  }

  private sized(): number {
    this.expect("[");
    const n = this.integer();
    this.expect("]");
    return n;
  }

  private simple(): Statement {
    const t = this.next();
    const gen = (
      c: string,
      len: number,
      name: { n: string; ns?: string },
      args?: Expr[],
      def?: Expr[],
      flags?: number,
    ): Statement => ({
      t: "gen",
      c,
      ...name,
      len,
      ...(args?.length ? { args } : {}),
      ...(def ? { def } : {}),
      ...(flags ? { flags } : {}),
    });
    if (t.type === "ident" && this.is("=")) {
      // name = to_integer(...), dict_search(...), getenv(...), ...
      this.pos++;
      const fn = this.next().value;
      const args = this.parenArguments();
      const def = this.defaultValue();
      return gen(fn, 0, { n: t.value }, args, def, this.flags());
    }
    switch (t.value) {
      case "unsigned":
      case "signed": {
        const bits = this.accept("(");
        const len = bits ? this.integer() : this.sized();
        if (bits) this.expect(")");
        const name = { n: this.ident() };
        const args = this.accept("[") ? this.bracketArgs() : undefined;
        const def = this.defaultValue();
        return gen(bits ? `${t.value}_bits` : t.value, len, name, args, def, this.flags());
      }
      case "ascii": {
        const len = this.sized();
        const name = this.next().value;
        return gen("ascii", len, { n: name }, undefined, this.defaultValue(), this.flags());
      }
      case "byte":
      case "ksec1expver": {
        const len = this.sized();
        const name = { n: this.ident() };
        const args = this.accept("[") ? this.bracketArgs() : undefined;
        return gen(
          t.value === "byte" ? "bytes" : "ksec1expver",
          len,
          name,
          args,
          this.defaultValue(),
          this.flags(),
        );
      }
      case "codetable":
      case "complex_codetable":
      case "flags": {
        this.expect("[");
        const sizeToken = this.next();
        this.expect("]");
        const name = { n: this.ident() };
        let args = this.is("(") ? this.parenArguments() : [this.expression()];
        let len = sizeToken.num ?? 0;
        if (sizeToken.type === "ident") {
          args = [{ k: sizeToken.value }, ...args];
          len = 0;
        }
        const def = this.defaultValue();
        if (this.accept("set")) {
          this.expect("(");
          this.ident();
          this.expect(")");
        }
        return gen(t.value === "flags" ? "codeflag" : "codetable", len, name, args, def, this.flags());
      }
      case "lookup": {
        const len = this.sized();
        const n = this.ident();
        const args = this.parenArguments();
        this.flags();
        return { t: "lookup", n, len, at: args[0] ?? 0 };
      }
      case "flagbit": {
        const name = { n: this.ident() };
        const args = this.parenArguments();
        return gen("bit", 0, name, args, this.defaultValue(), this.flags());
      }
      case "label":
        return gen("label", 0, { n: this.next().value });
      case "ibmfloat":
      case "ieeefloat": {
        const name = this.dotted();
        const args = this.accept("[") ? this.bracketArgs() : undefined;
        return gen(t.value, 4, name, args, this.defaultValue(), this.flags());
      }
      case "position":
        return gen("position", 0, { n: this.ident() });
      case "constant":
      case "transient": {
        const name = this.dotted();
        this.expect("=");
        if (this.accept("{")) {
          const v: number[] = [];
          do v.push(this.next().num ?? Number.NaN);
          while (this.accept(","));
          this.expect("}");
          return { t: "darray", n: name.n, v, ...this.flagsObject() };
        }
        const v = this.expression();
        const flags = this.flags();
        return { t: "var", ...name, v, transient: t.value === "transient", ...(flags ? { flags } : {}) };
      }
      case "g1_half_byte_codeflag":
        return gen("g1_half_byte_codeflag", 0, { n: this.ident() });
      case "section_length": {
        const len = this.sized();
        const name = { n: this.ident() };
        return gen("section_length", len, name, undefined, this.defaultValue());
      }
      case "g1_message_length":
      case "g1_section4_length": {
        const len = this.sized();
        const name = { n: this.ident() };
        return gen(t.value, len, name, this.parenArguments());
      }
      case "ksec": {
        const name = { n: this.ident() };
        return gen("ksec", 0, name, [this.expression()]);
      }
      case "pad":
      case "padto":
      case "padtoeven":
      case "padtomultiple": {
        const name = { n: this.ident() };
        return gen(t.value, 0, name, this.parenArguments());
      }
      case "section_padding":
      case "message_copy":
        return gen(t.value, 0, { n: this.ident() }, undefined, undefined, this.flags());
      case "template":
      case "template_nofail": {
        const n = this.ident();
        const path = this.next().value;
        return { t: "template", n, path, nofail: t.value === "template_nofail" };
      }
      case "alias": {
        const name = this.dotted();
        this.expect("=");
        const to = this.ident();
        const flags = this.flags();
        return { t: "alias", ...name, to, ...(flags ? { flags } : {}) };
      }
      case "unalias":
        return { t: "alias", ...this.dotted(), to: null };
      case "meta": {
        const first = this.ident();
        let name: { n: string; ns?: string } = { n: first };
        if (this.accept(".")) name = { ns: first, n: this.ident() };
        const c = this.ident();
        const args = this.parenArguments();
        this.defaultValue();
        const flags = this.flags();
        return { t: "meta", c, ...name, args, ...(flags ? { flags } : {}) };
      }
      case "remove":
        return {
          t: "remove",
          keys: this.argumentList().map((e) => (typeof e === "object" && "k" in e ? e.k : "")),
        };
      case "modify": {
        const n = this.ident();
        return { t: "modify", n, flags: this.flags() ?? 0 };
      }
      case "smart_table":
      case "group":
      case "non_alpha":
      case "blob": {
        const name = { n: this.ident() };
        const args = this.is("(") ? this.parenArguments() : this.accept("[") ? this.bracketArgs() : undefined;
        return gen(t.value, 0, name, args, this.defaultValue(), this.flags());
      }
    }
    if (/^u?int(8|16|32|64)?(_little_endian)?$/.test(t.value)) {
      const name = { n: this.ident() };
      return gen(t.value === "int" ? "int8" : t.value, 0, name, undefined, this.defaultValue(), this.flags());
    }
    this.pos--;
    throw this.error("unknown statement");
  }

  private flagsObject(): { flags?: number } {
    const flags = this.flags();
    return flags ? { flags } : {};
  }

  private bracketArgs(): Expr[] {
    const args = this.is("]") ? [] : this.argumentList();
    this.expect("]");
    return args;
  }

  // -------------------------------------------------------------------------------------------------
  // concepts

  private concept(): ConceptStatement {
    const nofail = this.next().value === "concept_nofail";
    const name = this.dotted();
    const statement: ConceptStatement = { t: "concept", ...name, nofail };
    if (this.accept("(")) {
      const parts: string[] = [];
      do parts.push(this.next().value);
      while (this.accept(","));
      this.expect(")");
      statement.default = parts[0];
      if (parts.length > 1) {
        statement.file = parts[1];
        statement.dirs = parts.slice(2);
      }
    }
    if (this.accept("{")) {
      // An inline list is kept in the order ecCodes walks it: reversed (griby.y's concept_block).
      statement.rows = this.conceptRows("}").reverse();
      this.expect("}");
    }
    const flags = this.flags();
    if (flags) statement.flags = flags;
    return statement;
  }

  conceptRows(until?: string): ConceptEntry[] {
    const rows: ConceptEntry[] = [];
    while (!this.atEnd() && !(until && this.is(until))) {
      const t = this.next();
      const value = t.type === "float" ? formatConceptFloat(t.num!) : t.value;
      this.expect("=");
      this.expect("{");
      const conditions: ConceptCondition[] = [];
      while (!this.accept("}")) {
        const key = this.ident();
        this.expect("=");
        if (this.accept("[")) {
          const ia: number[] = [];
          do ia.push(this.integer());
          while (this.accept(","));
          this.expect("]");
          conditions.push([key, { ia }]);
        } else conditions.push([key, this.expression()]);
        this.expect(";");
      }
      rows.push([value, conditions]);
    }
    return rows;
  }

  // -------------------------------------------------------------------------------------------------
  // expressions (griby.y: disjunction > conjunction > condition > term > factor > power > atom)

  expression(): Expr {
    let e = this.conjunction();
    while (this.accept("or") || this.accept("||")) e = { o: "or", a: [e, this.conjunction()] };
    return e;
  }

  private conjunction(): Expr {
    let e = this.condition();
    while (this.accept("and") || this.accept("&&")) e = { o: "and", a: [e, this.condition()] };
    return e;
  }

  private condition(): Expr {
    if (this.accept("not") || this.accept("!")) return { o: "not", a: [this.condition()] };
    let e = this.term();
    if (this.is("is") || this.is("isnot")) {
      const op = this.next().value as "is" | "isnot";
      return { o: op, a: [e, this.stringOrIdent()] };
    }
    const ops: Record<string, BinaryOp> = {
      ">": ">",
      "==": "==",
      "<": "<",
      ">=": ">=",
      "<=": "<=",
      "!=": "!=",
      "<>": "!=",
    };
    for (;;) {
      const t = this.peek();
      const op = t && t.type === "char" ? ops[t.value] : undefined;
      if (!op) return e;
      this.pos++;
      e = { o: op, a: [e, this.term()] };
    }
  }

  private term(): Expr {
    let e = this.factor();
    for (;;) {
      if (this.accept("+")) e = { o: "+", a: [e, this.factor()] };
      else if (this.accept("-")) e = { o: "-", a: [e, this.factor()] };
      else if (this.peek()?.type === "int" && this.peek()!.value.startsWith("-")) {
        // "a-1" lexes as a then -1 in flex; treat it as a subtraction
        const t = this.next();
        e = { o: "-", a: [e, -t.num!] };
      } else return e;
    }
  }

  private factor(): Expr {
    if (this.accept("length")) {
      this.expect("(");
      const k = this.ident();
      this.expect(")");
      return { f: "length", a: [{ k }] };
    }
    for (const fn of ["is_in_list", "is_in_dict", "is_integer", "is_number"]) {
      if (this.accept(fn)) return { f: fn, a: this.parenArguments() };
    }
    let e = this.power();
    const ops: Record<string, BinaryOp> = { "*": "*", "/": "/", "%": "%", bit: "bit", notbit: "notbit" };
    for (;;) {
      const t = this.peek();
      const op = t && (t.type === "char" || t.type === "kw") ? ops[t.value] : undefined;
      if (!op) return e;
      this.pos++;
      e = { o: op, a: [e, this.power()] };
    }
  }

  private power(): Expr {
    const base = this.atom();
    if (this.accept("^")) return { o: "^", a: [base, this.power()] };
    return base;
  }

  private stringOrIdent(): Expr {
    if (this.accept("substr")) {
      this.expect("(");
      const t = this.next();
      this.expect(",");
      const start = this.integer();
      this.expect(",");
      const len = this.integer();
      this.expect(")");
      if (t.type === "string") return { s: t.value.slice(start, start + len) };
      return { k: t.value, sub: [start, len] };
    }
    const t = this.next();
    if (t.type === "string") return { s: t.value };
    if (t.type === "ident") return { k: t.value };
    this.pos--;
    throw this.error("expected a name or a string");
  }

  private atom(): Expr {
    const t = this.peek();
    if (!t) throw this.error("expected an expression");
    if (t.type === "int") {
      this.pos++;
      return t.num!;
    }
    if (t.type === "float") {
      this.pos++;
      return { d: t.num! };
    }
    if (this.accept("null")) return { s: "" };
    if (this.accept("~")) return 1;
    if (this.accept("(")) {
      const e = this.expression();
      this.expect(")");
      return e;
    }
    if (this.accept("-")) return { o: "neg", a: [this.atom()] };
    if (t.type === "ident" && this.is("(", 1)) {
      this.pos++;
      return { f: t.value, a: this.parenArguments() };
    }
    return this.stringOrIdent();
  }
}

/** A float concept value as ecCodes names it (snprintf "%g"). */
function formatConceptFloat(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/** Parses a file of statements. */
export function parseStatements(text: string, file: string): ParsedStatement[] {
  return new Parser(tokenize(text, file), file).instructions();
}

/** Parses a concept file ('value' = { key = value; ... } rows), in file order. */
export function parseConceptFile(text: string, file: string): ConceptEntry[] {
  return new Parser(tokenize(text, file), file).conceptRows();
}
