// `repeat KIND ...` as ecflow_server 5.9 reads it: date, datelist, integer, enumerated, string, day;
// `repeat file` is accepted and ignored (as ecFlow does); month and year are refused (as ecFlow does).
// In a definition with state, the value after `#` is where the repeat stands.
import { repeatLength } from "../logic/variables.ts";
import type { Repeat } from "../model/types.ts";
import type { AttrContext } from "./attributes.ts";
import { err, int, name, need, unquote, ymd } from "./fields.ts";
import type { DefToken } from "./lexer.ts";

const KINDS = "date, datelist, integer, enumerated, string, day";

/** The optional step at `i` (default 1; a comment is no step). */
function step(c: AttrContext, i: number): number {
  const t = c.args[i];
  return t ? int(t, "the step") : 1;
}

/** Values of enumerated/string/datelist repeats: every token up to a comment, quotes stripped. */
function values(c: AttrContext, kind: string): { tok: DefToken; value: string }[] {
  const out = c.args.slice(2).map((tok) => ({ tok, value: unquote(tok.text, true) }));
  if (!out.length) err(c.args[1] ?? c.kw, `'repeat ${kind}' needs at least one value`);
  return out;
}

function build(c: AttrContext, kind: DefToken): Repeat | undefined {
  const pos = c.pos();
  const variable = (): string => name(need(c.args, 1, "the repeat variable name", c.kw), "variable name");
  switch (kind.text) {
    case "integer": {
      const n = variable();
      const start = int(need(c.args, 2, "the start", c.kw), "the start");
      const end = int(need(c.args, 3, "the end", c.kw), "the end");
      return { kind: "integer", name: n, start, end, delta: step(c, 4), pos };
    }
    case "date": {
      const n = variable();
      const start = ymd(need(c.args, 2, "the start date", c.kw), "the start date");
      const end = ymd(need(c.args, 3, "the end date", c.kw), "the end date");
      const delta = step(c, 4);
      if (delta === 0) err(c.args[4] as DefToken, "the step of a date repeat must not be 0");
      if ((delta > 0 && end < start) || (delta < 0 && end > start))
        err(c.args[3] as DefToken, "the end date cannot be reached from the start with this step");
      return { kind: "date", name: n, start, end, delta, pos };
    }
    case "datelist": {
      const n = variable();
      const dates = values(c, "datelist").map((v) => ymd({ ...v.tok, text: v.value }, "each date"));
      return { kind: "datelist", name: n, dates, pos };
    }
    case "enumerated":
    case "string": {
      const n = variable();
      return { kind: kind.text, name: n, values: values(c, kind.text).map((v) => v.value), pos };
    }
    case "day": {
      const t = need(c.args, 1, "the step in days", c.kw);
      if (c.args[2]) err(c.args[2], "'repeat day' takes no end date (ecFlow does not support one)");
      return { kind: "day", step: int(t, "the repeat day step"), pos };
    }
    case "file":
      c.warn(kind, "'repeat file' is ignored, as ecFlow ignores it");
      return undefined;
    case "month":
    case "year":
      err(kind, `'repeat ${kind.text}' is not supported (ecflow_server 5.9 refuses it too)`);
      break;
    default:
      err(kind, `unknown repeat kind '${kind.text}' (${KINDS})`);
  }
}

/** Where a saved value (`# value`) puts the repeat: integer and date by value, the others by index. */
function savedIndex(r: Repeat, value: number): number {
  if (r.kind === "integer") return Math.round((value - r.start) / r.delta);
  if (r.kind === "date") {
    const day = (v: number): number =>
      Date.UTC(Math.floor(v / 10000), (Math.floor(v / 100) % 100) - 1, v % 100) / 86_400_000;
    return Math.round((day(value) - day(r.start)) / r.delta);
  }
  return value;
}

export function repeat(c: AttrContext): void {
  const kind = need(c.args, 0, `the repeat kind (${KINDS})`, c.kw);
  if (c.statement.tokens.length < 3) err(kind, `'repeat ${kind.text}' needs more: see ecFlow's repeat`);
  if (c.node.repeat) err(c.kw, `${c.node.path} already has a repeat (one per node)`);
  if (c.node.crons.length)
    err(c.kw, `${c.node.path} has a cron: a node cannot have both a repeat and a cron`);
  const r = build(c, kind);
  if (!r) return;
  c.node.repeat = r;
  const saved = c.withState ? c.comment[0] : undefined;
  if (saved && /^[-+]?[0-9]+$/.test(saved.text) && r.kind !== "day")
    c.runtime().repeatIndex = Math.max(0, Math.min(savedIndex(r, Number(saved.text)), repeatLength(r)));
}
