// The attribute lines of a node, keyword by keyword, as ecflow_server 5.9 reads them: each keyword has
// a handler and the node kinds it is allowed on. A handler reads the tokens after the keyword (up to
// a `#` comment), checks them as ecFlow does and adds the attribute to the node; in a definition with
// state it also reads the value saved in the comment (an event set, a meter's value, ...).
import { parseExpression } from "../logic/expr-parser.ts";
import { append } from "../model/tree.ts";
import type {
  DefStatus,
  EventAttr,
  Expression,
  Node,
  NodeKind,
  NodeRuntime,
  NodeState,
  SourcePos,
  ZombieAttr,
} from "../model/types.ts";
import { err, int, name, need, unquote } from "./fields.ts";
import type { DefReader, DefToken, Statement } from "./lexer.ts";
import { repeat } from "./repeat.ts";
import { autoRemoval, clock, cron, date, day, late, time } from "./time-attributes.ts";

/** What a handler gets: the node, the keyword, its arguments and the comment after them. */
export interface AttrContext {
  node: Node;
  kw: DefToken;
  /** Tokens after the keyword, up to the first that starts with `#`. */
  args: DefToken[];
  /** Tokens of the comment (in a definition with state: the saved values). */
  comment: DefToken[];
  statement: Statement;
  file: string;
  /** Reading a definition with state (`defs_state`). */
  withState: boolean;
  reader: DefReader;
  /** Where the keyword is. */
  pos(): SourcePos;
  /** The node's saved runtime, made on first use (definitions with state). */
  runtime(): NodeRuntime;
  warn(at: DefToken, message: string): void;
}

interface Handler {
  on: readonly NodeKind[];
  parse(c: AttrContext): void;
}

/** The value of `edit`/`label`: one token, or the tokens up to a comment joined by one blank. */
function textValue(c: AttrContext): string {
  const all = c.statement.tokens;
  if (all.length === 3) return unquote((all[2] as DefToken).text);
  return unquote(
    c.args
      .slice(1)
      .map((t) => t.text)
      .join(" "),
  );
}

function edit(c: AttrContext): void {
  const v = c.statement.tokens[2];
  if (!v) err(c.kw, "'edit' needs a name and a value: edit NAME 'value'");
  if (v.text.startsWith("#")) err(v, "'edit' needs a value before the comment");
  const variable = name(need(c.args, 0, "the variable name", c.kw), "variable name");
  const value = textValue(c);
  const existing = c.node.variables.findIndex((x) => x.name === variable);
  if (existing >= 0) {
    // A later edit of the same name replaces the value (ecFlow's addVariable).
    c.node.variables = c.node.variables.map((x, i) => (i === existing ? { ...x, value } : x));
  } else c.node.variables = append(c.node.variables, { name: variable, value });
}

function label(c: AttrContext): void {
  if (c.statement.tokens.length < 3) err(c.kw, "'label' needs a name and a value: label NAME \"text\"");
  const labelName = name(c.args[0] as DefToken, "label name");
  if (c.node.labels.some((x) => x.name === labelName))
    err(c.args[0] as DefToken, `duplicate label '${labelName}'`);
  const value = textValue(c).replaceAll("\\n", "\n");
  c.node.labels = append(c.node.labels, { name: labelName, value });
  if (c.withState && c.statement.tokens.length > 3) {
    const saved = savedLabel(c.statement.raw);
    if (saved !== undefined) c.runtime().labels = { ...c.runtime().labels, [labelName]: saved };
  }
}

/** `label n "value" # "new value"`: the new value, between the last pair of quotes after the `#`. */
function savedLabel(raw: string): string | undefined {
  const hash = raw.lastIndexOf("#");
  const last = raw.lastIndexOf('"');
  if (hash < 0 || last <= hash) return undefined;
  const first = raw.indexOf('"', hash);
  return first < last ? raw.slice(first + 1, last).replaceAll("\\n", "\n") : undefined;
}

function event(c: AttrContext): void {
  const all = c.statement.tokens;
  const first = need(all, 1, "the event number or name", c.kw);
  const ev: EventAttr = {};
  const second = all[2];
  if (/^[0-9]/.test(first.text) && /^[-+]?[0-9]+$/.test(first.text)) {
    ev.number = int(first, "the event number");
    if (second && !second.text.startsWith("#")) {
      ev.name = name(second, "event name");
      if (all[3]?.text === "set") ev.initiallySet = true;
    } else if (second?.text === "set") ev.initiallySet = true;
  } else {
    ev.name = name(first, "event name");
    if (second?.text === "set") ev.initiallySet = true;
  }
  const key = ev.name ?? String(ev.number);
  if (c.node.events.some((e) => e.name === ev.name && e.number === ev.number))
    err(first, `duplicate event '${key}'`);
  c.node.events = append(c.node.events, ev);
  const last = all[all.length - 1]?.text;
  if (c.withState && (last === "set" || last === "clear"))
    c.runtime().events = { ...c.runtime().events, [key]: last === "set" };
}

