// `cloudburst grib compare`, as grib_compare compares: message by message (or matched by their
// headers with -r), byte-identical messages are equal; otherwise every coded key of the first message
// is compared with the second's (or the keys and namespaces of -c, of -e), doubles within -A (absolute)
// or -R (relative, per key or "all") tolerances, the reference value within its float's own precision,
// values within the packing error with -P; -b leaves keys out. Differences print as ecCodes prints
// them; the exit status is 1 when anything differs (at the first differing message without -f).

import { cFormat, formatG } from "../../../grib/format.ts";
import {
  type DecodedMessage,
  decodeFields,
  type GribKey,
  type GribKeys,
  isGribError,
  scanFile,
} from "../../../grib/index.ts";
import type { GribError } from "../../../grib/types.ts";
import { UsageError, UserError } from "../../errors.ts";
import { type Condition, parseKeys, parseWhere, reportUnreadable, selected } from "./tool.ts";

export interface CompareOptions {
  A?: string;
  R?: string;
  b?: string;
  c?: string;
  e?: boolean;
  r?: boolean;
  f?: boolean;
  v?: boolean;
  P?: boolean;
  T?: string;
  w?: string;
  H?: boolean;
  a?: boolean;
  S?: string;
  E?: string;
}

interface Settings {
  absolute: number;
  relative: Map<string, number> | undefined;
  /** -R with -A: the size below which values compare absolutely. */
  maxAbsoluteError: number;
  factor: number;
  packing: boolean;
  blacklist: Set<string>;
  /** -c / -e: keys (name, type) and namespaces to compare; undefined: every coded key. */
  listed: Array<{ name: string; type: string | undefined; namespace: boolean }> | undefined;
  /** -a: -c's keys in addition to the coded keys. */
  also: boolean;
  verbose: boolean;
}

function number(text: string, what: string): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v)) {
    process.stderr.write(`Invalid ${what}: '${text}'\n`);
    throw new UsageError(`Invalid ${what}: '${text}'`);
  }
  return v;
}

function settings(o: CompareOptions): Settings {
  if (o.H && o.c) throw new UsageError("-H and -c options are incompatible. Choose one of the two please.");
  if (o.a && !o.c)
    throw new UsageError("-a option requires -c option. Please define a list of keys with the -c option.");
  let relative: Map<string, number> | undefined;
  if (o.R) {
    relative = new Map();
    for (const part of o.R.split(",")) {
      const [k, v] = part.split("=");
      if (!k || v === undefined) throw new UsageError(`-R: "${part}" is not key=tolerance`);
      relative.set(k, number(v, "relative error"));
    }
  }
  const listed = o.e
    ? ["parameter", "time", "geography", "vertical", "data"].map((name) => ({
        name,
        type: undefined,
        namespace: true,
      }))
    : o.c
      ? o.c.split(",").map((k) => {
          const m = /^(.*):([a-z])$/.exec(k);
          return { name: m ? m[1]! : k, type: m?.[2], namespace: m?.[2] === "n" };
        })
      : undefined;
  return {
    absolute: o.A !== undefined && !o.R ? number(o.A, "absolute error") : 0,
    relative,
    maxAbsoluteError: o.A !== undefined && o.R ? number(o.A, "absolute error") : 1e-19,
    factor: o.T !== undefined ? number(o.T, "tolerance factor") : 1,
    packing: !!o.P,
    blacklist: new Set(parseKeys(o.b).map((k) => k.name)),
    listed,
    also: !!o.a,
    verbose: !!o.v,
  };
}

/** One message's differences, printed under its header line and counted per key. */
class Report {
  lines: string[] = [];
  readonly summary = new Map<string, number>();
  private header: string | undefined;
  constructor(h1: GribKeys, count: number) {
    const s = (k: string) => {
      try {
        return h1.find(k)?.string() ?? "";
      } catch {
        return "";
      }
    };
    const what = `shortName=${s("shortName")} paramId=${s("paramId")} stepRange=${s("stepRange")} levelType=${s("levelType")} level=${s("level")} packingType=${s("packingType")} gridType=${s("gridType")}`;
    this.header = `\n-- ${s("identifier")} #${count} -- ${what} --`;
  }
  add(key: string, text: string): void {
    if (this.header !== undefined) {
      this.lines.push(this.header);
      this.header = undefined;
    }
    this.lines.push(text);
    this.summary.set(key, (this.summary.get(key) ?? 0) + 1);
  }
}

function relativeError(a: number, b: number, maxAbsoluteError: number): number {
  if (Math.abs(a) <= maxAbsoluteError || Math.abs(b) <= maxAbsoluteError) return Math.abs(a - b);
  return Math.abs(b) > Math.abs(a) ? Math.abs((a - b) / b) : Math.abs((a - b) / a);
}

