// What ecCodes' GRIB tools share, done as they do it: key lists with types (-p k1,k2:i), where
// clauses (-w k=v/w,k!=x), keys set before printing (-s stepUnits=m), the walk over files and fields
// (an unreadable message is reported and counted; exit codes are ecCodes'), and a key's value as
// the tools print it (MISSING, not_found, the native type, -F for doubles).
import { KeyError } from "../../../grib/definitions/accessor.ts";
import { cFormat } from "../../../grib/format.ts";
import {
  type DecodedMessage,
  decodeFields,
  type GribKeys,
  isGribError,
  ScanBuffers,
  scanFile,
  ValuesBuffer,
} from "../../../grib/index.ts";
import { GribError } from "../../../grib/types.ts";
import { UsageError, UserError } from "../../errors.ts";

export type KeyType = "s" | "i" | "d" | undefined;

export interface KeySpec {
  name: string;
  type: KeyType;
}

/** "-p k1,k2:i,k3:d": keys with an optional type (string, integer, double). */
export function parseKeys(list: string | undefined): KeySpec[] {
  if (!list) return [];
  return list
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => {
      const m = /^(.*):([sid])$/.exec(k);
      return m ? { name: m[1]!, type: m[2] as KeyType } : { name: k, type: undefined };
    });
}

export interface Condition {
  name: string;
  type: KeyType;
  equal: boolean;
  /** Alternatives (`k=a/b`): any one matches. */
  values: string[];
}

/** "-w k1=v1/v2,k2!=v3": every condition must hold. */
export function parseWhere(clause: string | undefined): Condition[] {
  if (!clause) return [];
  return clause.split(",").map((part) => {
    const m = /^([^=!:]+)(?::([sid]))?(!?)=(.*)$/.exec(part.trim());
    if (!m) throw new UsageError(`-w: "${part}" is not key=value or key!=value`);
    return { name: m[1]!, type: m[2] as KeyType, equal: m[3] !== "!", values: m[4]!.split("/") };
  });
}

/** The key's value compared as ecCodes' to_skip does it (a key that cannot be read does not match). */
function matches(keys: GribKeys, c: Condition): boolean {
  let ok: boolean;
  try {
    const a = keys.find(c.name);
    if (!a) return !c.equal;
    const type = c.type ?? (a.nativeType() === "double" ? "d" : a.nativeType() === "long" ? "i" : "s");
    const value = type === "d" ? a.double() : type === "i" ? a.long() : a.string();
    ok = c.values.some((v) => (type === "s" ? v === value : Number(v) === value));
  } catch {
    return !c.equal;
  }
  return c.equal ? ok : !ok;
}

export function selected(keys: GribKeys, where: Condition[]): boolean {
  return where.every((c) => matches(keys, c));
}

/** "-s stepUnits=m": keys set before printing. Only keys held in memory (transient) can be set. */
export function applySets(keys: GribKeys, sets: string | undefined): void {
  if (!sets) return;
  for (const part of sets.split(",")) {
    const m = /^([^=:]+)(?::[sid])?=(.*)$/.exec(part.trim());
    if (!m) throw new UsageError(`-s: "${part}" is not key=value`);
    const [, name, value] = m as unknown as [string, string, string];
    const a = keys.find(name) as
      | (ReturnType<GribKeys["find"]> & {
          set?: (v: number) => void;
          codeOf?: (s: string) => number | undefined;
        })
      | undefined;
    if (!a?.set) {
      throw new UserError(
        `-s ${name}: only keys computed in memory (stepUnits, ...) can be set when reading`,
        "change coded keys with grib_set, which rewrites the message",
      );
    }
    const code = /^-?\d+$/.test(value) ? Number(value) : a.codeOf?.(value);
    if (code === undefined) throw new UsageError(`-s ${name}: "${value}" is not one of its codes`);
    // through the message's keys: a key set in memory changes what they may recall (handle.ts)
    keys.setLong(name, code);
  }
}

/** ecCodes' exit codes for unreadable messages (its error numbers, as an exit status). */
export function exitCodeOf(e: GribError): number {
  switch (e.code) {
    case "truncated":
      return 211; // GRIB_PREMATURE_END_OF_FILE
    case "bad-end":
      return 233; // GRIB_WRONG_LENGTH
    case "bad-header":
      return 239; // GRIB_UNSUPPORTED_EDITION
    default:
      return 1;
  }
}

