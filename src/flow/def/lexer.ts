// Reads a .def file as ecflow_server's parser does: line by line, each line split into tokens at
// blanks (quotes are left to the attributes that take them). A line holding `;` is several
// statements: its comment (from the first `#`) is cut off and it is split at every `;`, unless its
// first statement has `edit` in it and another does not start with `edit`, or has `label` in it
// (ecFlow then reads the line whole, so that `edit V 'a;b'` keeps its value). Definitions with state (`defs_state`) are not split: their history uses `;`.

export interface DefToken {
  text: string;
  /** 1-based line and column where the token starts. */
  line: number;
  col: number;
}

/** One statement: a line, or one `;`-separated piece of it. */
export interface Statement {
  line: number;
  tokens: DefToken[];
  /** The statement's text as written (one piece of the line), for attributes that read it whole. */
  raw: string;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** Splits `text` (starting at 0-based column `offset` of line `line`) into blank-separated tokens. */
export function tokenize(text: string, line: number, offset = 0): DefToken[] {
  const tokens: DefToken[] = [];
  let i = 0;
  while (i < text.length) {
    if (isBlank(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < text.length && !isBlank(text.charCodeAt(j))) j++;
    tokens.push({ text: text.slice(i, j), line, col: offset + i + 1 });
    i = j;
  }
  return tokens;
}

/** The pieces of a line with `;` in it, by ecFlow's rules (see above), with their columns. */
function pieces(raw: string): { text: string; offset: number }[] {
  const first = raw.search(/[^ ]/);
  if (first < 0 || raw[first] === "#") return [{ text: raw, offset: 0 }];
  const hash = raw.indexOf("#");
  const code = hash < 0 ? raw : raw.slice(0, hash);
  const out: { text: string; offset: number }[] = [];
  let start = 0;
  for (let i = 0; i <= code.length; i++) {
    if (i === code.length || code[i] === ";") {
      if (i > start) out.push({ text: code.slice(start, i), offset: start });
      start = i + 1;
    }
  }
  const head = out[0]?.text ?? "";
  const whole = [{ text: code, offset: 0 }];
  if (head.includes("edit")) return out.every((p) => p.text.trim().startsWith("edit")) ? out : whole;
  return head.includes("label") ? whole : out;
}

/** Statements of a definition, in order; `continuation()` takes the next line for a `\`. */
export class DefReader {
  private readonly lines: string[];
  private lineNo = 0;
  private pending: Statement[] = [];
  /** A definition with state: lines are not split at `;`. */
  persist = false;

  constructor(text: string) {
    // A byte-order mark (Windows editors) is not part of the first keyword.
    this.lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split("\n");
    if (this.lines.length > 1 && this.lines[this.lines.length - 1] === "") this.lines.pop();
  }

  /** The line the reader is at (1-based; the last line read). */
  get line(): number {
    return this.lineNo;
  }

  /** The next statement, blank ones included (`continuation` needs them), or undefined at the end. */
  private read(): Statement | undefined {
    const queued = this.pending.shift();
    if (queued) return queued;
    if (this.lineNo >= this.lines.length) return undefined;
    const raw = this.lines[this.lineNo++] as string;
    const line = this.lineNo;
    if (this.persist || !raw.includes(";")) return { line, tokens: tokenize(raw, line), raw };
    const [first, ...rest] = pieces(raw).map((p) => ({
      line,
      tokens: tokenize(p.text, line, p.offset),
      raw: p.text,
    }));
    this.pending = rest;
    return first ?? { line, tokens: [], raw: "" };
  }

  /** The next statement with tokens, or undefined at the end. */
  next(): Statement | undefined {
    for (;;) {
      const s = this.read();
      if (!s || s.tokens.length) return s;
    }
  }

  /** The statement after a line that ends in `\` (possibly blank), or undefined at the end. */
  continuation(): Statement | undefined {
    return this.read();
  }
}
