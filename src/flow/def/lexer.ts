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
export class Statement {
  readonly line: number;
  readonly tokens: DefToken[];
  private readonly source: string;
  private readonly start: number;
  private readonly end: number;
  constructor(line: number, tokens: DefToken[], source: string, start: number, end: number) {
    this.line = line;
    this.tokens = tokens;
    this.source = source;
    this.start = start;
    this.end = end;
  }
  /**
   * The statement's text as written (one piece of the line), for the few attributes that read it
   * whole: cut from the file only when asked, as most statements never are.
   */
  get raw(): string {
    return this.source.slice(this.start, this.end);
  }
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/**
 * Splits `text` from `start` to `end` (a line, or a piece of one, of line number `line` that starts
 * at `lineStart`) into blank-separated tokens, without copying the line first.
 */
export function tokenize(
  text: string,
  line: number,
  start = 0,
  end = text.length,
  lineStart = 0,
): DefToken[] {
  const tokens: DefToken[] = [];
  let i = start;
  while (i < end) {
    if (isBlank(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < end && !isBlank(text.charCodeAt(j))) j++;
    tokens.push({ text: text.slice(i, j), line, col: i - lineStart + 1 });
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

/**
 * Statements of a definition, in order; `continuation()` takes the next line for a `\`. The file is
 * read in place, line by line: a 100,000-task definition has a million lines, and an array of them
 * all would live (and be copied by the garbage collector) until the last is read.
 */
export class DefReader {
  private readonly text: string;
  /** Where the next line starts, and where the last one ends (a final newline ends no line). */
  private at: number;
  private readonly end: number;
  private done = false;
  /** The first `;` at or after `at` (or -1): looked for once, not on every line. */
  private semicolon = -1;
  private lineNo = 0;
  private pending: Statement[] = [];
  /** A definition with state: lines are not split at `;`. */
  persist = false;

  constructor(text: string) {
    this.text = text;
    // A byte-order mark (Windows editors) is not part of the first keyword.
    this.at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.end = text.length > this.at && text.endsWith("\n") ? text.length - 1 : text.length;
    this.semicolon = text.indexOf(";", this.at);
  }

  /** The line the reader is at (1-based; the last line read). */
  get line(): number {
    return this.lineNo;
  }

  /** The next statement, blank ones included (`continuation` needs them), or undefined at the end. */
  private read(): Statement | undefined {
    const queued = this.pending.shift();
    if (queued) return queued;
    if (this.done) return undefined;
    const start = this.at;
    let stop = this.text.indexOf("\n", start);
    if (stop < 0 || stop >= this.end) {
      stop = this.end;
      this.done = true;
    }
    this.at = stop + 1;
    const line = ++this.lineNo;
    if (this.semicolon >= 0 && this.semicolon < start) this.semicolon = this.text.indexOf(";", start);
    if (this.persist || this.semicolon < 0 || this.semicolon >= stop)
      return new Statement(line, tokenize(this.text, line, start, stop, start), this.text, start, stop);
    const [first, ...rest] = pieces(this.text.slice(start, stop)).map((p) => {
      const from = start + p.offset;
      const to = from + p.text.length;
      return new Statement(line, tokenize(this.text, line, from, to, start), this.text, from, to);
    });
    this.pending = rest;
    return first ?? new Statement(line, [], this.text, start, start);
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
