// Time dependencies (time, today, date, day, cron) against a suite's clock, as ecFlow treats them:
// several attributes of one kind are alternatives (any free one frees the kind); different kinds
// must all be free. A `time` slot that had passed when the node was (re)queued waits for the next
// day; a `today` slot does not wrap; relative (`+hh:mm`) slots count from the (re)queue time; a
// slot once reached stays free until the node uses it (runs), as after a server halt.
import { suiteOf } from "../model/tree.ts";
import type { CronAttr, DayName, Node, NodeRuntime, RuntimeState, TimeSeries } from "../model/types.ts";
import { DAY_NAMES } from "../model/types.ts";

const MINUTE = 60_000;
const DAY = 86_400_000;

const startOfDay = (t: number): number => Math.floor(t / DAY) * DAY;
const floorMinute = (t: number): number => Math.floor(t / MINUTE) * MINUTE;
const minutes = (h: { hour: number; minute: number }): number => h.hour * 60 + h.minute;

/** The minutes (from the start) of each slot in a series. */
export function seriesSlots(s: TimeSeries): number[] {
  const start = minutes(s.start);
  if (!s.finish || !s.incr) return [start];
  const out: number[] = [];
  const step = Math.max(1, minutes(s.incr));
  for (let m = start; m <= minutes(s.finish); m += step) out.push(m);
  return out;
}

/**
 * When the node (or the nearest ancestor that knows it) was begun or last requeued, on the suite's
 * clock (ms), or undefined.
 */
export function begunAt(node: Node, runtime: RuntimeState): number | undefined {
  for (let n: Node | undefined = node; n; n = n.parent) {
    const at = runtime.nodes.get(n.path)?.begunAt;
    if (at) return suiteTime(node, runtime, new Date(at)).getTime();
  }
  return undefined;
}

/**
 * The suite's clock at real time `now`: the clock gain added; a hybrid clock keeps the date of
 * its `clock` line (or of the suite's begin) and takes the time of day from `now`; a real clock
 * with a date starts on that date at begin and runs on.
 */
export function suiteTime(node: Node, runtime: RuntimeState, now: Date): Date {
  const suite = suiteOf(node);
  const clock = suite.clock;
  let t = now.getTime() + (runtime.clockOffsetMs?.get(suite.path) ?? 0) + (clock?.gain ?? 0) * 1000;
  if (!clock) return new Date(t);
  const begun = runtime.nodes.get(suite.path)?.begunAt;
  const begunMs = begun ? Date.parse(begun) : now.getTime();
  const clockDay =
    clock.year && clock.month && clock.day ? Date.UTC(clock.year, clock.month - 1, clock.day) : undefined;
  if (clock.hybrid) {
    const day = clockDay ?? startOfDay(begunMs);
    t = day + (t - startOfDay(t));
  } else if (clockDay !== undefined) {
    t = clockDay + (t - startOfDay(begunMs));
  }
  return new Date(t);
}

function cronDayMatches(c: CronAttr, day: number): boolean {
  const d = new Date(day);
  const dow = d.getUTCDay();
  const dom = d.getUTCDate();
  const month = d.getUTCMonth() + 1;
  const lastDom = new Date(Date.UTC(d.getUTCFullYear(), month, 0)).getUTCDate();
  if (c.months.length && !c.months.includes(month)) return false;
  const dayListed = c.daysOfMonth.length > 0 || c.lastDayOfMonth;
  const weekListed = c.weekDays.length > 0 || c.lastWeekDaysOfMonth.length > 0;
  const domOk = c.daysOfMonth.includes(dom) || (c.lastDayOfMonth && dom === lastDom);
  const dowOk = c.weekDays.includes(dow) || (c.lastWeekDaysOfMonth.includes(dow) && dom + 7 > lastDom);
  if (dayListed && weekListed) return domOk && dowOk;
  if (dayListed) return domOk;
  if (weekListed) return dowOk;
  return true;
}

export type TimeKind = "time" | "today" | "cron";

