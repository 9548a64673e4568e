// Variables as ecFlow resolves them: a node's own `edit`s, then its repeat and generated
// variables, then the same on each ancestor, then the server's. Generated variables are those
// ecFlow makes for each node kind (ECF_NAME, ECF_TRYNO, TASK, FAMILY, SUITE, the date parts, ...).
import type { Defs, Node, NodeRuntime, Repeat, RuntimeState } from "../model/types.ts";

const two = (n: number): string => String(n).padStart(2, "0");
const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/**
 * ecFlow's server variables, as an ecflow_server sets them by default. ECF_HOST, ECF_PORT and
 * ECF_VERSION are there for job scripts that use them (head.h exports them); cloudburst's
 * ecflow_client does not need them, and speaks ecFlow 5.9's protocol of child commands.
 */
export function serverVariables(defs: Defs): Record<string, string> {
  const out: Record<string, string> = {
    ECF_HOST: "localhost",
    ECF_PORT: "3141",
    ECF_VERSION: "5.9.2",
    ECF_TRIES: "2",
    ECF_MICRO: "%",
    ECF_HOME: ".",
    ECF_JOB_CMD: "%ECF_JOB% 1> %ECF_JOBOUT% 2>&1",
    ECF_KILL_CMD: "kill -15 %ECF_RID%",
    ECF_STATUS_CMD: "ps --sid %ECF_RID% -f",
    ECF_CHECK_CMD: "ps --pid %ECF_RID% -f",
    ECF_EXTN: ".ecf",
  };
  for (const v of defs.variables) out[v.name] = v.value;
  return out;
}

/** Julian day number (as ecFlow's ECF_JULIAN) of a UTC date. */
export function julianDay(y: number, m: number, d: number): number {
  const a = Math.floor((14 - m) / 12);
  const yy = y + 4800 - a;
  const mm = m + 12 * a - 3;
  return (
    d +
    Math.floor((153 * mm + 2) / 5) +
    365 * yy +
    Math.floor(yy / 4) -
    Math.floor(yy / 100) +
    Math.floor(yy / 400) -
    32045
  );
}

