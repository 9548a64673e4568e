// Parser for ecFlow definition (.def) files, line by line like ecFlow's own: a keyword starts each
// line; suite/family/task open nodes, endsuite/endfamily/endtask close them; other keywords are
// attributes of the node opened last. Anything we do not support is an error with file:line:col.

import { type Diagnostic, FlowDefinitionError } from "../logic/diagnostics.ts";
import { parseExpression } from "../logic/expr-parser.ts";
import { append, createDefs, createFamily, createSuite, createTask } from "../model/tree.ts";
import type {
  AutoCancelAttr,
  ClockAttr,
  CronAttr,
  DayName,
  DefStatus,
  Defs,
  Expr,
  Expression,
  ExpressionPart,
  Family,
  LateAttr,
  Node,
  NodeContainer,
  Repeat,
  SourcePos,
  Suite,
  Task,
  TimeOfDay,
  TimeSeries,
  ZombieAttr,
} from "../model/types.ts";
import { DAY_NAMES } from "../model/types.ts";
import { type DefLine, type DefToken, lexStatements, quotedValue } from "./lexer.ts";

const NODE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.]*$/;
const IDENTIFIER = /^[A-Za-z0-9_][A-Za-z0-9_.]*$/;
const DSTATES = new Set<DefStatus>([
  "unknown",
  "queued",
  "submitted",
  "active",
  "complete",
  "aborted",
  "suspended",
]);

const UNSUPPORTED: Record<string, string> = {
  aviso: "the 'aviso' attribute is not supported",
  mirror: "the 'mirror' attribute is not supported",
  queue: "the 'queue' attribute is not supported",
  generic: "the 'generic' attribute is not supported",
  verify: "the 'verify' attribute is not supported",
  alias: "aliases are not supported",
  endalias: "aliases are not supported",
  defs_state: "definitions with saved state (--migrate output) are not supported; load a plain definition",
};

/** Thrown inside the parser for one line; collected as a Diagnostic. */
class LineError extends Error {
  readonly col: number;
  constructor(col: number, message: string) {
    super(message);
    this.col = col;
  }
}

function err(tok: DefToken | number, message: string): never {
  throw new LineError(typeof tok === "number" ? tok : tok.col, message);
}