function safeDouble(keys: GribKeys, name: string): number | undefined {
  try {
    return keys.find(name)?.double();
  } catch {
    return undefined;
  }
}

/** ecCodes' error text for a key that cannot be read. */
function why(e: unknown): string {
  const code = (e as { code?: string }).code;
  return code === "array_too_small"
    ? "Passed array is too small"
    : code === "decoding"
      ? "Decoding invalid"
      : (e as Error).message;
}

type Kind = "string" | "long" | "double" | "bytes" | "label" | "section";

function kindOf(a: GribKey, type: string | undefined): Kind {
  if (type === "s") return "string";
  if (type === "l" || type === "i") return "long";
  if (type === "d") return "double";
  return a.nativeType();
}

/** The tolerance ecCodes applies to a double key, and the packing errors it reports with it. */
function tolerance(
  k1: GribKeys,
  k2: GribKeys,
  name: string,
  st: Settings,
): { tol: number; pe: [number, number]; angle: boolean } {
  let tol = st.absolute;
  let pe: [number, number] = [0, 0];
  let angle = false;
  if (name === "packedValues" || name === "values" || name === "codedValues") {
    pe = [safeDouble(k1, "packingError") ?? 0, safeDouble(k2, "packingError") ?? 0];
    if (
      st.packing &&
      safeDouble(k1, "packingError") !== undefined &&
      safeDouble(k2, "packingError") !== undefined
    ) {
      tol = Math.max(...pe);
    }
  } else if (name.endsWith("InDegrees")) {
    pe = [0.0005, 0.0005];
    tol = 0.0005;
    angle = true;
  } else if (name === "referenceValue") {
    pe = [safeDouble(k1, "referenceValueError") ?? 0, safeDouble(k2, "referenceValueError") ?? 0];
    tol = Math.max(...pe);
  }
  if (st.relative) tol = st.relative.get("all") ?? st.relative.get(name) ?? tol;
  return { tol: tol * st.factor, pe, angle };
}

function compareDoubles(
  k1: GribKeys,
  k2: GribKeys,
  name: string,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  st: Settings,
  r: Report,
): void {
  const { tol, pe, angle } = tolerance(k1, k2, name, st);
  const absolute = !st.relative || (st.packing && pe[0] !== 0);
  const x = Array.from(a);
  const y = Array.from(b);
  if (angle && x.length === 1) {
    for (const v of [x, y]) v[0] = v[0]! < 0 ? v[0]! + 360 : v[0]! > 360 ? v[0]! - 360 : v[0]!;
  }
  let count = 0;
  let max = 0;
  let at = 0;
  for (let i = 0; i < x.length; i++) {
    const d = absolute ? Math.abs(x[i]! - y[i]!) : relativeError(x[i]!, y[i]!, st.maxAbsoluteError);
    if (d > tol || (Number.isNaN(d) && !(Number.isNaN(x[i]!) && Number.isNaN(y[i]!)))) {
      count++;
      if (max < d) {
        max = d;
        at = i;
      }
    }
  }
  if (!count) return;
  const [p, q] = [a[at]!, b[at]!];
  const rel = formatG(relativeError(p, q, st.maxAbsoluteError));
  if (x.length === 1) {
    r.add(
      name,
      `double [${name}]: [${cFormat("%.20e", p)}] != [${cFormat("%.20e", q)}]\n\tabsolute diff. = ${formatG(Math.abs(p - q))}, relative diff. = ${rel}\n\ttolerance=${formatG(tol)}`,
    );
    return;
  }
  let text = `double [${name}]: ${count} out of ${x.length} different\n${absolute ? " max" : ""} absolute diff. = ${cFormat("%.16e", Math.abs(p - q))},${absolute ? "" : " max"} relative diff. = ${rel}`;
  text += `\n\tmax diff. element ${at}: ${cFormat("%.20e", p)} ${cFormat("%.20e", q)}\n\ttolerance=${cFormat("%.16e", tol)}`;
  if (pe[0] || pe[1]) text += ` packingError: [${formatG(pe[0])}] [${formatG(pe[1])}]`;
  if (name === "packedValues" || name === "values" || name === "codedValues") {
    const [max1, max2, min1, min2] = ["max", "min"].flatMap((k) => [safeDouble(k1, k), safeDouble(k2, k)]);
    if ([max1, min1, max2, min2].every((v) => v !== undefined)) {
      text += `\n\tvalues max= [${formatG(max1!)}]  [${formatG(max2!)}]         min= [${formatG(min1!)}] [${formatG(min2!)}]`;
    }
  }
  r.add(name, text);
}

