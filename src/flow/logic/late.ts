// `late` and `autocancel`, as ecFlow reads them. A node is late when it stays submitted longer than
// `-s` (inherited from its parents when it has none), is not active by the time of day `-a`, or is
// not complete by `-c` (a time of day, or with `+` a duration from becoming active). A complete
// node with `autocancel` is due for deletion N days, or +hh:mm, or at the next hh:mm, after it
// completed.
import type { LateAttr, Node, RuntimeState, TimeOfDay } from "../model/types.ts";
import { suiteTime } from "./time.ts";

const MINUTE = 60_000;
const DAY = 86_400_000;
const ms = (t: TimeOfDay): number => (t.hour * 60 + t.minute) * MINUTE;
const two = (n: number): string => String(n).padStart(2, "0");
const hm = (t: TimeOfDay): string => `${two(t.hour)}:${two(t.minute)}`;

/** The submitted limit that applies to `node`: its own `late -s`, else the nearest parent's. */
function submittedLimit(node: Node): TimeOfDay | undefined {
  for (let n: Node | undefined = node; n; n = n.parent) if (n.late?.submitted) return n.late.submitted;
  return undefined;
}

/** Why `node` is late at `now`, or undefined if it is not. */
export function lateReason(node: Node, runtime: RuntimeState, now: Date): string | undefined {
  const rt = runtime.nodes.get(node.path);
  if (!rt) return undefined;
  const late: LateAttr | undefined = node.late;
  const since = rt.stateSince ? Date.parse(rt.stateSince) : undefined;
  const submitted = submittedLimit(node);
  if (rt.state === "submitted" && submitted && since !== undefined && now.getTime() - since > ms(submitted))
    return `submitted for more than ${hm(submitted)}`;
  if (!late) return undefined;
  const t = suiteTime(node, runtime, now).getTime();
  const timeOfDay = t - Math.floor(t / DAY) * DAY;
  if (late.active && (rt.state === "queued" || rt.state === "submitted") && timeOfDay >= ms(late.active))
    return `not active by ${hm(late.active)}`;
  if (late.complete && rt.state !== "complete" && rt.state !== "unknown") {
    if (late.completeRelative) {
      if (rt.state === "active" && since !== undefined && now.getTime() - since > ms(late.complete))
        return `active for more than ${hm(late.complete)}`;
    } else if (timeOfDay >= ms(late.complete)) return `not complete by ${hm(late.complete)}`;
  }
  return undefined;
}

/** Whether a complete node with `autocancel` is due for deletion at `now`. */
export function autocancelDue(node: Node, runtime: RuntimeState, now: Date): boolean {
  const ac = node.autocancel;
  const rt = runtime.nodes.get(node.path);
  if (!ac || rt?.state !== "complete" || !rt.stateSince) return false;
  const done = Date.parse(rt.stateSince);
  if (ac.days !== undefined) return now.getTime() >= done + ac.days * DAY;
  const time = ac.time as TimeOfDay;
  if (ac.relative) return now.getTime() >= done + ms(time);
  // At the next such time of day after completion (on the suite's clock).
  const doneSuite = suiteTime(node, runtime, new Date(done)).getTime();
  let due = Math.floor(doneSuite / DAY) * DAY + ms(time);
  if (due <= doneSuite) due += DAY;
  return suiteTime(node, runtime, now).getTime() >= due;
}
