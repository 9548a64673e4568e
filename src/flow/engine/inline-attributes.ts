// A node's attributes with their current values, as ecflow_ui draws them on the node's line in the
// tree: meters (with their range, for a bar), events, labels, the repeat's value, limits (tokens in
// use), inlimits and time dependencies. Pure: the model, the runtime and the limits' usage in.
import { attributeLines } from "../def/printer.ts";
import { repeatLength, repeatValueAt } from "../logic/variables.ts";
import type { Node, NodeRuntime } from "../model/types.ts";

export interface InlineAttribute {
  kind: "meter" | "event" | "label" | "repeat" | "limit" | "inlimit" | "time";
  name: string;
  /** A meter's or limit's value (tokens in use), "set"/"clear", the label's text, the repeat's value. */
  value: string;
  /** A meter's range; a limit's size is its max. */
  min?: number;
  max?: number;
}

/** `/holder:name` → tokens in use, as limitUsage (../logic/limits.ts) counts them. */
export type LimitUse = ReadonlyMap<string, { used: number }>;

const TIME_LINE = /^(time|today|date|day|cron) /;

export function inlineAttributes(n: Node, rt: NodeRuntime | undefined, usage: LimitUse): InlineAttribute[] {
  const out: InlineAttribute[] = [];
  for (const m of n.meters)
    out.push({
      kind: "meter",
      name: m.name,
      value: String(rt?.meters?.[m.name] ?? m.min),
      min: m.min,
      max: m.max,
    });
  for (const e of n.events) {
    const name = e.name ?? String(e.number);
    out.push({
      kind: "event",
      name,
      value: (rt?.events?.[name] ?? e.initiallySet === true) ? "set" : "clear",
    });
  }
  for (const l of n.labels) out.push({ kind: "label", name: l.name, value: rt?.labels?.[l.name] ?? l.value });
  if (n.repeat) {
    const r = n.repeat;
    const at = Math.max(0, Math.min(rt?.repeatIndex ?? 0, repeatLength(r) - 1));
    out.push({ kind: "repeat", name: r.kind === "day" ? "day" : r.name, value: repeatValueAt(r, at) });
  }
  for (const l of n.limits)
    out.push({
      kind: "limit",
      name: l.name,
      value: String(usage.get(`${n.path}:${l.name}`)?.used ?? 0),
      max: l.value,
    });
  for (const i of n.inlimits)
    out.push({
      kind: "inlimit",
      name: `${i.path !== undefined ? `${i.path}:` : ""}${i.name}`,
      value: String(i.tokens),
    });
  // Only a node with a time dependency pays for printing its attributes.
  if (n.times.length + n.todays.length + n.dates.length + n.days.length + n.crons.length > 0)
    for (const line of attributeLines(n).filter((l) => TIME_LINE.test(l)))
      out.push({
        kind: "time",
        name: line.slice(0, line.indexOf(" ")),
        value: line.slice(line.indexOf(" ") + 1),
      });
  return out;
}