function compareLongs(name: string, a: number[], b: number[], r: Report): void {
  if (a.length !== b.length) {
    r.add(name, `Different size for "${name}"  [${a.length}]  [${b.length}]`);
    return;
  }
  const count = a.filter((v, i) => v !== b[i]).length;
  if (!count) return;
  r.add(
    name,
    a.length === 1
      ? `long [${name}]: [${a[0]}] != [${b[0]}]`
      : `long [${name}] ${count} out of ${a.length} different`,
  );
}

function compareBytes(name: string, a: Uint8Array, b: Uint8Array, r: Report): void {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) continue;
    const hex = (v: number | undefined) => (v ?? 0).toString(16).padStart(2, "0");
    r.add(
      name,
      n === 1
        ? `[${name}] byte values are different: [${hex(a[i])}] and [${hex(b[i])}]`
        : `[${name}] byte value ${i} of ${n} is different: [${hex(a[i])}] and [${hex(b[i])}]`,
    );
    return;
  }
}

function read<T>(r: Report, name: string, which: string, what: string, get: () => T): T | undefined {
  try {
    return get();
  } catch (e) {
    r.add(name, `Oops... cannot get ${what} value of [${name}] in ${which} field: ${why(e)}`);
    return undefined;
  }
}

/** ecCodes' compare_values for one key. */
function compareKey(
  k1: GribKeys,
  k2: GribKeys,
  name: string,
  type: string | undefined,
  st: Settings,
  r: Report,
): void {
  const a1 = k1.find(name);
  const a2 = k2.find(name);
  if (!a1) {
    r.add(name, `Oops... cannot get type of [${name}] in 1st field: Key/value not found`);
    return;
  }
  if (!a2) {
    r.add(name, `[${name}] not found in 2nd field`);
    return;
  }
  const kind = kindOf(a1, type);
  if (kind === "label" || kind === "section") return;
  const m1 = k1.isMissing(name);
  const m2 = k2.isMissing(name);
  if (m1 && m2) return;
  if (m1 || m2) {
    const [one, two] = m1 ? ["1st", "2nd"] : ["2nd", "1st"];
    r.add(name, `${name} is set to missing in ${one} field but is not missing in ${two} field`);
    return;
  }
  if (kind === "string") {
    const s1 = read(r, name, "1st", "string", () => a1.string());
    const s2 = read(r, name, "2nd", "string", () => a2.string());
    if (s1 !== undefined && s2 !== undefined && s1 !== s2)
      r.add(name, `string [${name}]: [${s1}] != [${s2}]`);
  } else if (kind === "long") {
    const l1 = read(r, name, "1st", "long", () => (a1.count() === 1 ? [a1.long()] : a1.longs()));
    const l2 = read(r, name, "2nd", "long", () => (a2.count() === 1 ? [a2.long()] : a2.longs()));
    if (l1 && l2) compareLongs(name, l1, l2, r);
  } else if (kind === "double") {
    const d1 = read(r, name, "1st", "double", () => (a1.count() === 1 ? [a1.double()] : a1.doubles()));
    const d2 = read(r, name, "2nd", "double", () => (a2.count() === 1 ? [a2.double()] : a2.doubles()));
    if (d1 && d2 && d1.length !== d2.length)
      r.add(name, `Different size for "${name}"  [${d1.length}]  [${d2.length}]`);
    else if (d1 && d2) compareDoubles(k1, k2, name, d1, d2, st, r);
  } else {
    compareBytes(
      name,
      k1.bytes.subarray(a1.offset, a1.offset + a1.length),
      k2.bytes.subarray(a2.offset, a2.offset + a2.length),
      r,
    );
  }
}

const DATA_CLASSES = /^(data_|g1bitmap|g2bitmap|unsigned_bits|spd)/;

