// Keys coded in the message's bytes (ecCodes' "gen" accessor classes): unsigned and sign-magnitude
// integers, code and flag tables, IEEE and IBM floats, ASCII and raw bytes, and the structural pieces
// (section lengths, padding, positions). Their value is read from the bytes when asked.
import { ibmFloatFromBits, readIeeeFloat32, readIeeeFloat64, readUnsigned } from "../bits.ts";
import { Accessor, type AccessorHost, KeyError, MISSING_LONG, type NativeType } from "./accessor.ts";
import type { CodeTableRow } from "./ast.ts";

/** A key coded in the message: n bytes at `offset`, `count` of them for arrays. */
export class CodedAccessor extends Accessor {
  readonly cls: string;
  /** Bytes per value. */
  readonly size: number;
  protected readonly values: number;
  constructor(
    host: AccessorHost,
    cls: string,
    name: string,
    ns: string | undefined,
    flags: number,
    offset: number,
    size: number,
    count = 1,
  ) {
    super(host, name, ns, flags, offset);
    this.cls = cls;
    this.size = size;
    this.values = count;
    this.length = size * count;
  }

  override count(): number {
    return this.values;
  }

  protected raw(i = 0): number {
    const at = this.offset + i * this.size;
    if (at + this.size > this.host.bytes.length) {
      throw new KeyError(
        "decoding",
        this.name,
        `${this.name} at byte ${at} runs past the end of the message`,
      );
    }
    return readUnsigned(this.host.bytes, at, this.size);
  }
}

/** ecCodes' "unsigned" (and the classes built on it): big-endian unsigned integers. */
export class UnsignedAccessor extends CodedAccessor {
  override long(): number {
    if (this.values !== 1) throw this.tooSmall();
    return this.decode(0);
  }

  protected decode(i: number): number {
    const v = this.raw(i);
    if (this.has("can_be_missing") && this.size <= 4 && v === 2 ** (8 * this.size) - 1) return MISSING_LONG;
    return v;
  }

  override longs(): number[] {
    const out = new Array<number>(this.values);
    for (let i = 0; i < this.values; i++) out[i] = this.decode(i);
    return out;
  }

  override doubles(): number[] {
    return this.longs();
  }
}

/** ecCodes' "signed": sign and magnitude, the top bit being the sign. */
export class SignedAccessor extends UnsignedAccessor {
  protected override decode(i: number): number {
    const v = this.raw(i);
    const sign = 2 ** (8 * this.size - 1);
    return v >= sign ? -(v - sign) : v;
  }
}

/** A table of codes, as the codetable key needs it: abbreviation, title and units by code. */
export interface CodeTable {
  /** The files the table was read from (master, then local), as ecCodes names them. */
  files: string[];
  rows: Map<number, CodeTableRow>;
}

/** ecCodes' "codetable": an unsigned code whose string is the table's abbreviation. */
export class CodetableAccessor extends UnsignedAccessor {
  private table: CodeTable | null | undefined;
  private readonly loadTable: () => CodeTable | null;
  constructor(
    host: AccessorHost,
    name: string,
    ns: string | undefined,
    flags: number,
    offset: number,
    size: number,
    loadTable: () => CodeTable | null,
  ) {
    super(host, "codetable", name, ns, flags, offset, size);
    this.loadTable = loadTable;
  }

  codeTable(): CodeTable | null {
    if (this.table === undefined) this.table = this.loadTable();
    return this.table;
  }

  /** The table's row for the current value, if any. */
  entry(): CodeTableRow | undefined {
    const v = this.long();
    if (v < 0 || v >= 2 ** (8 * this.size)) return undefined;
    return this.codeTable()?.rows.get(v);
  }

  override nativeType(): NativeType {
    return this.has("string_type") ? "string" : "long";
  }

  override string(): string {
    const row = this.entry();
    return row ? row[1] : String(this.long());
  }

  /** The code whose abbreviation is `abbreviation` (setting by name, as `-s stepUnits=m`). */
  codeOf(abbreviation: string): number | undefined {
    for (const [code, row] of this.codeTable()?.rows ?? []) if (row[1] === abbreviation) return code;
    return undefined;
  }
}

