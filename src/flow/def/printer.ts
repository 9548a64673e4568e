// Writes a Defs back as .def text the way `ecflow_client --get` prints it: ecFlow's attribute order and
// formats (defaults filled in, `edit` values in single quotes), so that ecflow_server loads it and
// prints the same text back, and our parser reads it to the same model. With `state`, a definition
// that carries state is written as `ecflow_client --migrate` writes it (values after `#`).
import { repeatNumericValue } from "../logic/variables.ts";
import type {
  AutoArchiveAttr,
  AutoCancelAttr,
  ClockAttr,
  CronAttr,
  Defs,
  Expression,
  LateAttr,
  Node,
  NodeRuntime,
  Repeat,
  TimeOfDay,
  TimeSeries,
  ZombieAttr,
} from "../model/types.ts";

const two = (n: number): string => String(n).padStart(2, "0");
const hm = (t: TimeOfDay): string => `${two(t.hour)}:${two(t.minute)}`;
const star = (n: number): string => (n === 0 ? "*" : String(n));

function series(s: TimeSeries): string {
  const start = `${s.relative ? "+" : ""}${hm(s.start)}`;
  return s.finish && s.incr ? `${start} ${hm(s.finish)} ${hm(s.incr)}` : start;
}

function expression(word: string, e: Expression): string[] {
  return e.parts.map((p) => (p.join === "first" ? `${word} ${p.text}` : `${word} -${p.join[0]} ${p.text}`));
}

function repeat(r: Repeat): string {
  const quoted = (xs: (string | number)[]): string => xs.map((x) => `"${x}"`).join(" ");
  switch (r.kind) {
    case "day":
      return `repeat day ${r.step}`;
    case "integer":
      return `repeat integer ${r.name} ${r.start} ${r.end}${r.delta !== 1 ? ` ${r.delta}` : ""}`;
    case "date":
      return `repeat date ${r.name} ${r.start} ${r.end} ${r.delta}`;
    case "datelist":
      return `repeat datelist ${r.name} ${quoted(r.dates)}`;
    case "enumerated":
    case "string":
      return `repeat ${r.kind} ${r.name} ${quoted(r.values)}`;
  }
}

function cron(c: CronAttr): string {
  const parts = ["cron"];
  const w = [...c.weekDays.map(String), ...c.lastWeekDaysOfMonth.map((d) => `${d}L`)];
  if (w.length) parts.push("-w", w.join(","));
  const d = [...c.daysOfMonth.map(String), ...(c.lastDayOfMonth ? ["L"] : [])];
  if (d.length) parts.push("-d", d.join(","));
  if (c.months.length) parts.push("-m", c.months.join(","));
  parts.push(series(c.series));
  return parts.join(" ");
}

function late(l: LateAttr): string {
  const parts = ["late"];
  if (l.submitted) parts.push("-s", `+${hm(l.submitted)}`);
  if (l.active) parts.push("-a", hm(l.active));
  if (l.complete) parts.push("-c", `${l.completeRelative ? "+" : ""}${hm(l.complete)}`);
  return parts.join(" ");
}

function after(word: string, a: AutoCancelAttr | AutoArchiveAttr): string {
  const when = a.days !== undefined ? String(a.days) : `${a.relative ? "+" : ""}${hm(a.time as TimeOfDay)}`;
  return `${word} ${when}${"idle" in a && a.idle ? " -i" : ""}`;
}

function clock(word: string, c: ClockAttr): string {
  const date = c.day && c.month && c.year ? `${c.day}.${c.month}.${c.year} ` : "";
  const gain = c.gain !== undefined ? `${c.positiveGain && c.gain >= 0 ? "+" : ""}${c.gain}` : "";
  return word === "clock" ? `clock ${c.hybrid ? "hybrid" : "real"} ${date}${gain}` : `endclock ${date}`;
}

function zombie(z: ZombieAttr): string {
  return `zombie ${z.type}:${z.action ?? "block"}:${z.children.join(",")}:${z.lifetime ?? ""}`;
}

function event(e: Node["events"][number]): string {
  const head = e.number !== undefined ? `event ${e.number} ${e.name ?? ""}` : `event ${e.name}`;
  return `${head}${e.initiallySet ? " set" : ""}`;
}

/** State comments, as ecflow_client --migrate writes them (only with a runtime). */
type Saved = (text: string) => string;