/** The latest slot at or before `t` of one attribute (ms), or undefined. */
export function latestSlot(
  _kind: TimeKind,
  s: TimeSeries,
  t: number,
  begun: number,
  cron?: CronAttr,
): number | undefined {
  const slots = seriesSlots(s);
  if (s.relative) {
    let best: number | undefined;
    for (const m of slots) if (begun + m * MINUTE <= t) best = begun + m * MINUTE;
    return best;
  }
  // ecFlow looks at the current day only: a slot of an earlier day does not carry over midnight.
  const today = startOfDay(t);
  if (cron && !cronDayMatches(cron, today)) return undefined;
  for (let k = slots.length - 1; k >= 0; k--) {
    const at = today + (slots[k] as number) * MINUTE;
    if (at <= t) return at;
  }
  return undefined;
}

/** The next slot after `t` of one attribute (ms), or undefined (for why()). */
export function nextSlot(
  kind: TimeKind,
  s: TimeSeries,
  t: number,
  begun: number,
  cron?: CronAttr,
): number | undefined {
  const slots = seriesSlots(s);
  if (s.relative) {
    for (const m of slots) if (begun + m * MINUTE > t) return begun + m * MINUTE;
    return undefined;
  }
  const today = startOfDay(t);
  const days = kind === "today" ? 1 : 400;
  for (let i = 0; i < days; i++) {
    const day = today + i * DAY;
    if (cron && !cronDayMatches(cron, day)) continue;
    for (const m of slots) if (day + m * MINUTE > t) return day + m * MINUTE;
  }
  return undefined;
}

/** Whether one time/today/cron attribute is free at suite time `t`. */
export function timeAttrFree(
  kind: TimeKind,
  s: TimeSeries,
  t: number,
  begun: number,
  used: string | undefined,
  cron?: CronAttr,
): boolean {
  const slot = latestSlot(kind, s, t, begun, cron);
  if (slot === undefined) return false;
  if (kind !== "today" && !s.relative && slot < floorMinute(begun)) return false;
  return used === undefined || slot > Date.parse(used);
}

export interface TimeHold {
  kind: "time" | "today" | "date" | "day" | "cron";
  /** e.g. "time 10:00": the attributes of that kind, none of which is free. */
  text: string;
  /** When the next slot comes, if known (ISO). */
  next?: string;
}

const two = (n: number): string => String(n).padStart(2, "0");
function seriesText(s: TimeSeries): string {
  const hm = (h: { hour: number; minute: number }): string => `${two(h.hour)}:${two(h.minute)}`;
  return `${s.relative ? "+" : ""}${hm(s.start)}${s.finish && s.incr ? ` ${hm(s.finish)} ${hm(s.incr)}` : ""}`;
}

