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
    while (j < raw.length) {
      const code = raw.charCodeAt(j);
      if (code === 32 || code === 9 || code === 13) break;
      j++;
    }
    tokens.push({ text: raw.slice(i, j), col: i + 1 });
    i = j;
  }
  return problem ? { line: lineNo, tokens, raw, problem } : { line: lineNo, tokens, raw };
}

/**
 * ecFlow accepts several statements on one line separated by a lone `;` (`time 10:00 ; time
 * 20:00`). Each becomes its own line; `raw` keeps the other statements blanked so columns stay.
 */
function splitStatements(l: DefLine): DefLine[] {
  const cuts = l.tokens.map((t, i) => (t.text === ";" && !t.quoted ? i : -1)).filter((i) => i >= 0);
  if (!cuts.length) return [l];
  const out: DefLine[] = [];
  let from = 0;
  for (const cut of [...cuts, l.tokens.length]) {
    const tokens = l.tokens.slice(from, cut);
    if (tokens.length) {
      const start = (tokens[0] as DefToken).col - 1;
      const end = cut < l.tokens.length ? (l.tokens[cut] as DefToken).col - 1 : l.raw.length;
      const raw = " ".repeat(start) + l.raw.slice(start, end);
      out.push(l.problem ? { line: l.line, tokens, raw, problem: l.problem } : { line: l.line, tokens, raw });
    }
    from = cut + 1;
  }
  return out;
}

/** The non-blank, non-comment statements of a file, one per line (or per `;`), lazily. */
export function* lexStatements(text: string): Generator<DefLine> {
  let start = 0;
  let lineNo = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    lineNo++;
    const l = lexLine(text.slice(start, end), lineNo);
    start = end + 1;
    if (!l.tokens.length) continue;
    if (l.raw.includes(";")) yield* splitStatements(l);
    else yield l;
  }
}

/** All statements of a file (see lexStatements). */
export function lex(text: string): DefLine[] {
  return [...lexStatements(text)];
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
