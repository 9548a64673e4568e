// `cloudburst grib ls` and `grib get`, as grib_ls and grib_get print: the keys asked for (-p, -P) or a
// namespace's keys (ls by default, -n, -m for MARS), a header and per-file counts (ls), one line of
// values per message (get), JSON with -j; where clauses (-w), keys set before printing (-s), doubles
// with -F. A key that cannot be read stops the tool with ecCodes' message and exit code.

import { KeyError, type KeyErrorCode } from "../../../grib/definitions/accessor.ts";
import { cFormat } from "../../../grib/format.ts";
import type { GribKeys } from "../../../grib/index.ts";
import type { GribError } from "../../../grib/types.ts";
import { UsageError } from "../../errors.ts";
import { type Out, stdout } from "./stdout.ts";
import {
  applySets,
  type Field,
  type KeySpec,
  keyValue,
  parseKeys,
  parseWhere,
  reportUnreadable,
  ToolKeyError,
  walk,
} from "./tool.ts";

export interface LsOptions {
  p?: string;
  P?: string;
  w?: string;
  s?: string;
  n?: string;
  m?: boolean;
  j?: boolean;
  json?: boolean;
  F?: string;
  W?: string;
  i?: string;
  /** Leave out requested keys a message does not have (cloudburst's --json). */
  skipMissingKeys?: boolean;
}

/** ecCodes' error messages and numbers for keys that cannot be read (exit status = number & 255). */
const ECCODES_ERRORS: Record<KeyErrorCode, [string, number]> = {
  not_found: ["Key/value not found", -10],
  decoding: ["Decoding invalid", -13],
  not_implemented: ["Function not yet implemented", -4],
  array_too_small: ["Passed array is too small", -6],
  wrong_conversion: ["Wrong type conversion", -47],
  concept_no_match: ["Concept no match", -36],
  value_cannot_be_missing: ["Value cannot be missing", -22],
  invalid_argument: ["Invalid argument", -19],
  wrong_step_unit: ["Wrong units for step (step must be integer)", -26],
};

/** A key a tool could not print: ecCodes' message for it, the key, and the exit status. */
export class KeyFailure extends Error {
  readonly status: number;
  readonly key: string;
  readonly text: string;
  /** Why the key could not be read (the codec's words), for stderr. */
  readonly why: string | undefined;
  /** Which message: file, number and byte offset (set where the field is known). */
  where: string | undefined;
  constructor(text: string, key: string, status: number, why?: string) {
    super(`${text} ${key}`);
    this.text = text;
    this.key = key;
    this.status = status;
    this.why = why;
  }
}

export function failure(key: string, e: unknown): KeyFailure {
  const cause = e instanceof ToolKeyError ? e.cause : e;
  if (!(cause instanceof KeyError)) throw cause;
  const [text, n] = ECCODES_ERRORS[cause.code];
  return new KeyFailure(text, key, n & 255, cause.message);
}

interface Layout {
  keys: KeySpec[];
  width: number;
}

/** The keys to print for a message: those asked for, then the namespace's (as strings). */
function printKeys(keys: GribKeys, requested: KeySpec[], ns: string | undefined, width: number): Layout {
  const out = [...requested];
  if (ns) for (const [name] of keys.namespace(ns)) out.push({ name, type: "s" });
  // grib_get (width -1) prints each value followed by one space; grib_ls widens columns to the key names
  const w = width < 0 ? width : Math.max(width, ...out.map((k) => k.name.length));
  return { keys: out, width: w };
}

/** A value as grib_print_key_values prints it (arrays show their first element, "x..."); grib_get fails on keys not found. */
function cell(keys: GribKeys, spec: KeySpec, format: string, strict: boolean): string {
  const a = keys.find(spec.name);
  if (!a) {
    if (strict)
      throw new KeyFailure(ECCODES_ERRORS.not_found[0], spec.name, ECCODES_ERRORS.not_found[1] & 255);
    return "not_found";
  }
  try {
    if (keys.isMissing(spec.name)) return "MISSING";
    const type = spec.type ?? (a.nativeType() === "double" ? "d" : a.nativeType() === "long" ? "i" : "s");
    if (type === "s") {
      if (a.count() > 1) {
        const t = a.nativeType();
        const first =
          t === "double" ? cFormat("%g", a.doubles()[0]!) : t === "long" ? String(a.longs()[0]) : a.string();
        return `${first}...`;
      }
      return a.string();
    }
    return type === "d" ? cFormat(format, a.double()) : String(a.long());
  } catch (e) {
    if (e instanceof KeyError && e.code === "not_found") return "not_found";
    throw failure(spec.name, e);
  }
}

function row(cells: string[], width: number, last: boolean): string {
  return cells
    .map((v, i) => {
      let w = width < 0 ? v.length + 1 : v.length < width ? width + 2 : v.length + 2;
      if (last && i === cells.length - 1) w--;
      return v.padEnd(w);
    })
    .join("");
}

/**
 * One message as grib_ls -j prints it, written as it goes: a key that cannot be read leaves its line
 * unfinished with ecCodes' "ERROR: Failed to get value for key" and stops the tool.
 */
function jsonMessage(out: Out, keys: GribKeys, layout: Layout, format: string): void {
  out.write("  {\n");
  layout.keys.forEach((k, i) => {
    out.write(`    "${k.name}": `);
    let v: string;
    try {
      v = keyValue(keys, k, format);
    } catch (e) {
      if (!(e instanceof ToolKeyError)) throw e;
      throw new KeyFailure("ERROR: Failed to get value for key", k.name, 1);
    }
    out.write(`${isJsonNumber(v) ? v : `"${v}"`}${i === layout.keys.length - 1 ? "\n" : ",\n"}`);
  });
  out.write("  }");
}

