// The time attributes of a node (time, today, date, day, cron, late, autocancel, autoarchive, clock),
// read as ecflow_server reads them.
import { append } from "../model/tree.ts";
import type { AutoArchiveAttr, ClockAttr, CronAttr, LateAttr, TimeOfDay } from "../model/types.ts";
import type { AttrContext } from "./attributes.ts";
import { dayMonthYear, dayName, err, hhmm, need, timeSeries } from "./fields.ts";
import type { DefToken } from "./lexer.ts";

export function time(c: AttrContext): void {
  const series = timeSeries(c.args, 0, c.kw);
  if (c.kw.text === "time") c.node.times = append(c.node.times, { series });
  else c.node.todays = append(c.node.todays, { series });
}

export function date(c: AttrContext): void {
  const d = dayMonthYear(need(c.args, 0, "the date dd.mm.yyyy", c.kw));
  c.node.dates = append(c.node.dates, d);
}

export function day(c: AttrContext): void {
  const d = dayName(need(c.args, 0, "the day name", c.kw));
  c.node.days = append(c.node.days, { day: d });
}

/**
 * A cron option's list: `n`, and with `-w` `nL` (the last such weekday), with `-d` `L` (last day).
 * An option given again replaces its list (as ecFlow).
 */
function cronList(cron: CronAttr, opt: DefToken, list: DefToken): void {
  if (opt.text === "-w") Object.assign(cron, { weekDays: [], lastWeekDaysOfMonth: [] });
  if (opt.text === "-d") Object.assign(cron, { daysOfMonth: [], lastDayOfMonth: false });
  if (opt.text === "-m") cron.months = [];
  for (const item of list.text.split(",").filter((x) => x !== "")) {
    if (opt.text === "-w") {
      const m = /^([0-9]+)(L?)$/.exec(item);
      if (!m || Number(m[1]) > 6)
        err(list, `week days are 0-6 (0 = Sunday), or 0L-6L for the last one of the month, not '${item}'`);
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
}

export function cron(c: AttrContext): void {
  const cron: CronAttr = {
    weekDays: [],
    lastWeekDaysOfMonth: [],
    daysOfMonth: [],
    lastDayOfMonth: false,
    months: [],
    series: { relative: false, start: { hour: 0, minute: 0 } },
    pos: c.pos(),
  };
  let i = 0;
  while (c.args[i]?.text.startsWith("-")) {
    const opt = c.args[i] as DefToken;
    cronList(cron, opt, need(c.args, i + 1, `the list after ${opt.text}`, c.kw));
    i += 2;
  }
  if (c.node.repeat) err(c.kw, `${c.node.path} has a repeat: a node cannot have both a repeat and a cron`);
  cron.series = timeSeries(c.args, i, c.kw);
  c.node.crons = append(c.node.crons, cron);
}

export function late(c: AttrContext): void {
  if (c.node.late) err(c.kw, `${c.node.path} already has a late attribute`);
  const late: LateAttr = { pos: c.pos() };
  if (!c.args.length) err(c.kw, "'late' needs at least one of -s, -a, -c");
  for (let i = 0; i < c.args.length; i += 2) {
    const o = c.args[i] as DefToken;
    const v = need(c.args, i + 1, `the time after ${o.text}`, c.kw);
    if (o.text === "-s") {
      if (late.submitted) err(o, "duplicate -s");
      late.submitted = hhmm(v, true).time;
    } else if (o.text === "-a") {
      if (late.active) err(o, "duplicate -a");
      late.active = hhmm(v, true).time;
    } else if (o.text === "-c") {
      if (late.complete) err(o, "duplicate -c");
      const h = hhmm(v, true);
      late.complete = h.time;
      if (h.relative) late.completeRelative = true;
    } else err(o, `unknown late option '${o.text}' (use -s, -a or -c)`);
  }
  c.node.late = late;
}

/** `N` days, `hh:mm` (at that time) or `+hh:mm` (after that long). */
function after(t: DefToken): { days?: number; time?: TimeOfDay; relative: boolean } {
  if (/^[0-9]+$/.test(t.text)) return { days: Number(t.text), relative: true };
  const h = hhmm(t, true);
  return { time: h.time, relative: h.relative };
}

/** `autocancel` or `autoarchive` (`-i`: also when idle): a node has one of them at most. */
export function autoRemoval(c: AttrContext): void {
  const word = c.kw.text as "autocancel" | "autoarchive";
  const other = word === "autocancel" ? "autoarchive" : "autocancel";
  if (c.node[word]) err(c.kw, `${c.node.path} already has an ${word}`);
  if (c.node[other]) err(c.kw, `${c.node.path} has an ${other}: a node cannot have both`);
  const attr: AutoArchiveAttr = {
    ...after(need(c.args, 0, "the time (days, hh:mm or +hh:mm)", c.kw)),
    pos: c.pos(),
  };
  if (word === "autoarchive" && c.args[1]?.text === "-i") attr.idle = true;
  c.node[word] = attr;
}

/** `clock real|hybrid [dd.mm.yyyy] [+-seconds | +-hh:mm]` and `endclock dd.mm.yyyy` (suites only). */
export function clock(c: AttrContext): void {
  if (c.node.kind !== "suite") err(c.kw, `'${c.kw.text}' is only allowed on a suite`);
  const end = c.kw.text === "endclock";
  if (end ? c.node.endclock : c.node.clock) err(c.kw, `the suite already has a${end ? "n end" : ""} clock`);
  let i = 0;
  const clock: ClockAttr = { hybrid: false, pos: c.pos() };
  if (!end) {
    const kind = need(c.args, 0, "real or hybrid", c.kw);
    if (kind.text !== "real" && kind.text !== "hybrid")
      err(kind, `the clock is 'real' or 'hybrid', not '${kind.text}'`);
    clock.hybrid = kind.text === "hybrid";
    i = 1;
  }
  const dateTok = end ? need(c.args, 0, "the end date dd.mm.yyyy", c.kw) : c.args[i];
  if (dateTok?.text.includes(".")) {
    const d = dayMonthYear(dateTok);
    if (!d.day || !d.month || !d.year) err(dateTok, "a clock date needs day, month and year (no *)");
    Object.assign(clock, { day: d.day, month: d.month, year: d.year });
    if (!end) i++;
  }
  const g = end ? undefined : c.args[i];
  if (g) {
    if (/^[-+]?[0-9]+$/.test(g.text)) clock.gain = Number(g.text);
    else {
      const m = /^\+?([0-9]{1,2}):([0-9]{2})$/.exec(g.text);
      if (!m) err(g, `the clock gain is [+-]seconds or [+]hh:mm, not '${g.text}'`);
      clock.gain = Number(m[1]) * 3600 + Number(m[2]) * 60;
    }
    if (g.text.startsWith("+")) clock.positiveGain = true;
  }
  if (c.node.kind === "suite") {
    if (end) c.node.endclock = clock;
    else c.node.clock = clock;
  }
}