/** Parses .def text into a Defs; throws FlowDefinitionError listing every problem found. */
export function parseDefs(text: string, file = "<input>"): Defs {
  const defs = createDefs();
  defs.file = file;
  const diagnostics: Diagnostic[] = [];
  const names = new WeakMap<NodeContainer, Set<string>>();
  const childNames = (c: NodeContainer): Set<string> => {
    let set = names.get(c);
    if (!set) {
      set = new Set(c.children.map((x) => x.name));
      names.set(c, set);
    }
    return set;
  };
  let lastLine = 1;
  let suite: Suite | undefined;
  let container: NodeContainer | undefined; // where new families/tasks go
  let current: Node | undefined; // where attributes go
  let lastExprKind: "trigger" | "complete" | undefined;
  const pos = (l: DefLine, col: number): SourcePos => ({ file, line: l.line, col });

  // A byte-order mark (Windows editors) is not part of the first keyword.
  for (const l of lexStatements(text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text)) {
    lastLine = l.line;
    const kw = l.tokens[0] as DefToken;
    try {
      if (kw.quoted) err(kw, `expected a keyword, found a quoted string`);
      const word = kw.text;
      if (word !== "trigger" && word !== "complete") lastExprKind = undefined;
      switch (word) {
        case "extern": {
          if (suite) err(kw, "'extern' must come before the first suite");
          const path = l.tokens[1];
          if (!path) err(kw.col + 6, "'extern' needs a path: extern /suite/family/task[:name]");
          if (
            !/^\/?[A-Za-z0-9_][A-Za-z0-9_.]*(\/[A-Za-z0-9_][A-Za-z0-9_.]*)*(:[A-Za-z0-9_]+)?$/.test(path.text)
          )
            err(path, `'${path.text}' is not a valid extern path`);
          noMore(l, 2);
          defs.externs.push(path.text);
          break;
        }
        case "suite": {
          if (suite) err(kw, `'suite' inside suite '${suite.name}': close it with 'endsuite' first`);
          const name = nodeName(l, "suite");
          if (defs.suites.some((s) => s.name === name))
            err(l.tokens[1] as DefToken, `duplicate suite '${name}'`);
          suite = createSuite(name, pos(l, kw.col));
          defs.suites.push(suite);
          container = suite;
          current = suite;
          break;
        }
        case "family":
        case "task": {
          if (!container) err(kw, `'${word}' outside a suite`);
          const name = nodeName(l, word);
          const taken = childNames(container);
          if (taken.has(name)) err(l.tokens[1] as DefToken, `duplicate node '${name}' in ${container.path}`);
          taken.add(name);
          if (word === "family") {
            const f: Family = createFamily(container, name, pos(l, kw.col));
            container = f;
            current = f;
          } else {
            const t: Task = createTask(container, name, pos(l, kw.col));
            current = t;
          }
          break;
        }
        case "endtask":
          if (current?.kind !== "task") err(kw, "'endtask' without a task");
          noMore(l, 1);
          current = container;
          break;
        case "endfamily":
          if (container?.kind !== "family") err(kw, "'endfamily' without an open family");
          noMore(l, 1);
          container = container.parent;
          current = container;
          break;
        case "endsuite":
          if (!suite) err(kw, "'endsuite' without a suite");
          if (container?.kind === "family")
            err(kw, `'endsuite' while family ${container.path} is open: add 'endfamily'`);
          noMore(l, 1);
          suite = undefined;
          container = undefined;
          current = undefined;
          break;
        default: {
          if (word in UNSUPPORTED) err(kw, UNSUPPORTED[word] as string);
          if (!current) err(kw, `'${word}' outside a suite`);
          lastExprKind = attribute(current, l, word, lastExprKind, file);
        }
      }
    } catch (e) {
      if (e instanceof LineError) diagnostics.push({ pos: pos(l, e.col), message: e.message });
      else if (e instanceof FlowDefinitionError) diagnostics.push(...e.diagnostics);
      else throw e;
    }
  }
  if (suite && diagnostics.length === 0) {
    diagnostics.push({
      pos: { file, line: lastLine, col: 1 },
      message: `suite '${suite.name}' is not closed: add 'endsuite'`,
    });
  }
  if (diagnostics.length) throw new FlowDefinitionError(diagnostics);
  return defs;
}

function nodeName(l: DefLine, word: string): string {
  const t = l.tokens[1];
  if (!t) err((l.tokens[0] as DefToken).col + word.length, `'${word}' needs a name`);
  if (t.quoted || !NODE_NAME.test(t.text))
    err(t, `'${t.text}' is not a valid ${word} name (letters, digits, '_' and '.', not starting with '.')`);
  noMore(l, 2);
  return t.text;
}

function noMore(l: DefLine, n: number): void {
  const extra = l.tokens[n];
  if (extra) err(extra, `unexpected '${extra.text}'`);
}

function need(l: DefLine, i: number, what: string): DefToken {
  const t = l.tokens[i];
  if (!t) {
    const prev = l.tokens[i - 1] as DefToken;
    err(prev.col + prev.text.length + (prev.quoted ? 2 : 0), `missing ${what}`);
  }
  return t;
}