/**
 * ecCodes' is_valid_JSON_number: digits and dots, no leading zero before another digit; a lone "-" (the
 * units of a dimensionless level) passes, since nothing follows the sign to refuse.
 */
export function isJsonNumber(s: string): boolean {
  if (!s) return false;
  const body = s.startsWith("-") ? s.slice(1) : s;
  if (body === "") return true;
  if (!/^[\d.]+$/.test(body)) return false;
  return body.includes(".") || !(body.length > 2 && s[0] === "0" && /\d/.test(s[1] ?? ""));
}

interface Printer {
  any(f: Field): void;
  field(f: Field): void;
  unreadable(file: string, e: GribError): void;
  fileStart(file: string): void;
  fileEnd(file: string, stats: { total: number; selected: number }): void;
  end(total: { total: number; selected: number; files: number }): void;
}

function lsPrinter(out: Out, o: LsOptions, tool: "ls" | "get"): Printer {
  const requested = parseKeys(o.p ?? o.P);
  const ns = o.n ?? (o.m ? "mars" : o.p ? undefined : tool === "ls" ? "ls" : undefined);
  const format = o.F ?? "%g";
  const json = !!(o.j || o.json);
  const baseWidth = tool === "get" ? -1 : Number(o.W ?? 10);
  if (!Number.isFinite(baseWidth)) throw new UsageError(`-W must be a number, not "${o.W}"`);
  let headerDone = false;
  let jsonCount = 0;
  // outside JSON, ecCodes takes the keys of the first message for every message
  let fixed: Layout | undefined;
  return {
    fileStart(file) {
      if (tool === "ls" && !json) out.write(`${file}\n`);
    },
    any(f) {
      // grib_ls prints its header at the first message, whether it is selected or not
      if (json || headerDone) return;
      headerDone = true;
      fixed = printKeys(f.field.keys, requested, ns, baseWidth);
      if (tool === "ls")
        out.write(
          `${row(
            fixed.keys.map((k) => k.name),
            fixed.width,
            false,
          )}\n`,
        );
    },
    field(f) {
      applySets(f.field.keys, o.s);
      const asked = o.skipMissingKeys ? requested.filter((k) => f.field.keys.find(k.name)) : requested;
      const layout = json || !fixed ? printKeys(f.field.keys, asked, ns, baseWidth) : fixed;
      if (json) {
        out.write(jsonCount++ ? ",\n" : '{ "messages" : [ \n');
        jsonMessage(out, f.field.keys, layout, format);
        return;
      }
      const cells = layout.keys.map((k) => cell(f.field.keys, k, format, tool === "get"));
      if (o.i !== undefined) cells.push(cFormat(format, valueAt(f, o.i)));
      out.write(`${row(cells, layout.width, o.i === undefined)}\n`);
    },
    unreadable(file, e) {
      if (json) out.write(jsonCount++ ? ",\n" : '{ "messages" : [ \n');
      reportUnreadable(out, file, e);
    },
    fileEnd(file, stats) {
      if (tool === "ls" && !json) out.write(`${stats.selected} of ${stats.total} messages in ${file}\n\n`);
    },
    end(total) {
      if (json) out.write("\n]}\n");
      else if (tool === "ls")
        out.write(`${total.selected} of ${total.total} total messages in ${total.files} files\n`);
    },
  };
}

function valueAt(f: Field, index: string): number {
  const i = Number(index);
  const values = f.field.values();
  if (!Number.isInteger(i) || i < 0 || i >= values.length) {
    throw new KeyFailure(
      `invalid index value ${index} (should be between 0 and ${values.length - 1})`,
      "",
      1,
    );
  }
  return values[i]!;
}

/** Runs grib_ls or grib_get over `files`; returns the exit status. */
export async function listKeys(files: string[], o: LsOptions, tool: "ls" | "get"): Promise<number> {
  const out = stdout();
  const printer = lsPrinter(out, o, tool);
  const where = parseWhere(o.w);
  try {
    const result = await walk(files, where, {
      fileStart: (file) => printer.fileStart(file),
      any: (f) => printer.any(f),
      field: async (f) => {
        try {
          printer.field(f);
        } catch (e) {
          if (e instanceof KeyFailure) e.where = `${f.file} message ${f.count} (at byte offset ${f.offset})`;
          throw e;
        }
        await out.flushIfLarge();
      },
      unreadable: (file, e) => printer.unreadable(file, e),
      fileEnd: (file, stats) => printer.fileEnd(file, stats),
    });
    printer.end({ ...result, files: files.length });
    await out.flush();
    // a file with no GRIB message is a failure (grib_ls itself exits 0 there: see README)
    return result.error || (result.empty.length ? 1 : 0);
  } catch (e) {
    if (!(e instanceof KeyFailure)) throw e;
    // grib_get reports on stderr as ecCodes' library does; grib_ls prints the error among its output
    if (tool === "get") process.stderr.write(`ECCODES ERROR   :  ${e.text}\n`);
    else out.write(`${e.message}\n`);
    await out.flush();
    // ecCodes' words above; what, where and why for the operator
    if (e.where)
      process.stderr.write(`cloudburst: ${e.where}: key ${e.key} cannot be read: ${e.why ?? e.text}\n`);
    return e.status;
  }
}