/** The keys compared for a pair of messages, per the options; undefined when the messages are identical. */
function keysToCompare(
  m1: DecodedMessage,
  m2: DecodedMessage,
  st: Settings,
  headersOnly: boolean,
): Array<[string, string | undefined]> | undefined {
  const k1 = m1.keys;
  const out: Array<[string, string | undefined]> = [];
  const namespace = (ns: string) => {
    for (const [name] of k1.namespace(ns)) out.push([name, undefined]);
  };
  if (!st.listed || st.also) {
    if (bytesEqual(k1.bytes, m2.keys.bytes) && !st.also) return undefined;
    for (const [name, a] of k1.codedKeys()) {
      if (headersOnly && DATA_CLASSES.test((a as GribKey & { cls?: string }).cls ?? "")) continue;
      out.push([name, undefined]);
    }
  }
  for (const c of st.listed ?? []) {
    if (c.namespace) namespace(c.name);
    else out.push([c.name, c.type]);
  }
  return out.filter(([name]) => !st.blacklist.has(name));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

type Item = { field: DecodedMessage } | { error: GribError };

/** Every field of a file in order, unreadable messages as errors. */
async function* fieldsOf(file: string): AsyncGenerator<Item> {
  let count = 0;
  try {
    for await (const m of scanFile(file)) {
      if (isGribError(m)) {
        count++;
        yield { error: m };
        continue;
      }
      let fields: DecodedMessage[];
      try {
        fields = decodeFields(m.bytes, { offset: m.offset, messageNumber: count + 1 });
      } catch (e) {
        if (!isGribError(e)) throw e;
        count++;
        yield { error: e };
        continue;
      }
      for (const f of fields) {
        count++;
        yield { field: f };
      }
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && code.startsWith("E"))
      throw new UserError(`${file}: ${(e as Error).message}`);
    throw e;
  }
}

/** -r: both files' fields ordered by their headers' MD5, to be paired in that order. */
async function byHeaders(file: string): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of fieldsOf(file)) items.push(item);
  const key = (i: Item) => ("field" in i ? (i.field.keys.find("md5Headers")?.string() ?? "") : "");
  return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

async function* from(items: Item[]): AsyncGenerator<Item> {
  yield* items;
}

interface Tally {
  messages: number;
  different: number;
  moreIn1: number;
  moreIn2: number;
  summary: Map<string, number>;
  error: number;
}

function printSummary(t: Tally, first: string, second: string): void {
  const lines: string[] = ["", "## ERRORS SUMMARY #######"];
  if (t.moreIn1)
    lines.push(
      "##",
      "## Different number of messages ",
      `## ${t.moreIn1} more messages in ${first} than in ${second}`,
    );
  if (t.moreIn2)
    lines.push(
      "##",
      "## Different number of messages ",
      `## ${t.moreIn2} more messages in ${second} than in ${first}`,
    );
  lines.push("##", "## Summary of different key values ");
  for (const [k, n] of t.summary) lines.push(`## ${k} ( ${n} different )`);
  lines.push(
    "##",
    `## ${t.different + t.moreIn1 + t.moreIn2} different messages out of ${t.messages}`,
    "",
    "",
  );
  process.stdout.write(lines.join("\n"));
}

/** Compares one pair of fields; returns true when they differ (their differences printed). */
function comparePair(
  m1: DecodedMessage,
  m2: DecodedMessage,
  count: number,
  st: Settings,
  o: CompareOptions,
  t: Tally,
): boolean {
  const keys = keysToCompare(m1, m2, st, !!o.H);
  if (!keys) return false;
  const r = new Report(m1.keys, count);
  for (const [name, type] of keys) {
    if (st.verbose) process.stdout.write(`  comparing ${name}\n`);
    compareKey(m1.keys, m2.keys, name, type, st, r);
  }
  if (r.lines.length) process.stdout.write(`${r.lines.join("\n")}\n`);
  for (const [k, n] of r.summary) t.summary.set(k, (t.summary.get(k) ?? 0) + n);
  return r.lines.length > 0;
}

/** Runs grib_compare FILE1 FILE2; returns the exit status. */
export async function compareFiles(first: string, second: string, o: CompareOptions): Promise<number> {
  const st = settings(o);
  const where: Condition[] = parseWhere(o.w);
  const t: Tally = { messages: 0, different: 0, moreIn1: 0, moreIn2: 0, summary: new Map(), error: 0 };
  const ones = o.r ? from(await byHeaders(first)) : fieldsOf(first);
  const twos = o.r ? from(await byHeaders(second)) : fieldsOf(second);
  // an early "different" (or a failure) leaves the first file's scan open: it is closed in the finally
  try {
    let seen = 0;
    for await (const b of twos) {
      seen++;
      if ("error" in b) {
        reportUnreadable(process.stdout, second, b.error);
        t.error ||= 1;
        continue;
      }
      const next = await ones.next();
      t.messages++;
      if (!selected(b.field.keys, where)) continue;
      if (next.done || "error" in next.value) {
        t.moreIn2++;
        continue;
      }
      if (comparePair(next.value.field, b.field, t.messages, st, o, t)) {
        t.different++;
        if (!o.f) return 1;
      }
    }
    if (seen === 0) process.stderr.write(`no messages found in ${second}\n`);
    for (let n = await ones.next(); !n.done; n = await ones.next()) t.moreIn1++;
    if (t.different || t.moreIn1 || t.moreIn2) {
      printSummary(t, first, second);
      return 1;
    }
    return seen === 0 ? 1 : t.error;
  } finally {
    await ones.return(undefined);
  }
}