/** The attribute lines of a node, in ecFlow's order. */
export function attributeLines(n: Node, rt?: NodeRuntime): string[] {
  const saved =
    (value: string | undefined): Saved =>
    (text) =>
      value === undefined ? text : `${text} # ${value}`;
  const out: string[] = [];
  if (n.defstatus && n.defstatus !== "queued") out.push(`defstatus ${n.defstatus}`);
  if (n.late) out.push(late(n.late));
  if (n.complete) out.push(...expression("complete", n.complete));
  if (n.trigger) {
    const lines = expression("trigger", n.trigger);
    if (rt?.triggerFree) lines[lines.length - 1] += " # free";
    out.push(...lines);
  }
  if (n.repeat) {
    const at = rt?.repeatIndex;
    const value = at && n.repeat.kind !== "day" ? String(repeatNumericValue(n.repeat, at)) : undefined;
    const byIndex =
      n.repeat.kind === "enumerated" || n.repeat.kind === "string" || n.repeat.kind === "datelist";
    out.push(saved(at && byIndex ? String(at) : value)(repeat(n.repeat)));
  }
  for (const v of n.variables) out.push(`edit ${v.name} '${v.value}'`);
  for (const l of n.limits) out.push(`limit ${l.name} ${l.value}`);
  for (const i of n.inlimits) {
    const opts = `${i.limitThisNodeOnly ? "-n " : ""}${i.limitSubmission ? "-s " : ""}`;
    const ref = `${i.path !== undefined ? `${i.path}:` : ""}${i.name}`;
    out.push(`inlimit ${opts}${ref}${i.tokens !== 1 ? ` ${i.tokens}` : ""}`);
  }
  const esc = (s: string): string => s.replaceAll("\n", "\\n");
  for (const l of n.labels) {
    const now = rt?.labels?.[l.name];
    out.push(
      saved(now !== undefined && now !== l.value ? `"${esc(now)}"` : undefined)(
        `label ${l.name} "${esc(l.value)}"`,
      ),
    );
  }
  for (const m of n.meters) {
    const v = rt?.meters?.[m.name];
    out.push(
      saved(v !== undefined && v !== m.min ? String(v) : undefined)(
        `meter ${m.name} ${m.min} ${m.max} ${m.threshold}`,
      ),
    );
  }
  for (const e of n.events) {
    const v = rt?.events?.[e.name ?? String(e.number)];
    out.push(
      saved(v !== undefined && v !== (e.initiallySet === true) ? (v ? "set" : "clear") : undefined)(event(e)),
    );
  }
  for (const t of n.times) out.push(`time ${series(t.series)}`);
  for (const t of n.todays) out.push(`today ${series(t.series)}`);
  for (const d of n.dates) out.push(`date ${star(d.day)}.${star(d.month)}.${star(d.year)}`);
  for (const d of n.days) out.push(`day ${d.day}`);
  for (const c of n.crons) out.push(cron(c));
  if (n.autocancel) out.push(after("autocancel", n.autocancel));
  if (n.autoarchive) out.push(after("autoarchive", n.autoarchive));
  if (n.autorestore) out.push(`autorestore ${n.autorestore.paths.join(" ")}`);
  for (const z of n.zombies) out.push(zombie(z));
  for (const v of n.verifies) out.push(`verify ${v.state}:${v.expected}`);
  for (const q of n.queues) {
    const s = rt?.queues?.[q.name];
    out.push(
      saved(s ? `${s.index} ${s.states.join(" ")}` : undefined)(`queue ${q.name} ${q.steps.join(" ")}`),
    );
  }
  for (const g of n.generics) out.push(`generic ${g.name} ${g.values.join(" ")}`);
  if (n.kind === "suite" && n.clock) out.push(clock("clock", n.clock));
  if (n.kind === "suite" && n.endclock) out.push(clock("endclock", n.endclock));
  return out;
}

/** The `# ...` a node line carries in a definition with state. */
function nodeComment(n: Node, rt: NodeRuntime | undefined, begun: boolean): string {
  if (!rt) return "";
  const words = [
    ...(begun ? ["begun:1"] : []),
    ...(rt.abortedReason ? [`abort<:${rt.abortedReason.replaceAll("\n", "\\n")}>abort`] : []),
    ...(rt.tryNo ? [`try:${rt.tryNo}`] : []),
    `state:${rt.state}`,
    ...(rt.flags?.length ? [`flag:${rt.flags.join(",")}`] : []),
    ...(rt.suspended ? ["suspended:1"] : []),
  ];
  return n.kind === "suite" || rt.state !== "unknown" || words.length > 1 ? ` # ${words.join(" ")}` : "";
}

function printNode(n: Node, depth: number, out: string[], defs: Defs | undefined): void {
  const pad = "  ".repeat(depth);
  const rt = defs?.state?.nodes.get(n.path);
  out.push(
    `${pad}${n.kind} ${n.name}${defs ? nodeComment(n, rt, defs.state?.begun.has(n.path) === true) : ""}`,
  );
  for (const line of attributeLines(n, rt)) out.push(`${pad}  ${line}`);
  if (n.kind === "task") return;
  for (const c of n.children) printNode(c, depth + 1, out, defs);
  out.push(n.kind === "family" ? `${pad}endfamily` : "endsuite");
}

/**
 * The whole definition as .def text (ends with a newline). With `withState`, a definition read with
 * its state is written with it, as `ecflow_client --migrate` does.
 */
export function printDefs(defs: Defs, options: { withState?: boolean } = {}): string {
  const stateful = options.withState && defs.state ? defs : undefined;
  const out: string[] = stateful ? [`defs_state ${defs.state?.style}`] : [];
  for (const e of defs.externs) out.push(`extern ${e}`);
  for (const v of defs.variables) out.push(`edit ${v.name} '${v.value}'`);
  for (const s of defs.suites) printNode(s, 0, out, stateful);
  return `${out.join("\n")}\n`;
}