/** The time dependencies of `node` that hold it at real time `now` (empty: all free). */
export function timeHolds(node: Node, runtime: RuntimeState, now: Date): TimeHold[] {
  const rt: NodeRuntime | undefined = runtime.nodes.get(node.path);
  if (rt?.timeFree) return [];
  if (
    !node.times.length &&
    !node.todays.length &&
    !node.crons.length &&
    !node.dates.length &&
    !node.days.length
  )
    return [];
  const t = suiteTime(node, runtime, now).getTime();
  const begun = begunAt(node, runtime) ?? t;
  const used = rt?.timeSlotsUsed ?? {};
  const holds: TimeHold[] = [];
  const group = (kind: TimeKind, list: { series: TimeSeries; cron?: CronAttr }[]): void => {
    if (!list.length) return;
    const free = list.some((a, i) => timeAttrFree(kind, a.series, t, begun, used[`${kind}:${i}`], a.cron));
    if (free) return;
    const nexts = list
      .map((a) => nextSlot(kind, a.series, t, begun, a.cron))
      .filter((x): x is number => x !== undefined);
    const hold: TimeHold = {
      kind,
      text: list.map((a) => `${kind} ${a.cron ? cronText(a.cron) : seriesText(a.series)}`).join(" or "),
    };
    if (nexts.length) hold.next = new Date(Math.min(...nexts)).toISOString();
    holds.push(hold);
  };
  group(
    "time",
    node.times.map((a) => ({ series: a.series })),
  );
  group(
    "today",
    node.todays.map((a) => ({ series: a.series })),
  );
  group(
    "cron",
    node.crons.map((c) => ({ series: c.series, cron: c })),
  );
  const d = new Date(t);
  if (node.dates.length) {
    const free = node.dates.some(
      (x) =>
        (x.day === 0 || x.day === d.getUTCDate()) &&
        (x.month === 0 || x.month === d.getUTCMonth() + 1) &&
        (x.year === 0 || x.year === d.getUTCFullYear()),
    );
    if (!free)
      holds.push({
        kind: "date",
        text: node.dates.map((x) => `date ${x.day || "*"}.${x.month || "*"}.${x.year || "*"}`).join(" or "),
      });
  }
  if (node.days.length) {
    const today = DAY_NAMES[d.getUTCDay()] as DayName;
    if (!node.days.some((x) => x.day === today))
      holds.push({ kind: "day", text: node.days.map((x) => `day ${x.day}`).join(" or ") });
  }
  return holds;
}

function cronText(c: CronAttr): string {
  const parts: string[] = [];
  const w = [...c.weekDays.map(String), ...c.lastWeekDaysOfMonth.map((x) => `${x}L`)];
  if (w.length) parts.push(`-w ${w.join(",")}`);
  const dd = [...c.daysOfMonth.map(String), ...(c.lastDayOfMonth ? ["L"] : [])];
  if (dd.length) parts.push(`-d ${dd.join(",")}`);
  if (c.months.length) parts.push(`-m ${c.months.join(",")}`);
  parts.push(seriesText(c.series));
  return parts.join(" ");
}

/** Whether every time dependency of `node` is free at `now`. */
export function timeDependenciesFree(node: Node, runtime: RuntimeState, now: Date): boolean {
  return timeHolds(node, runtime, now).length === 0;
}

/**
 * The slots `node` uses when it runs at `now`: the engine stores them in `timeSlotsUsed` when it
 * submits the task, so the same slot does not fire twice (and overrun slots are skipped when it
 * stores them again at completion).
 */
export function usedTimeSlots(node: Node, runtime: RuntimeState, now: Date): Record<string, string> {
  const t = suiteTime(node, runtime, now).getTime();
  const begun = begunAt(node, runtime) ?? t;
  const out: Record<string, string> = { ...(runtime.nodes.get(node.path)?.timeSlotsUsed ?? {}) };
  const mark = (kind: TimeKind, i: number, s: TimeSeries, cron?: CronAttr): void => {
    const slot = latestSlot(kind, s, t, begun, cron);
    if (slot !== undefined) out[`${kind}:${i}`] = new Date(slot).toISOString();
  };
  for (const [i, a] of node.times.entries()) mark("time", i, a.series);
  for (const [i, a] of node.todays.entries()) mark("today", i, a.series);
  for (const [i, c] of node.crons.entries()) mark("cron", i, c.series, c);
  return out;
}

/**
 * Whether a node whose job completed should be queued again for a later slot the same day
 * (time/today series with slots left) or for ever (cron), as ecFlow requeues such nodes.
 */
export function hasFutureSlot(node: Node, runtime: RuntimeState, now: Date): boolean {
  if (node.crons.length) return true;
  const t = suiteTime(node, runtime, now).getTime();
  const begun = begunAt(node, runtime) ?? t;
  const sameDay = (x: number | undefined): boolean => x !== undefined && startOfDay(x) === startOfDay(t);
  return (
    node.times.some((a) => (a.series.finish ? sameDay(nextSlot("time", a.series, t, begun)) : false)) ||
    node.todays.some((a) => (a.series.finish ? sameDay(nextSlot("today", a.series, t, begun)) : false))
  );
}