function int(t: DefToken, what: string, min = Number.MIN_SAFE_INTEGER): number {
  if (!/^[-+]?[0-9]+$/.test(t.text)) err(t, `${what} must be an integer, not '${t.text}'`);
  const v = Number(t.text);
  if (v < min) err(t, `${what} must be at least ${min}`);
  return v;
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

function identifier(t: DefToken, what: string): string {
  if (t.quoted || !IDENTIFIER.test(t.text)) err(t, `'${t.text}' is not a valid ${what}`);
  return intern(t.text);
}

/** `hh:mm` with an optional leading `+`. */
function hhmm(t: DefToken, allowPlus: boolean): { time: TimeOfDay; relative: boolean } {
  const m = /^(\+?)([0-9]{2}):([0-9]{2})$/.exec(t.text);
  if (!m) err(t, `expected a time hh:mm (two-digit hour), found '${t.text}'`);
  const relative = m[1] === "+";
  if (relative && !allowPlus) err(t, "a '+' (relative time) is not allowed here");
  const hour = Number(m[2]);
  const minute = Number(m[3]);
  if (hour > 23) err(t, `hour ${hour} is out of range 0-23`);
  if (minute > 59) err(t, `minute ${minute} is out of range 0-59`);
  return { time: { hour, minute }, relative };
}

/** `[+]hh:mm` or `[+]hh:mm hh:mm hh:mm` starting at token i; returns the series and next index. */
function timeSeries(l: DefLine, i: number): TimeSeries {
  const first = hhmm(need(l, i, "a time hh:mm"), true);
  const series: TimeSeries = { relative: first.relative, start: first.time };
  if (l.tokens[i + 1]) {
    const finish = hhmm(l.tokens[i + 1] as DefToken, false);
    const incr = hhmm(need(l, i + 2, "the increment of the time series (start finish increment)"), false);
    series.finish = finish.time;
    series.incr = incr.time;
    const s = series.start.hour * 60 + series.start.minute;
    const f = finish.time.hour * 60 + finish.time.minute;
    if (f < s) err(l.tokens[i + 1] as DefToken, "the end of a time series is before its start");
    if (incr.time.hour * 60 + incr.time.minute === 0)
      err(l.tokens[i + 2] as DefToken, "the increment of a time series must not be 00:00");
    noMore(l, i + 3);
  }
  return series;
}

function ymd(t: DefToken, what: string): number {
  if (!/^[0-9]{8}$/.test(t.text)) err(t, `${what} must be a date yyyymmdd, not '${t.text}'`);
  const v = Number(t.text);
  const y = Math.floor(v / 10000);
  const m = Math.floor(v / 100) % 100;
  const d = v % 100;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    err(t, `'${t.text}' is not a valid date`);
  return v;
}

/** `dd.mm.yyyy` with `*` for any part (0). */
function dayMonthYear(t: DefToken): { day: number; month: number; year: number } {
  const m = /^([0-9]{1,2}|\*)\.([0-9]{1,2}|\*)\.([0-9]{4}|\*)$/.exec(t.text);
  if (!m) err(t, `expected a date dd.mm.yyyy (with * for any part), found '${t.text}'`);
  const part = (s: string): number => (s === "*" ? 0 : Number(s));
  const day = part(m[1] as string);
  const month = part(m[2] as string);
  const year = part(m[3] as string);
  if (day > 31 || (m[1] !== "*" && day < 1)) err(t, `day ${day} is out of range 1-31`);
  if (month > 12 || (m[2] !== "*" && month < 1)) err(t, `month ${month} is out of range 1-12`);
  return { day, month, year };
}

/** One `trigger`/`complete` line: its text (after `-a`/`-o`), how it joins, and its parse. */
function expressionPart(
  l: DefLine,
  word: string,
  file: string,
  prev: string | undefined,
): { part: ExpressionPart; join: "first" | "and" | "or"; ast: Expr } {
  const kw = l.tokens[0] as DefToken;
  // Text after the keyword (and after -a/-o), up to a comment.
  let start = kw.col - 1 + word.length;
  let join: "first" | "and" | "or" = "first";
  const second = l.tokens[1];
  if (second && (second.text === "-a" || second.text === "-o")) {
    join = second.text === "-a" ? "and" : "or";
    start = second.col - 1 + 2;
    if (prev !== word) err(second, `'${word} ${second.text}' must follow a '${word}' line`);
  } else if (second?.text.startsWith("-")) err(second, `unknown ${word} option '${second.text}'`);
  const hash = l.raw.indexOf("#", start);
  const body = l.raw.slice(start, hash < 0 ? undefined : hash);
  const lead = body.length - body.trimStart().length;
  const text = body.trim();
  if (!text) err(start + 1, `'${word}' needs an expression`);
  const col = start + lead + 1;
  const pos: SourcePos = { file, line: l.line, col };
  // Each part is parsed alone so that errors point into its line.
  const ast = parseExpression(text, pos);
  return { part: { text, join, pos }, join, ast };
}

function attribute(
  node: Node,
  l: DefLine,
  word: string,
  lastExpr: "trigger" | "complete" | undefined,
  file: string,
): "trigger" | "complete" | undefined {
  const kw = l.tokens[0] as DefToken;
  const t = l.tokens;
  // Where the attribute is, for the attributes that keep it (made only when needed).
  const at = (): SourcePos => ({ file, line: l.line, col: kw.col });
  if (l.problem && word !== "edit" && word !== "label") err(l.problem.col, l.problem.message);
  switch (word) {
    case "edit": {
      const name = identifier(need(l, 1, "the variable name"), "variable name");
      const v = need(l, 2, "the variable value");
      let value: string;
      if (v.quoted) {
        const q = quotedValue(l.raw, v.col);
        if (!q) err(v, "unterminated quoted value");
        if (q.rest.trim() && !q.rest.trim().startsWith("#")) err(v, `unexpected text after the quoted value`);
        value = q.value;
      } else {
        const hash = l.raw.indexOf("#", v.col - 1);
        value = l.raw.slice(v.col - 1, hash < 0 ? undefined : hash).trim();
      }
      const existing = node.variables.find((x) => x.name === name);
      if (existing)
        existing.value = value; // ecFlow: a later edit of the same name wins
      else node.variables = append(node.variables, { name, value });
      return undefined;
    }
    case "label": {
      const name = identifier(need(l, 1, "the label name"), "label name");
      const v = need(l, 2, "the label value");
      let value: string;
      if (v.quoted) {
        const q = quotedValue(l.raw, v.col);
        if (!q) err(v, "unterminated quoted value");
        value = q.value;
      } else {
        noMore(l, 3);
        value = v.text;
      }
      if (node.labels.some((x) => x.name === name)) err(t[1] as DefToken, `duplicate label '${name}'`);
      node.labels = append(node.labels, { name, value });
      return undefined;
    }
    case "trigger":
    case "complete": {
      const { part, join, ast } = expressionPart(l, word, file, lastExpr);
      const existing = word === "trigger" ? node.trigger : node.complete;
      if (join === "first") {
        if (existing)
          err(
            kw,
            `a second '${word}' on ${node.path}: combine them with 'and', or continue with '${word} -a'/'${word} -o'`,
          );
        const e: Expression = { parts: [part], ast };
        if (word === "trigger") node.trigger = e;
        else node.complete = e;
      } else {
        const prev = existing as Expression;
        const e: Expression = {
          parts: [...prev.parts, part],
          ast:
            join === "and"
              ? { kind: "and", left: prev.ast, right: ast }
              : { kind: "or", left: prev.ast, right: ast },
        };
        if (word === "trigger") node.trigger = e;
        else node.complete = e;
      }
      return word;
    }
    case "time":
    case "today": {
      const series = timeSeries(l, 1);
      if (word === "time") node.times = append(node.times, { series });
      else node.todays = append(node.todays, { series });
      return undefined;
    }
    case "date": {
      const d = dayMonthYear(need(l, 1, "the date dd.mm.yyyy"));
      noMore(l, 2);
      node.dates = append(node.dates, d);
      return undefined;
    }
    case "day": {
      const d = need(l, 1, "the day name");
      if (!DAY_NAMES.includes(d.text as DayName))
        err(d, `'${d.text}' is not a day (sunday, monday, ... saturday)`);
      noMore(l, 2);
      node.days = append(node.days, { day: d.text as DayName });
      return undefined;
    }
    case "cron": {
      const cron: CronAttr = {
        weekDays: [],
        lastWeekDaysOfMonth: [],
        daysOfMonth: [],
        lastDayOfMonth: false,
        months: [],
        series: { relative: false, start: { hour: 0, minute: 0 } },
        pos: at(),
      };
      let i = 1;
      while (t[i]?.text.startsWith("-")) {
        const opt = t[i] as DefToken;
        const list = need(l, i + 1, `the list after ${opt.text}`);
        const items = list.text.split(",");
        for (const item of items) {
          if (opt.text === "-w") {
            const m = /^([0-6])(L?)$/.exec(item);
            if (!m)
              err(list, `week days are 0-6 (0 = Sunday, 6L = last Saturday of the month), not '${item}'`);
            (m[2] ? cron.lastWeekDaysOfMonth : cron.weekDays).push(Number(m[1]));
          } else if (opt.text === "-d") {
            if (item === "L") cron.lastDayOfMonth = true;
            else if (!/^[0-9]+$/.test(item) || Number(item) < 1 || Number(item) > 31)
              err(list, `days of the month are 1-31 or L, not '${item}'`);
            else cron.daysOfMonth.push(Number(item));
          } else if (opt.text === "-m") {
            if (!/^[0-9]+$/.test(item) || Number(item) < 1 || Number(item) > 12)
              err(list, `months are 1-12, not '${item}'`);
            cron.months.push(Number(item));
          } else err(opt, `unknown cron option '${opt.text}' (use -w, -d or -m)`);
        }
        i += 2;
      }
      if (node.repeat) err(kw, `${node.path} has a repeat: a node cannot have both a repeat and a cron`);
      cron.series = timeSeries(l, i);
      node.crons = append(node.crons, cron);
      return undefined;
    }
    case "repeat": {
      if (node.repeat) err(kw, `${node.path} already has a repeat (one per node)`);
      if (node.crons.length) err(kw, `${node.path} has a cron: a node cannot have both a repeat and a cron`);
      node.repeat = repeat(l, at());
      return undefined;
    }
    case "event": {
      let i = 1;
      const first = need(l, 1, "the event number or name");
      const ev: { number?: number; name?: string; initiallySet?: boolean } = {};
      if (/^[0-9]+$/.test(first.text)) {
        ev.number = Number(first.text);
        i = 2;
        if (t[2] && t[2].text !== "set" && t[2].text !== "clear") {
          ev.name = identifier(t[2], "event name");
          i = 3;
        }
      } else {
        ev.name = identifier(first, "event name");
        i = 2;
      }
      if (t[i]?.text === "set" || t[i]?.text === "clear") {
        if (t[i]?.text === "set") ev.initiallySet = true;
        i++;
      }
      noMore(l, i);
      const key = ev.name ?? String(ev.number);
      if (
        node.events.some(
          (e) => (e.name ?? String(e.number)) === key || (ev.number !== undefined && e.number === ev.number),
        )
      )
        err(first, `duplicate event '${key}'`);
      node.events = append(node.events, ev);
      return undefined;
    }
    case "meter": {
      const name = identifier(need(l, 1, "the meter name"), "meter name");
      const min = int(need(l, 2, "the meter minimum"), "the meter minimum");
      const max = int(need(l, 3, "the meter maximum"), "the meter maximum");
      const threshold = t[4] ? int(t[4], "the meter threshold") : max;
      noMore(l, t[4] ? 5 : 4);
      if (max <= min) err(t[3] as DefToken, "the meter maximum must be greater than its minimum");
      if (node.meters.some((m) => m.name === name)) err(t[1] as DefToken, `duplicate meter '${name}'`);
      node.meters = append(node.meters, { name, min, max, threshold });
      return undefined;
    }
    case "limit": {
      const name = identifier(need(l, 1, "the limit name"), "limit name");
      const value = int(need(l, 2, "the limit value"), "the limit value", 0);
      noMore(l, 3);
      if (node.limits.some((x) => x.name === name)) err(t[1] as DefToken, `duplicate limit '${name}'`);
      node.limits = append(node.limits, { name, value, pos: at() });
      return undefined;
    }
    case "inlimit": {
      let i = 1;
      const il: {
        path?: string;
        name: string;
        tokens: number;
        limitThisNodeOnly?: boolean;
        limitSubmission?: boolean;
        pos?: SourcePos;
      } = { name: "", tokens: 1, pos: at() };
      while (t[i]?.text.startsWith("-")) {
        const o = t[i] as DefToken;
        if (o.text === "-n") il.limitThisNodeOnly = true;
        else if (o.text === "-s") il.limitSubmission = true;
        else err(o, `unknown inlimit option '${o.text}' (use -n or -s)`);
        i++;
      }
      if (il.limitThisNodeOnly && il.limitSubmission) err(kw, "inlimit -n and -s cannot be combined");
      const ref = need(l, i, "the limit name ([path:]name)");
      const colon = ref.text.lastIndexOf(":");
      if (colon >= 0) {
        il.path = ref.text.slice(0, colon);
        il.name = ref.text.slice(colon + 1);
        if (
          !/^(\/|\.\.?\/)?[A-Za-z0-9_][A-Za-z0-9_.]*(\/[A-Za-z0-9_.]+)*$|^\/$/.test(il.path) &&
          !/^(\.\.\/)+[A-Za-z0-9_./]*$/.test(il.path)
        )
          err(ref, `'${il.path}' is not a valid node path`);
      } else il.name = ref.text;
      if (!IDENTIFIER.test(il.name)) err(ref, `'${il.name}' is not a valid limit name`);
      if (t[i + 1]) il.tokens = int(t[i + 1] as DefToken, "the inlimit token count", 1);
      noMore(l, t[i + 1] ? i + 2 : i + 1);
      if (node.inlimits.some((x) => x.name === il.name && (x.path ?? "") === (il.path ?? "")))
        err(ref, `duplicate inlimit '${ref.text}'`);
      node.inlimits = append(node.inlimits, il);
      return undefined;
    }
    case "defstatus": {
      const s = need(l, 1, "the state");
      if (!DSTATES.has(s.text as DefStatus))
        err(s, `'${s.text}' is not a state for defstatus (queued, complete, aborted, suspended, ...)`);
      noMore(l, 2);
      node.defstatus = s.text as DefStatus;
      return undefined;
    }
    case "late": {
      if (node.late) err(kw, `${node.path} already has a late attribute`);
      const late: LateAttr = { pos: at() };
      let i = 1;
      if (!t[1]) err(kw.col + 4, "'late' needs at least one of -s, -a, -c");
      while (t[i]) {
        const o = t[i] as DefToken;
        const v = need(l, i + 1, `the time after ${o.text}`);
        if (o.text === "-s") {
          if (late.submitted) err(o, "duplicate -s");
          late.submitted = hhmm(v, true).time;
        } else if (o.text === "-a") {
          if (late.active) err(o, "duplicate -a");
          const h = hhmm(v, false);
          late.active = h.time;
        } else if (o.text === "-c") {
          if (late.complete) err(o, "duplicate -c");
          const h = hhmm(v, true);
          late.complete = h.time;
          if (h.relative) late.completeRelative = true;
        } else err(o, `unknown late option '${o.text}' (use -s, -a or -c)`);
        i += 2;
      }
      node.late = late;
      return undefined;
    }
    case "autocancel": {
      if (node.autocancel) err(kw, `${node.path} already has an autocancel`);
      const v = need(l, 1, "the autocancel time (days, hh:mm or +hh:mm)");
      let ac: AutoCancelAttr;
      if (/^[0-9]+$/.test(v.text)) ac = { days: Number(v.text), relative: true, pos: at() };
      else {
        const h = hhmm(v, true);
        ac = { time: h.time, relative: h.relative, pos: at() };
      }
      noMore(l, 2);
      node.autocancel = ac;
      return undefined;
    }
    case "clock":
    case "endclock": {
      if (node.kind !== "suite") err(kw, `'${word}' is only allowed on a suite`);
      if (word === "endclock") err(kw, "'endclock' is not supported");
      if (node.clock) err(kw, "the suite already has a clock");
      const kind = need(l, 1, "real or hybrid");
      if (kind.text !== "real" && kind.text !== "hybrid")
        err(kind, `the clock is 'real' or 'hybrid', not '${kind.text}'`);
      const clock: ClockAttr = { hybrid: kind.text === "hybrid", pos: at() };
      let i = 2;
      if (t[i]?.text.includes(".")) {
        const d = dayMonthYear(t[i] as DefToken);
        if (!d.day || !d.month || !d.year)
          err(t[i] as DefToken, "a clock date needs day, month and year (no *)");
        clock.day = d.day;
        clock.month = d.month;
        clock.year = d.year;
        i++;
      }
      if (t[i]) {
        const g = t[i] as DefToken;
        if (/^[-+]?[0-9]+$/.test(g.text)) clock.gain = Number(g.text);
        else {
          const m = /^([-+]?)([0-9]{1,2}):([0-9]{2})$/.exec(g.text);
          if (!m) err(g, `the clock gain is seconds or hh:mm, not '${g.text}'`);
          clock.gain = (Number(m[2]) * 3600 + Number(m[3]) * 60) * (m[1] === "-" ? -1 : 1);
        }
        if (g.text.startsWith("+")) clock.positiveGain = true;
        i++;
      }
      noMore(l, i);
      node.clock = clock;
      return undefined;
    }
    case "zombie": {
      const z = need(l, 1, "the zombie specification type:action:children:lifetime");
      noMore(l, 2);
      node.zombies = append(node.zombies, zombie(z, at()));
      return undefined;
    }
    default:
      err(kw, `unknown keyword '${word}'`);
  }
}

function repeat(l: DefLine, pos: SourcePos): Repeat {
  const t = l.tokens;
  const kind = need(l, 1, "the repeat kind (date, integer, enumerated, string, day, datelist)");
  switch (kind.text) {
    case "day": {
      const step = t[2] ? int(t[2], "the repeat day step", 1) : 1;
      if (t[3]) err(t[3], "'repeat day' with an end date is not supported");
      return { kind: "day", step, pos };
    }
    case "integer": {
      const name = identifier(need(l, 2, "the repeat variable name"), "variable name");
      const start = int(need(l, 3, "the start"), "the start");
      const end = int(need(l, 4, "the end"), "the end");
      const delta = t[5] ? int(t[5], "the step") : 1;
      noMore(l, t[5] ? 6 : 5);
      if (delta === 0) err(t[5] as DefToken, "the step must not be 0");
      return { kind: "integer", name, start, end, delta, pos };
    }
    case "date": {
      const name = identifier(need(l, 2, "the repeat variable name"), "variable name");
      const start = ymd(need(l, 3, "the start date"), "the start date");
      const end = ymd(need(l, 4, "the end date"), "the end date");
      const delta = t[5] ? int(t[5], "the step in days") : 1;
      noMore(l, t[5] ? 6 : 5);
      if (delta === 0) err(t[5] as DefToken, "the step must not be 0");
      if ((delta > 0 && end < start) || (delta < 0 && end > start))
        err(t[4] as DefToken, "the end date cannot be reached from the start with this step");
      return { kind: "date", name, start, end, delta, pos };
    }
    case "datelist": {
      const name = identifier(need(l, 2, "the repeat variable name"), "variable name");
      const dates = t.slice(3).map((d) => ymd(d, "each date"));
      if (!dates.length) need(l, 3, "at least one date");
      return { kind: "datelist", name, dates, pos };
    }
    case "enumerated":
    case "string": {
      const name = identifier(need(l, 2, "the repeat variable name"), "variable name");
      need(l, 3, "at least one value");
      const values = t.slice(3).map((v) => {
        if (/\s/.test(v.text))
          err(v, `repeat ${kind.text} values cannot contain blanks (ecFlow splits them)`);
        if (v.text.includes('"')) err(v, `repeat ${kind.text} values cannot contain '"'`);
        return v.text;
      });
      return { kind: kind.text, name, values, pos };
    }
    case "datetime":
    case "datetimelist":
    case "month":
    case "year":
      err(kind, `'repeat ${kind.text}' is not supported (ecflow_server 5.9 does not know it either)`);
      break;
    default:
      err(kind, `unknown repeat kind '${kind.text}' (date, integer, enumerated, string, day, datelist)`);
  }
}

const ZOMBIE_TYPES = new Set(["user", "ecf", "path", "ecf_pid", "ecf_pid_passwd", "ecf_passwd"]);
const ZOMBIE_ACTIONS = new Set(["fob", "fail", "block", "adopt", "remove", "kill"]);
const ZOMBIE_CHILDREN = new Set(["init", "event", "meter", "label", "wait", "abort", "complete", "queue"]);

function zombie(t: DefToken, pos: SourcePos): ZombieAttr {
  const parts = t.text.split(":");
  if (parts.length !== 4)
    err(t, "a zombie is type:action:children:lifetime, e.g. user:fob:init,complete:300");
  const [type, action, children, lifetime] = parts as [string, string, string, string];
  if (!ZOMBIE_TYPES.has(type)) err(t, `unknown zombie type '${type}'`);
  if (action && !ZOMBIE_ACTIONS.has(action)) err(t, `unknown zombie action '${action}'`);
  const kids = children ? children.split(",") : [];
  for (const k of kids) if (!ZOMBIE_CHILDREN.has(k)) err(t, `unknown zombie child command '${k}'`);
  if (lifetime && !/^[0-9]+$/.test(lifetime))
    err(t, `the zombie lifetime must be seconds, not '${lifetime}'`);
  const z: ZombieAttr = { type: type as ZombieAttr["type"], children: kids as ZombieAttr["children"], pos };
  if (action) z.action = action as ZombieAttr["action"];
  if (lifetime) z.lifetime = Number(lifetime);
  return z;
}