function meter(c: AttrContext): void {
  const meterName = name(need(c.args, 0, "the meter name", c.kw), "meter name");
  const min = int(need(c.args, 1, "the meter minimum", c.kw), "the meter minimum");
  const max = int(need(c.args, 2, "the meter maximum", c.kw), "the meter maximum");
  const threshold = c.args[3] ? int(c.args[3], "the meter threshold") : max;
  if (min > max) err(c.args[2] as DefToken, `the meter maximum ${max} is below its minimum ${min}`);
  if (threshold < min || threshold > max)
    err(c.args[3] as DefToken, `the meter threshold ${threshold} is outside ${min}..${max}`);
  if (c.node.meters.some((m) => m.name === meterName))
    err(c.args[0] as DefToken, `duplicate meter '${meterName}'`);
  c.node.meters = append(c.node.meters, { name: meterName, min, max, threshold });
  const saved = c.withState ? c.comment[0] : undefined;
  if (saved && /^[-+]?[0-9]+$/.test(saved.text))
    c.runtime().meters = { ...c.runtime().meters, [meterName]: Number(saved.text) };
}

function limit(c: AttrContext): void {
  const limitName = name(need(c.args, 0, "the limit name", c.kw), "limit name");
  const value = int(need(c.args, 1, "the limit value", c.kw), "the limit value");
  if (c.node.limits.some((x) => x.name === limitName))
    err(c.args[0] as DefToken, `duplicate limit '${limitName}'`);
  c.node.limits = append(c.node.limits, { name: limitName, value, pos: c.pos() });
}

function inlimit(c: AttrContext): void {
  let i = 0;
  const il: Node["inlimits"][number] = { name: "", tokens: 1, pos: c.pos() };
  for (; c.args[i]?.text.startsWith("-"); i++) {
    const o = c.args[i] as DefToken;
    if (o.text === "-n") il.limitThisNodeOnly = true;
    else if (o.text === "-s") il.limitSubmission = true;
    else err(o, `unknown inlimit option '${o.text}' (use -n or -s)`);
  }
  if (il.limitThisNodeOnly && il.limitSubmission) err(c.kw, "inlimit -n and -s cannot be combined");
  const ref = need(c.args, i, "the limit ([path:]name)", c.kw);
  const colon = ref.text.lastIndexOf(":");
  if (colon > 0) il.path = ref.text.slice(0, colon);
  il.name = name({ ...ref, text: ref.text.slice(colon + 1) }, "limit name");
  if (c.args[i + 1]) il.tokens = int(c.args[i + 1] as DefToken, "the inlimit token count", 0);
  if (c.node.inlimits.some((x) => x.name === il.name && (x.path ?? "") === (il.path ?? "")))
    err(ref, `duplicate inlimit '${ref.text}'`);
  c.node.inlimits = append(c.node.inlimits, il);
}

const withDefstatus = new WeakSet<Node>();
const DSTATES = new Set(["unknown", "queued", "submitted", "active", "complete", "aborted", "suspended"]);

function defstatus(c: AttrContext): void {
  const s = need(c.args, 0, "the state", c.kw);
  if (!DSTATES.has(s.text)) err(s, `'${s.text}' is not a state for defstatus (${[...DSTATES].join(", ")})`);
  if (withDefstatus.has(c.node)) err(c.kw, `${c.node.path} already has a defstatus`);
  withDefstatus.add(c.node);
  // `queued` is every node's default: ecFlow keeps (and prints) no defstatus for it.
  if (s.text !== "queued") c.node.defstatus = s.text as DefStatus;
}

