// Makes the accessor of a coded-key statement (`unsigned[2] Ni`, `codetable[1] centre ...`, `pad x(4)`):
// its class, its size and count, and the code table it reads its abbreviations from.
import { readUnsigned } from "../bits.ts";
import { Accessor, type AccessorHost, KeyError, type NativeType } from "./accessor.ts";
import type { CodeTableRow, Expr, GenStatement } from "./ast.ts";
import { FLAG } from "./ast.ts";
import {
  AsciiAccessor,
  BitAccessor,
  BitFieldAccessor,
  BytesAccessor,
  type CodeTable,
  CodetableAccessor,
  ExpverAccessor,
  Grib1LengthAccessor,
  HalfByteAccessor,
  IbmFloatAccessor,
  IeeeFloatAccessor,
  LookupAccessor,
  PaddingAccessor,
  PositionAccessor,
  SignedAccessor,
  TransientCodeAccessor,
  UnsignedAccessor,
} from "./coded.ts";
import { argumentName, evaluateString, type KeySource } from "./expression.ts";
import type { SectionRecord } from "./layout.ts";
import { codeTableFile } from "./load.ts";

/** What building a coded key needs of the handle under construction. */
export interface CodedContext extends AccessorHost, KeySource {
  evaluateLong(e: Expr): number;
  recompose(path: string): string | undefined;
  sectionPadding(section: SectionRecord, at: number): number;
}

const tableCache = new Map<string, CodeTable | null>();

/** ecCodes' load_table: the master file's rows, then the local file's for codes the master lacks. */
function loadCodeTable(
  master: string | undefined,
  local: string | undefined,
  size: number,
): CodeTable | null {
  const key = `${master ?? ""}|${local ?? ""}|${size}`;
  let t = tableCache.get(key);
  if (t !== undefined) return t;
  const files: string[] = [];
  const rows = new Map<number, CodeTableRow>();
  for (const path of [master, local]) {
    const table = path ? codeTableFile(path) : undefined;
    if (!path || !table) continue;
    files.push(path);
    for (const row of table) if (row[0] < 2 ** (8 * size) && !rows.has(row[0])) rows.set(row[0], row);
  }
  t = files.length ? { files, rows } : null;
  tableCache.set(key, t);
  return t;
}

function codeTableLoader(h: CodedContext, args: Expr[], size: number): () => CodeTable | null {
  return () => {
    const name = args[0] === undefined ? "" : evaluateString(args[0], h);
    const dir = (e: Expr | undefined) => {
      const key = argumentName(e);
      if (!key || !h.find(key)) return "";
      try {
        return h.string(key);
      } catch {
        return "";
      }
    };
    const masterDir = dir(args[1]);
    const localDir = dir(args[2]);
    const master = h.recompose(masterDir ? `${masterDir}/${name}` : name);
    const local = localDir ? h.recompose(`${localDir}/${name}`) : undefined;
    return loadCodeTable(master, local, size);
  };
}

/** A key whose class the codec does not model: it takes no bytes and has no value. */
class UnsupportedAccessor extends Accessor {
  readonly cls: string;
  constructor(host: AccessorHost, cls: string, name: string, offset: number) {
    super(host, name, undefined, 0, offset);
    this.cls = cls;
  }
  override nativeType(): NativeType {
    return "string";
  }
  override string(): string {
    throw this.unsupported("a value");
  }
}

/** `getenv(name, default)`: the codec reads no environment; the default stands. */
class DefaultStringAccessor extends Accessor {
  readonly cls = "getenv";
  private readonly value: string;
  constructor(host: AccessorHost, name: string, flags: number, offset: number, value: string) {
    super(host, name, undefined, flags, offset);
    this.value = value;
  }
  override nativeType(): NativeType {
    return "string";
  }
  override string(): string {
    return this.value;
  }
  override long(): number {
    return Number.parseInt(this.value, 10) || 0;
  }
}

/** ecCodes' grib_get_g1_message_size: GRIB1 lengths with the "large message" flag set. */
function grib1Lengths(h: CodedContext): { total: number; section4: number } {
  const tl = h.find("totalLength");
  const s4 = h.find("section4Length");
  const total = tl ? readUnsigned(h.bytes, tl.offset, 3) : 0;
  if (!s4) return { total, section4: 0 };
  const slen = readUnsigned(h.bytes, s4.offset, 3);
  if (total & 0x800000 && slen < 120) {
    const real = (total & 0x7fffff) * 120 - slen + 4;
    return { total: real, section4: real - s4.offset - 4 };
  }
  return { total, section4: slen };
}

function defaultLong(h: CodedContext, s: GenStatement): number {
  const e = s.def?.[0];
  if (e === undefined) return 0;
  try {
    return h.evaluateLong(e);
  } catch (err) {
    if (err instanceof KeyError) return 0;
    throw err;
  }
}

