// Writes a Defs back as .def text that ecflow_server accepts, in one canonical attribute order,
// so that print(parse(print(parse(x)))) === print(parse(x)).
import type {
  AutoCancelAttr,
  ClockAttr,
  CronAttr,
  Defs,
  Expression,
  LateAttr,
  Node,
  Repeat,
  TimeOfDay,
  TimeSeries,
  ZombieAttr,
} from "../model/types.ts";

const two = (n: number): string => String(n).padStart(2, "0");
const hm = (t: TimeOfDay): string => `${two(t.hour)}:${two(t.minute)}`;

function series(s: TimeSeries): string {
  const start = `${s.relative ? "+" : ""}${hm(s.start)}`;
  return s.finish && s.incr ? `${start} ${hm(s.finish)} ${hm(s.incr)}` : start;
}

/** Quotes a variable value: single quotes as ecFlow writes them, double if it holds a single quote. */
function quote(value: string): string {
  return value.includes("'") && !value.includes('"') ? `"${value}"` : `'${value}'`;
}

const star = (n: number, width = 2): string => (n === 0 ? "*" : String(n).padStart(width, "0"));

function expression(word: string, e: Expression): string[] {
  return e.parts.map((p) =>
    p.join === "first" ? `${word} ${p.text}` : `${word} -${p.join === "and" ? "a" : "o"} ${p.text}`,
  );
}

function repeat(r: Repeat): string {
  switch (r.kind) {
    case "day":
      return `repeat day ${r.step}`;
    case "integer":
      return `repeat integer ${r.name} ${r.start} ${r.end} ${r.delta}`;
    case "date":
      return `repeat date ${r.name} ${r.start} ${r.end} ${r.delta}`;
    case "datelist":
      return `repeat datelist ${r.name} ${r.dates.map((d) => `"${d}"`).join(" ")}`;
    case "enumerated":
    case "string":
      return `repeat ${r.kind} ${r.name} ${r.values.map((v) => `"${v}"`).join(" ")}`;
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

function autocancel(a: AutoCancelAttr): string {
  if (a.days !== undefined) return `autocancel ${a.days}`;
  return `autocancel ${a.relative ? "+" : ""}${hm(a.time as TimeOfDay)}`;
}

function clock(c: ClockAttr): string {
  const parts = ["clock", c.hybrid ? "hybrid" : "real"];
  if (c.day && c.month && c.year) parts.push(`${c.day}.${c.month}.${c.year}`);
  if (c.gain !== undefined) parts.push(`${c.positiveGain && c.gain >= 0 ? "+" : ""}${c.gain}`);
  return parts.join(" ");
}

function zombie(z: ZombieAttr): string {
  return `zombie ${z.type}:${z.action ?? ""}:${z.children.join(",")}:${z.lifetime ?? ""}`;
}

/** The attribute lines of a node, in canonical order. */
export function attributeLines(n: Node): string[] {
  const out: string[] = [];
  if (n.kind === "suite" && n.clock) out.push(clock(n.clock));
  if (n.defstatus) out.push(`defstatus ${n.defstatus}`);
  if (n.late) out.push(late(n.late));
  if (n.autocancel) out.push(autocancel(n.autocancel));
  for (const v of n.variables) out.push(`edit ${v.name} ${quote(v.value)}`);
  if (n.repeat) out.push(repeat(n.repeat));
  for (const l of n.limits) out.push(`limit ${l.name} ${l.value}`);
  for (const i of n.inlimits) {
    const opts = `${i.limitThisNodeOnly ? "-n " : ""}${i.limitSubmission ? "-s " : ""}`;
    out.push(
      `inlimit ${opts}${i.path !== undefined ? `${i.path}:` : ""}${i.name}${i.tokens !== 1 ? ` ${i.tokens}` : ""}`,
    );
  }
  for (const e of n.events)
    out.push(
      `event ${[e.number, e.name].filter((x) => x !== undefined).join(" ")}${e.initiallySet ? " set" : ""}`,
    );
  for (const m of n.meters) out.push(`meter ${m.name} ${m.min} ${m.max} ${m.threshold}`);
  for (const l of n.labels) out.push(`label ${l.name} "${l.value}"`);
  if (n.trigger) out.push(...expression("trigger", n.trigger));
  if (n.complete) out.push(...expression("complete", n.complete));
  for (const t of n.times) out.push(`time ${series(t.series)}`);
  for (const t of n.todays) out.push(`today ${series(t.series)}`);
  for (const d of n.dates) out.push(`date ${star(d.day)}.${star(d.month)}.${star(d.year, 4)}`);
  for (const d of n.days) out.push(`day ${d.day}`);
  for (const c of n.crons) out.push(cron(c));
  for (const z of n.zombies) out.push(zombie(z));
  return out;
}

function printNode(n: Node, depth: number, out: string[]): void {
  const pad = "  ".repeat(depth);
  out.push(`${pad}${n.kind} ${n.name}`);
  for (const line of attributeLines(n)) out.push(`${pad}  ${line}`);
  if (n.kind === "task") return;
  for (const c of n.children) printNode(c, depth + 1, out);
  if (n.kind === "family") out.push(`${pad}endfamily`);
  else out.push("endsuite");
}

/** The whole definition as .def text (ends with a newline). */
export function printDefs(defs: Defs): string {
  const out: string[] = [];
  for (const e of defs.externs) out.push(`extern ${e}`);
  for (const s of defs.suites) printNode(s, 0, out);
  return `${out.join("\n")}\n`;
}