/** `trigger`/`complete`: the expression up to a comment, `\` continuing it on the next lines. */
function expression(c: AttrContext): void {
  const word = c.kw.text as "trigger" | "complete";
  let tokens = c.statement.tokens.slice(1);
  let join: "first" | "and" | "or" = "first";
  if (tokens[0]?.text === "-a" || tokens[0]?.text === "-o") {
    join = tokens[0].text === "-a" ? "and" : "or";
    tokens = tokens.slice(1);
  }
  // (A line ends in `\` exactly when its last token does: blanks are no part of a token.)
  const last = c.statement.tokens[c.statement.tokens.length - 1] as DefToken;
  if (last.text.endsWith("\\")) {
    for (let line = c.reader.continuation(); line; line = c.reader.continuation()) {
      tokens = tokens.concat(line.tokens);
      const end = line.tokens[line.tokens.length - 1]?.text ?? "";
      if (!end.endsWith("\\")) break;
    }
  }
  const kept: DefToken[] = [];
  for (const t of tokens) {
    const text = t.text.endsWith("\\") ? t.text.slice(0, -1) : t.text;
    if (!text) continue;
    if (text.startsWith("#")) break;
    kept.push(text === t.text ? t : { ...t, text });
  }
  if (!kept.length) err(c.kw, `'${word}' needs an expression`);
  const text = kept.map((t) => t.text).join(" ");
  const first = kept[0] as DefToken;
  // Each line is parsed alone so that errors point into it; where the text is not as written (blanks
  // joined, lines continued), positions are mapped back token by token.
  const asWritten = kept.every(
    (t, i) =>
      i === 0 ||
      (t.line === first.line &&
        t.col === (kept[i - 1] as DefToken).col + (kept[i - 1] as DefToken).text.length + 1),
  );
  const origin = {
    file: c.file,
    line: first.line,
    col: first.col,
    ...(asWritten ? {} : { at: tokenAt(kept) }),
  };
  const ast = parseExpression(text, origin);
  const part = { text, join, pos: { file: c.file, line: first.line, col: first.col }, ast };
  addPart(c, word, part, ast);
  if (c.withState && c.comment.some((t) => t.text === "free")) {
    if (word === "trigger") c.runtime().triggerFree = true;
  }
}

/** Maps an offset in the joined expression text back to the line and column of its token. */
function tokenAt(tokens: DefToken[]): (offset: number) => { line: number; col: number } {
  const starts: number[] = [];
  let at = 0;
  for (const t of tokens) {
    starts.push(at);
    at += t.text.length + 1;
  }
  return (offset) => {
    let i = starts.length - 1;
    while (i > 0 && (starts[i] as number) > offset) i--;
    const t = tokens[i] as DefToken;
    return { line: t.line, col: t.col + Math.min(offset - (starts[i] as number), t.text.length) };
  };
}

function addPart(
  c: AttrContext,
  word: "trigger" | "complete",
  part: Expression["parts"][number],
  ast: Expression["ast"],
): void {
  const existing = c.node[word];
  let e: Expression;
  if (part.join === "first") {
    if (existing)
      err(
        c.kw,
        `a second '${word}' on ${c.node.path}: combine them with 'and', or continue with '${word} -a'/'${word} -o'`,
      );
    e = { parts: [part], ast };
  } else if (!existing) {
    err(c.kw, `'${word} -${part.join[0]}' continues a '${word}': the first '${word}' line comes before it`);
  } else {
    e = { parts: [...existing.parts, part], ast: { kind: part.join, left: existing.ast, right: ast } };
  }
  c.node[word] = e;
}

const ZOMBIE_TYPES = ["user", "ecf", "path", "ecf_pid", "ecf_pid_passwd", "ecf_passwd"];
/** ecFlow's default zombie lifetimes, in seconds. */
const ZOMBIE_LIFETIME: Record<ZombieAttr["type"], number> = {
  user: 300,
  path: 900,
  ecf: 3600,
  ecf_pid: 3600,
  ecf_pid_passwd: 3600,
  ecf_passwd: 3600,
};
const ZOMBIE_ACTIONS = ["fob", "fail", "block", "adopt", "remove", "kill"];
const ZOMBIE_CHILDREN = ["init", "event", "meter", "label", "wait", "abort", "complete", "queue"];

function zombie(c: AttrContext): void {
  const t = need(c.args, 0, "the zombie type:action:children:lifetime", c.kw);
  const parts = t.text.split(":");
  if (parts.length < 2 || parts.length > 4)
    err(t, "a zombie is type:action:children:lifetime, e.g. user:fob:init,complete:300");
  const [type = "", action = "", children = "", lifetime = ""] = parts;
  if (!ZOMBIE_TYPES.includes(type)) err(t, `unknown zombie type '${type}' (${ZOMBIE_TYPES.join(", ")})`);
  if (action && !ZOMBIE_ACTIONS.includes(action))
    err(t, `unknown zombie action '${action}' (${ZOMBIE_ACTIONS.join(", ")})`);
  const kids = children ? children.split(",") : [];
  for (const k of kids) if (!ZOMBIE_CHILDREN.includes(k)) err(t, `unknown zombie child command '${k}'`);
  if (lifetime && !/^[-+]?[0-9]+$/.test(lifetime))
    err(t, `the zombie lifetime must be seconds, not '${lifetime}'`);
  if (!action && !lifetime) err(t, "a zombie needs an action or a lifetime");
  if (c.node.zombies.some((z) => z.type === type)) err(t, `${c.node.path} already has a '${type}' zombie`);
  // As ecFlow stores it: no action is `block`; no (or no positive) lifetime is the type's default,
  // and a lifetime is at least 60 s.
  const z: ZombieAttr = {
    type: type as ZombieAttr["type"],
    action: (action || "block") as ZombieAttr["action"],
    children: kids as ZombieAttr["children"],
    lifetime:
      Number(lifetime) > 0 ? Math.max(60, Number(lifetime)) : ZOMBIE_LIFETIME[type as ZombieAttr["type"]],
    pos: c.pos(),
  };
  c.node.zombies = append(c.node.zombies, z);
}

