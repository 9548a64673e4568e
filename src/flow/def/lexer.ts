// Splits a .def file into lines of tokens with 1-based columns. `#` starts a comment outside
// quotes; '...' and "..." are single tokens (quotes kept off, `quoted` set).

export interface DefToken {
  text: string;
  col: number;
  quoted?: "'" | '"';
}

export interface DefLine {
  line: number;
  tokens: DefToken[];
  /** The whole line as written (edit/label values and expressions are read from it). */
  raw: string;
  /** A tokenising problem (unterminated quote), reported if the parser relies on the tokens. */
  problem?: { col: number; message: string };
}

export function lexLine(raw: string, lineNo: number): DefLine {
  const tokens: DefToken[] = [];
  let problem: DefLine["problem"];
  let i = 0;
  while (i < raw.length) {
    const c = raw[i] as string;
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c === "#") break;
    if (c === "'" || c === '"') {
      const close = raw.indexOf(c, i + 1);
      if (close < 0) {
        problem = { col: i + 1, message: `unterminated ${c === "'" ? "single" : "double"}-quoted string` };
        tokens.push({ text: raw.slice(i + 1).trimEnd(), col: i + 1, quoted: c });
        break;
      }
      tokens.push({ text: raw.slice(i + 1, close), col: i + 1, quoted: c });
      i = close + 1;
      continue;
    }
    let j = i;
    while (j < raw.length && !" \t\r".includes(raw[j] as string)) j++;
    tokens.push({ text: raw.slice(i, j), col: i + 1 });
    i = j;
  }
  return problem ? { line: lineNo, tokens, raw, problem } : { line: lineNo, tokens, raw };
}

/** The non-blank, non-comment lines of a file. */
export function lex(text: string): DefLine[] {
  const lines = text.split("\n");
  const out: DefLine[] = [];
  for (let n = 0; n < lines.length; n++) {
    const l = lexLine(lines[n] as string, n + 1);
    if (l.tokens.length) out.push(l);
  }
  return out;
}

/**
 * A quoted value that runs from the quote at `col` (1-based) to the last quote of the same kind
 * on the line followed only by blanks or a comment, so values may contain their own quote
 * character (ecFlow writes `edit X 'it's'` back as it read it). Returns the value and the rest.
 */
export function quotedValue(raw: string, col: number): { value: string; rest: string } | undefined {
  const start = col - 1;
  const q = raw[start];
  if (q !== "'" && q !== '"') return undefined;
  for (let j = raw.length - 1; j > start; j--) {
    if (raw[j] === q && /^\s*(#.*)?$/.test(raw.slice(j + 1)))
      return { value: raw.slice(start + 1, j), rest: "" };
  }
  const close = raw.indexOf(q, start + 1);
  if (close < 0) return undefined;
  return { value: raw.slice(start + 1, close), rest: raw.slice(close + 1) };
}