/** A codetable, flag table or unsigned key declared `transient`: no bytes, a value held in memory. */
export class TransientCodeAccessor extends CodetableAccessor {
  private value: number;
  private missing = false;
  constructor(
    host: AccessorHost,
    name: string,
    ns: string | undefined,
    flags: number,
    offset: number,
    size: number,
    value: number,
    loadTable: () => CodeTable | null,
  ) {
    super(host, name, ns, flags, offset, size, loadTable);
    this.length = 0;
    this.value = value;
  }
  override long(): number {
    return this.value;
  }
  override isMissing(): boolean {
    return this.missing;
  }
  set(value: number): void {
    this.value = value;
    this.missing = false;
  }
}

/** ecCodes' "bit" (flagbit): one bit of another key's value. */
export class BitAccessor extends Accessor {
  readonly cls = "bit";
  private readonly owner: string;
  private readonly bit: number;
  constructor(
    host: AccessorHost,
    name: string,
    ns: string | undefined,
    flags: number,
    offset: number,
    owner: string,
    bit: number,
  ) {
    super(host, name, ns, flags, offset);
    this.owner = owner;
    this.bit = bit;
  }
  override long(): number {
    return Math.floor(this.host.long(this.owner) / 2 ** this.bit) % 2;
  }
}

/** ecCodes' "ascii": n characters. */
export class AsciiAccessor extends CodedAccessor {
  override nativeType(): NativeType {
    return "string";
  }
  override string(): string {
    let s = "";
    for (let i = 0; i < this.length; i++) {
      const c = this.host.bytes[this.offset + i] ?? 0;
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  }
  override long(): number {
    const s = this.string();
    if (!/^\s*[-+]?\d+$/.test(s))
      throw new KeyError("wrong_conversion", this.name, `${this.name}: "${s}" is not a number`);
    return Number(s);
  }
  override double(): number {
    return this.long();
  }
}

/** ecCodes' "bytes": raw octets, printed in hexadecimal. */
export class BytesAccessor extends CodedAccessor {
  override nativeType(): NativeType {
    return "bytes";
  }
  override string(): string {
    let s = "";
    for (let i = 0; i < this.length; i++)
      s += (this.host.bytes[this.offset + i] ?? 0).toString(16).padStart(2, "0");
    return s;
  }
}

/** ecCodes' "ieeefloat": 4-byte IEEE floats, big-endian (8 bytes when declared so). */
export class IeeeFloatAccessor extends CodedAccessor {
  override nativeType(): NativeType {
    return "double";
  }
  override double(): number {
    if (this.values !== 1) throw this.tooSmall();
    return this.decode(0);
  }
  override long(): number {
    return Math.trunc(this.double());
  }
  private decode(i: number): number {
    const at = this.offset + i * this.size;
    if (at + this.size > this.host.bytes.length) {
      throw new KeyError(
        "decoding",
        this.name,
        `${this.name} at byte ${at} runs past the end of the message`,
      );
    }
    return this.size === 8 ? readIeeeFloat64(this.host.bytes, at) : readIeeeFloat32(this.host.bytes, at);
  }
  override doubles(): number[] {
    const out = new Array<number>(this.values);
    for (let i = 0; i < this.values; i++) out[i] = this.decode(i);
    return out;
  }
}

/** ecCodes' "ibmfloat": IBM System/360 single precision (GRIB1's reference values). */
export class IbmFloatAccessor extends CodedAccessor {
  override nativeType(): NativeType {
    return "double";
  }
  override double(): number {
    if (this.values !== 1) throw this.tooSmall();
    return ibmFloatFromBits(this.raw(0));
  }
  override long(): number {
    return Math.trunc(this.double());
  }
  override doubles(): number[] {
    const out = new Array<number>(this.values);
    for (let i = 0; i < this.values; i++) out[i] = ibmFloatFromBits(this.raw(i));
    return out;
  }
}

/** ecCodes' "position": the byte offset where it stands. */
export class PositionAccessor extends Accessor {
  readonly cls = "position";
  override long(): number {
    return this.offset;
  }
}

/** Structural bytes with no value of their own (padding, labels). */
export class PaddingAccessor extends Accessor {
  readonly cls: string;
  constructor(host: AccessorHost, cls: string, name: string, flags: number, offset: number, length: number) {
    super(host, name, undefined, flags, offset);
    this.cls = cls;
    this.length = length;
  }
  override nativeType(): NativeType {
    return this.cls === "label" ? "label" : "bytes";
  }
  override string(): string {
    let s = "";
    for (let i = 0; i < this.length; i++)
      s += (this.host.bytes[this.offset + i] ?? 0).toString(16).padStart(2, "0");
    return s;
  }
  override long(): number {
    throw this.unsupported("a whole number");
  }
}

/** ecCodes' "lookup": n bytes read at an offset from where it stands, taking no room. */
export class LookupAccessor extends Accessor {
  readonly cls = "lookup";
  private readonly at: number;
  private readonly size: number;
  constructor(host: AccessorHost, name: string, offset: number, at: number, size: number) {
    super(host, name, undefined, 0, offset);
    this.at = at;
    this.size = size;
  }
  override ownBytes(): readonly [number, number] {
    return [this.offset + this.at, this.size];
  }
  override long(): number {
    const p = this.offset + this.at;
    if (p + this.size > this.host.bytes.length) return 0;
    return readUnsigned(this.host.bytes, p, this.size);
  }
}

/** ecCodes' "g1_half_byte_codeflag": the low four bits of the octet it stands in. */
export class HalfByteAccessor extends Accessor {
  readonly cls = "g1_half_byte_codeflag";
  override ownBytes(): readonly [number, number] {
    return [this.offset, 1];
  }
  override long(): number {
    return (this.host.bytes[this.offset] ?? 0) & 0x0f;
  }
}

/** A GRIB1 length of which a "large message" flag changes the meaning (ecCodes' g1_message_length and g1_section4_length). */
export class Grib1LengthAccessor extends UnsignedAccessor {
  private readonly real: () => number;
  constructor(
    host: AccessorHost,
    cls: string,
    name: string,
    flags: number,
    offset: number,
    size: number,
    real: (raw: number) => number,
  ) {
    super(host, cls, name, undefined, flags, offset, size);
    this.real = () => real(this.raw(0));
  }
  override long(): number {
    return this.real();
  }
}

/** ecCodes' "bits"-wide unsigned and signed keys (`unsigned(12) x`): a bit field at a bit offset. */
export class BitFieldAccessor extends Accessor {
  readonly cls: string;
  private readonly bitOffset: number;
  private readonly bits: number;
  constructor(
    host: AccessorHost,
    cls: string,
    name: string,
    flags: number,
    offset: number,
    bitOffset: number,
    bits: number,
    length: number,
  ) {
    super(host, name, undefined, flags, offset);
    this.cls = cls;
    this.bitOffset = bitOffset;
    this.bits = bits;
    this.length = length;
  }
  override ownBytes(): readonly [number, number] {
    const first = this.bitOffset >> 3;
    return [first, ((this.bitOffset + this.bits + 7) >> 3) - first];
  }
  override long(): number {
    let v = 0;
    for (let i = 0; i < this.bits; i++) {
      const p = this.bitOffset + i;
      v = v * 2 + (((this.host.bytes[p >> 3] ?? 0) >> (7 - (p & 7))) & 1);
    }
    if (this.cls === "signed_bits") {
      const sign = 2 ** (this.bits - 1);
      return v >= sign ? -(v - sign) : v;
    }
    return v;
  }
}

/** ecCodes' ksec1expver: the experiment version, 4 characters (or its number when not printable). */
export class ExpverAccessor extends AsciiAccessor {
  override string(): string {
    const b = this.host.bytes.subarray(this.offset, this.offset + this.length);
    if (b.every((c) => c >= 0x20 && c < 0x7f)) return super.string();
    return String(readUnsigned(this.host.bytes, this.offset, this.length)).padStart(4, "0");
  }
}