const VERIFY_STATES = new Set(["unknown", "complete", "queued", "aborted", "submitted", "active"]);

function verify(c: AttrContext): void {
  const t = need(c.args, 0, "state:count", c.kw);
  const m = /^([a-z]+):(.*)$/.exec(t.text);
  if (!m || !VERIFY_STATES.has(m[1] as string)) err(t, `'${t.text}' is not state:count (e.g. complete:1)`);
  const expected = int({ ...t, text: m[2] as string }, "the verify count");
  c.node.verifies = append(c.node.verifies, { state: m[1] as NodeState, expected });
}

function queue(c: AttrContext): void {
  const queueName = name(need(c.args, 0, "the queue name", c.kw), "queue name");
  const steps = c.args.slice(1).map((s) => unquote(s.text, true));
  if (!steps.length) err(c.args[0] as DefToken, "a queue needs at least one step");
  if (c.node.queues.some((q) => q.name === queueName))
    err(c.args[0] as DefToken, `duplicate queue '${queueName}'`);
  c.node.queues = append(c.node.queues, { name: queueName, steps });
  if (c.withState && c.comment.length && /^[0-9]+$/.test((c.comment[0] as DefToken).text))
    c.runtime().queues = {
      ...c.runtime().queues,
      [queueName]: {
        index: Number((c.comment[0] as DefToken).text),
        states: c.comment.slice(1).map((s) => s.text),
      },
    };
}

function generic(c: AttrContext): void {
  const genericName = name(need(c.args, 0, "the name", c.kw), "generic name");
  if (c.node.generics.some((g) => g.name === genericName))
    err(c.args[0] as DefToken, `duplicate generic '${genericName}'`);
  c.node.generics = append(c.node.generics, {
    name: genericName,
    values: c.args.slice(1).map((v) => v.text),
  });
}

function autorestore(c: AttrContext): void {
  if (c.node.autorestore) err(c.kw, `${c.node.path} already has an autorestore`);
  need(c.args, 0, "the paths of the nodes to restore", c.kw);
  for (const p of c.args) if (!/^[A-Za-z0-9_./]+$/.test(p.text)) err(p, `'${p.text}' is not a node path`);
  c.node.autorestore = { paths: c.args.map((p) => p.text), pos: c.pos() };
}

/** `calendar ...` (a suite's clock as saved): ignored, the clock starts again from `clock` or now. */
function calendar(): void {}

const ALL = ["suite", "family", "task"] as const;
const NOT_SUITE = ["family", "task"] as const;
const CONTAINERS = ["suite", "family"] as const;

/** Every attribute keyword: its handler and the node kinds that may have it. */
export const ATTRIBUTES: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ["edit", { on: ALL, parse: edit }],
  ["label", { on: ALL, parse: label }],
  ["event", { on: ALL, parse: event }],
  ["meter", { on: ALL, parse: meter }],
  ["limit", { on: ALL, parse: limit }],
  ["inlimit", { on: ALL, parse: inlimit }],
  ["defstatus", { on: ALL, parse: defstatus }],
  ["repeat", { on: ALL, parse: repeat }],
  ["late", { on: ALL, parse: late }],
  ["cron", { on: ALL, parse: cron }],
  ["autocancel", { on: ALL, parse: autoRemoval }],
  ["autorestore", { on: ALL, parse: autorestore }],
  ["zombie", { on: ALL, parse: zombie }],
  ["verify", { on: ALL, parse: verify }],
  ["queue", { on: ALL, parse: queue }],
  ["generic", { on: ALL, parse: generic }],
  ["trigger", { on: NOT_SUITE, parse: expression }],
  ["complete", { on: NOT_SUITE, parse: expression }],
  ["time", { on: NOT_SUITE, parse: time }],
  ["today", { on: NOT_SUITE, parse: time }],
  ["date", { on: NOT_SUITE, parse: date }],
  ["day", { on: NOT_SUITE, parse: day }],
  ["autoarchive", { on: CONTAINERS, parse: autoRemoval }],
  ["clock", { on: ["suite"], parse: clock }],
  ["endclock", { on: ["suite"], parse: clock }],
  ["calendar", { on: ["suite"], parse: calendar }],
]);