/** The date yyyymmdd of a Julian day number (ecFlow's cal::julian_to_date). */
export function julianToDate(jd: number): number {
  const d = new Date(Date.UTC(2000, 0, 1) + (jd - julianDay(2000, 1, 1)) * 86_400_000);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** yyyymmdd + days, as integer yyyymmdd. */
export function addDays(ymd: number, days: number): number {
  const d = new Date(Date.UTC(Math.floor(ymd / 10000), (Math.floor(ymd / 100) % 100) - 1, ymd % 100));
  d.setUTCDate(d.getUTCDate() + days);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

function daysBetween(a: number, b: number): number {
  const t = (x: number): number => Date.UTC(Math.floor(x / 10000), (Math.floor(x / 100) % 100) - 1, x % 100);
  return Math.round((t(b) - t(a)) / 86_400_000);
}

/** Number of values a repeat takes (day repeats are endless: Infinity). */
export function repeatLength(r: Repeat): number {
  switch (r.kind) {
    case "integer":
      return Math.floor((r.end - r.start) / r.delta) + 1;
    case "date":
      return Math.floor(daysBetween(r.start, r.end) / r.delta) + 1;
    case "datelist":
      return r.dates.length;
    case "enumerated":
    case "string":
      return r.values.length;
    case "day":
      return Number.POSITIVE_INFINITY;
  }
}

/** The repeat's value at `index` as text (integer, yyyymmdd, or the enumerated/string value). */
export function repeatValueAt(r: Repeat, index: number): string {
  switch (r.kind) {
    case "integer":
      return String(r.start + index * r.delta);
    case "date":
      return String(addDays(r.start, index * r.delta));
    case "datelist":
      return String(r.dates[index] ?? r.dates[r.dates.length - 1]);
    case "enumerated":
    case "string":
      return r.values[index] ?? (r.values[r.values.length - 1] as string);
    case "day":
      return String(r.step);
  }
}

/**
 * The repeat's value in expressions (ecFlow's last_valid_value): integer and date by value, an
 * enumerated value if it is a number else its index, a string's index, a day repeat's step.
 */
export function repeatNumericValue(r: Repeat, index: number): number {
  const last = Math.max(0, Math.min(index, repeatLength(r) - 1));
  switch (r.kind) {
    case "integer":
    case "date":
    case "datelist":
      return Number(repeatValueAt(r, last));
    case "enumerated": {
      const v = repeatValueAt(r, last);
      return /^-?[0-9]+$/.test(v) ? Number(v) : last;
    }
    case "string":
      return last;
    case "day":
      return r.step;
  }
}

function repeatVariables(r: Repeat, index: number): Record<string, string> {
  if (r.kind === "day") return {};
  const value = repeatValueAt(r, Math.min(index, repeatLength(r) - 1));
  const out: Record<string, string> = { [r.name]: value };
  if (r.kind === "date" || r.kind === "datelist") {
    const v = Number(value);
    const y = Math.floor(v / 10000);
    const m = Math.floor(v / 100) % 100;
    const d = v % 100;
    out[`${r.name}_YYYY`] = String(y);
    out[`${r.name}_MM`] = String(m);
    out[`${r.name}_DD`] = String(d);
    out[`${r.name}_DOW`] = String(new Date(Date.UTC(y, m - 1, d)).getUTCDay());
    out[`${r.name}_JULIAN`] = String(julianDay(y, m, d));
  }
  if (r.kind === "enumerated" || r.kind === "string" || r.kind === "datelist")
    out[`${r.name}_INDEX`] = String(index);
  return out;
}

/** The date-part variables a suite generates from its clock (`now` is the suite's time). */
export function clockVariables(now: Date): Record<string, string> {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth() + 1;
  const d = now.getUTCDate();
  const dow = now.getUTCDay();
  const doy = Math.floor((Date.UTC(y, m - 1, d) - Date.UTC(y, 0, 1)) / 86_400_000) + 1;
  const hh = two(now.getUTCHours());
  const mi = two(now.getUTCMinutes());
  return {
    ECF_DATE: `${y}${two(m)}${two(d)}`,
    YYYY: String(y),
    DOW: String(dow),
    DOY: String(doy),
    DATE: `${two(d)}.${two(m)}.${y}`,
    DAY: DAYS[dow] as string,
    DD: two(d),
    MM: two(m),
    MONTH: MONTHS[m - 1] as string,
    ECF_JULIAN: String(julianDay(y, m, d)),
    ECF_CLOCK: `${DAYS[dow]}:${MONTHS[m - 1]}:${dow}:${doy}`,
    ECF_TIME: `${hh}:${mi}`,
    TIME: `${hh}${mi}`,
  };
}

/** The generated variables of one node (not its ancestors'). */
export function generatedVariables(
  node: Node,
  rt: NodeRuntime | undefined,
  now: Date,
  defs: Defs,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (node.repeat) Object.assign(out, repeatVariables(node.repeat, rt?.repeatIndex ?? 0));
  if (node.kind === "suite") {
    out.SUITE = node.name;
    Object.assign(out, clockVariables(now));
  } else if (node.kind === "family") {
    out.FAMILY = node.path.split("/").slice(2).join("/");
    out.FAMILY1 = node.name;
  } else {
    const tryNo = rt?.tryNo ?? 0;
    const server = serverVariables(defs);
    const home = lookupUser(node, "ECF_HOME") ?? server.ECF_HOME ?? ".";
    const jobBase = `${home}${node.path}`;
    out.TASK = node.name;
    out.ECF_NAME = node.path;
    out.ECF_TRYNO = String(tryNo);
    out.ECF_PASS = "";
    out.ECF_JOB = `${jobBase}.job${tryNo}`;
    out.ECF_JOBOUT = `${lookupUser(node, "ECF_OUT") ?? home}${node.path}.${tryNo}`;
    out.ECF_SCRIPT = `${lookupUser(node, "ECF_FILES") ?? home}${node.path}${lookupUser(node, "ECF_EXTN") ?? ".ecf"}`;
    out.ECF_RID = "";
  }
  return out;
}

function lookupUser(node: Node, name: string): string | undefined {
  for (let n: Node | undefined = node; n; n = n.parent) {
    const v = n.variables.find((x) => x.name === name);
    if (v) return v.value;
  }
  return undefined;
}

/**
 * The value of a variable as a job on `node` would see it: runtime overrides and `edit`s of the
 * node, its repeat and generated variables, then each ancestor's, then the server's.
 */
export function findVariable(
  node: Node,
  name: string,
  runtime: RuntimeState | undefined,
  now: Date,
  defs: Defs,
): string | undefined {
  for (let n: Node | undefined = node; n; n = n.parent) {
    const rt = runtime?.nodes.get(n.path);
    const altered = rt?.variables?.[name];
    if (altered !== undefined) return altered;
    const own = n.variables.find((v) => v.name === name);
    if (own) return own.value;
    const gen = generatedVariables(n, rt, now, defs)[name];
    if (gen !== undefined) return gen;
  }
  return serverVariables(defs)[name];
}

/** Every variable visible on `node` (name -> value), nearest definition winning. */
export function allVariables(
  node: Node,
  runtime: RuntimeState | undefined,
  now: Date,
  defs: Defs,
): Record<string, string> {
  const chain: Node[] = [];
  for (let n: Node | undefined = node; n; n = n.parent) chain.push(n);
  const out: Record<string, string> = { ...serverVariables(defs) };
  for (const n of chain.reverse()) {
    const rt = runtime?.nodes.get(n.path);
    Object.assign(out, generatedVariables(n, rt, now, defs));
    for (const v of n.variables) out[v.name] = v.value;
    if (rt?.variables) Object.assign(out, rt.variables);
  }
  return out;
}