/** Count of an array key (`unsigned[2] pl[Nj]`), 1 for a scalar. */
function arrayCount(h: CodedContext, s: GenStatement, at = 0): number {
  const e = s.args?.[at];
  if (e === undefined) return 1;
  try {
    return Math.max(0, h.evaluateLong(e));
  } catch (err) {
    if (err instanceof KeyError) return 0;
    throw err;
  }
}

function numberTyped(h: CodedContext, s: GenStatement, pos: number): Accessor {
  const flags = s.flags ?? 0;
  if (flags & FLAG.transient) {
    const args = s.c === "codetable" ? (s.args ?? []) : [];
    return new TransientCodeAccessor(
      h,
      s.n,
      s.ns,
      flags,
      pos,
      s.len,
      defaultLong(h, s),
      codeTableLoader(h, args, s.len),
    );
  }
  if (s.c === "codetable") {
    let size = s.len;
    let args = s.args ?? [];
    if (size === 0) {
      size = h.evaluateLong(args[0]!);
      args = args.slice(1);
    }
    return new CodetableAccessor(h, s.n, s.ns, flags, pos, size, codeTableLoader(h, args, size));
  }
  const count = s.c === "unsigned" || s.c === "signed" ? arrayCount(h, s) : 1;
  if (s.c === "signed") return new SignedAccessor(h, "signed", s.n, s.ns, flags, pos, s.len, count);
  return new UnsignedAccessor(h, s.c, s.n, s.ns, flags, pos, s.len, count);
}

function padding(h: CodedContext, s: GenStatement, pos: number, section: SectionRecord): Accessor {
  const arg = (i: number) => h.evaluateLong(s.args![i]!);
  let length = 0;
  switch (s.c) {
    case "pad":
      length = arg(0);
      break;
    case "padto":
      length = arg(0) - pos;
      break;
    case "padtoeven": {
      const seclen = pos - arg(0);
      // a section of odd declared length is taken as it is (ecCodes' from_handle case)
      length = arg(1) % 2 ? 0 : seclen % 2 ? 1 : 0;
      break;
    }
    case "padtomultiple": {
      const multiple = arg(1);
      const p = pos - arg(0);
      const pad = multiple ? Math.ceil(p / multiple) * multiple - p : 0;
      length = pad === 0 ? multiple : pad;
      break;
    }
    case "section_padding":
      length = h.sectionPadding(section, pos);
      break;
  }
  return new PaddingAccessor(h, s.c, s.n, s.flags ?? 0, pos, Math.max(0, length));
}

/** The accessor a coded-key statement makes at byte `pos`. */
export function createCoded(h: CodedContext, s: GenStatement, pos: number, section: SectionRecord): Accessor {
  const flags = s.flags ?? 0;
  switch (s.c) {
    case "unsigned":
    case "signed":
    case "codetable":
    case "codeflag":
    case "section_length":
      return numberTyped(h, s, pos);
    case "g1_message_length":
    case "g1_section4_length":
      return new Grib1LengthAccessor(h, s.c, s.n, flags, pos, s.len, () =>
        s.c === "g1_message_length" ? grib1Lengths(h).total : grib1Lengths(h).section4,
      );
    case "bit":
      return new BitAccessor(
        h,
        s.n,
        s.ns,
        flags,
        pos,
        argumentName(s.args?.[0]) ?? "",
        h.evaluateLong(s.args![1]!),
      );
    case "ascii":
      return new AsciiAccessor(h, "ascii", s.n, s.ns, flags, pos, s.len);
    case "ksec1expver":
      return new ExpverAccessor(h, "ksec1expver", s.n, s.ns, flags, pos, s.len);
    case "bytes":
      return new BytesAccessor(h, "bytes", s.n, s.ns, flags, pos, s.len);
    case "ieeefloat":
      return new IeeeFloatAccessor(h, "ieeefloat", s.n, s.ns, flags, pos, 4, arrayCount(h, s));
    case "ibmfloat":
      return new IbmFloatAccessor(h, "ibmfloat", s.n, s.ns, flags, pos, 4, arrayCount(h, s));
    case "position":
      return new PositionAccessor(h, s.n, s.ns, flags, pos);
    case "label":
      return new PaddingAccessor(h, "label", s.n, flags, pos, 0);
    case "pad":
    case "padto":
    case "padtoeven":
    case "padtomultiple":
    case "section_padding":
      return padding(h, s, pos, section);
    case "g1_half_byte_codeflag":
      return new HalfByteAccessor(h, s.n, s.ns, flags, pos);
    case "unsigned_bits":
    case "signed_bits": {
      const count = arrayCount(h, s);
      return new BitFieldAccessor(h, s.c, s.n, flags, pos, pos * 8, s.len, Math.ceil((s.len * count) / 8));
    }
    case "getenv":
      return new DefaultStringAccessor(h, s.n, flags, pos, s.args?.[1] ? evaluateString(s.args[1], h) : "");
  }
  return new UnsupportedAccessor(h, s.c, s.n, pos);
}

/** `lookup[n] name(offset)`. */
export function createLookup(h: CodedContext, name: string, pos: number, at: number, size: number): Accessor {
  return new LookupAccessor(h, name, pos, at, size);
}