/** The value of a key as ecCodes' get_value_for_key gives it (JSON output, grib_get). */
export function keyValue(keys: GribKeys, spec: KeySpec, format = "%g"): string {
  const a = keys.find(spec.name);
  if (!a) return "not_found";
  if (keys.isMissing(spec.name)) return "MISSING";
  const type = spec.type ?? nativeLetter(a.nativeType());
  try {
    if (type === "d") return cFormat(format, a.double());
    if (type === "i") return String(a.long());
    return a.string();
  } catch (e) {
    if (e instanceof KeyError && e.code === "not_found") return "not_found";
    throw new ToolKeyError(spec.name, e);
  }
}

/** A key ecCodes' tools could not read: they print "Failed to get value for key" and stop. */
export class ToolKeyError extends Error {
  readonly key: string;
  constructor(key: string, cause: unknown) {
    super(`Failed to get value for key ${key}`, { cause });
    this.key = key;
  }
}

function nativeLetter(t: string): KeyType {
  return t === "double" ? "d" : t === "long" ? "i" : "s";
}

/** One field met while walking the files. */
export interface Field {
  file: string;
  /** Number of the field in its file, from 1 (unreadable messages counted, as ecCodes counts). */
  count: number;
  /** Byte offset of the field's message in its file. */
  offset: number;
  field: DecodedMessage;
  /** The message's bytes (all fields of a multi-field message). */
  bytes: Uint8Array;
  fieldInMessage: number;
  fields: number;
}

export interface WalkEvents {
  /** Every readable field, selected or not (grib_ls prints its header at the first). */
  any?(f: Field): void;
  /** A field that passes the where clause. */
  field(f: Field): Promise<void> | void;
  /** A message that cannot be read (ecCodes: "ERROR: unreadable message"). */
  unreadable?(file: string, error: GribError): Promise<void> | void;
  /** A file begins / ends (for per-file statistics). */
  fileStart?(file: string): Promise<void> | void;
  fileEnd?(file: string, stats: { total: number; selected: number }): Promise<void> | void;
}

export interface WalkResult {
  total: number;
  selected: number;
  /** ecCodes' exit status for what went wrong (0 when nothing did). */
  error: number;
  /** Files in which no message was found. */
  empty: string[];
}

async function* messages(
  file: string,
  buffers: ScanBuffers,
): AsyncGenerator<ReturnType<typeof scanFile> extends AsyncGenerator<infer T> ? T : never> {
  try {
    yield* scanFile(file, { reuse: buffers });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && code.startsWith("E")) {
      throw new UserError(
        `${file}: ${(e as Error).message.replace(/^[A-Z]+: /, "")}`,
        "check the path and its permissions",
      );
    }
    throw e;
  }
}

/** Walks every field of every file, as ecCodes' grib_tool does, reporting unreadable messages. */
export async function walk(files: string[], where: Condition[], events: WalkEvents): Promise<WalkResult> {
  const result: WalkResult = { total: 0, selected: 0, error: 0, empty: [] };
  // each field is done with before the next is read: one array holds the values of all in turn, and
  // the files are read into the same buffers one after the other
  const values = new ValuesBuffer();
  const buffers = new ScanBuffers();
  for (const file of files) {
    await events.fileStart?.(file);
    const stats = { total: 0, selected: 0 };
    for await (const m of messages(file, buffers)) {
      if (isGribError(m)) {
        stats.total++;
        result.error ||= exitCodeOf(m);
        await events.unreadable?.(file, m);
        continue;
      }
      let decoded: DecodedMessage[];
      try {
        decoded = decodeFields(m.bytes, { offset: m.offset, messageNumber: stats.total + 1, values });
      } catch (e) {
        if (!(e instanceof GribError)) throw e;
        stats.total++;
        result.error ||= 1;
        await events.unreadable?.(file, e);
        continue;
      }
      for (let k = 0; k < decoded.length; k++) {
        stats.total++;
        const f = decoded[k]!;
        const item = {
          file,
          count: stats.total,
          offset: m.offset,
          field: f,
          bytes: m.bytes,
          fieldInMessage: k,
          fields: decoded.length,
        };
        events.any?.(item);
        if (!selected(f.keys, where)) continue;
        stats.selected++;
        await events.field(item);
      }
    }
    if (stats.total === 0) {
      result.empty.push(file);
      process.stderr.write(`no messages found in ${file}\n`);
    }
    result.total += stats.total;
    result.selected += stats.selected;
    await events.fileEnd?.(file, stats);
  }
  return result;
}

/** Reports an unreadable message as ecCodes does (stdout) and says what and where (stderr). */
export function reportUnreadable(out: { write(s: string): unknown }, file: string, e: GribError): void {
  out.write('\t\t"ERROR: unreadable message"\n');
  process.stderr.write(`cloudburst: ${file}: ${e.message}\n`);
}
