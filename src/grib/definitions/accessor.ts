// A key of a message, as ecCodes' accessors model them: where its bytes are (coded keys) or how it is
// computed (meta keys, concepts, constants), its native type, and its value as a whole number, a
// double, a string, or an array. The default conversions between them follow ecCodes' base classes
// (a long key prints with "%ld", a double with "%g", a key that can be missing prints MISSING).
import { formatG } from "../format.ts";
import { FLAG } from "./ast.ts";

/** ecCodes' GRIB_MISSING_LONG and GRIB_MISSING_DOUBLE. */
export const MISSING_LONG = 2147483647;
export const MISSING_DOUBLE = -1e100;

export type NativeType = "long" | "double" | "string" | "bytes" | "label" | "section";

export type KeyErrorCode =
  | "not_found"
  | "decoding"
  | "not_implemented"
  | "array_too_small"
  | "wrong_conversion"
  | "concept_no_match"
  | "value_cannot_be_missing"
  | "invalid_argument"
  | "wrong_step_unit";

/** A key that cannot give a value: ecCodes' error codes, with the key and why. */
export class KeyError extends Error {
  override name = "KeyError";
  readonly code: KeyErrorCode;
  readonly key: string;
  constructor(code: KeyErrorCode, key: string, message: string) {
    super(message);
    this.code = code;
    this.key = key;
  }
}

/** What an accessor needs of the message it belongs to. */
export interface AccessorHost {
  readonly bytes: Uint8Array;
  long(name: string): number;
  double(name: string): number;
  string(name: string): string;
  find(name: string): Accessor | undefined;
  setLong(name: string, value: number): void;
}

/** A double as ecCodes prints it ("%g"). */
export const printG = formatG;

export abstract class Accessor {
  readonly name: string;
  readonly namespace: string | undefined;
  flags: number;
  /** Byte offset in the message. */
  readonly offset: number;
  /** Length in bytes (0 for computed keys). */
  length = 0;
  readonly host: AccessorHost;
  /** ecCodes' accessor class name. */
  abstract readonly cls: string;
  constructor(
    host: AccessorHost,
    name: string,
    namespace: string | undefined,
    flags: number,
    offset: number,
  ) {
    this.host = host;
    this.name = name;
    this.namespace = namespace;
    this.flags = flags;
    this.offset = offset;
  }

  has(flag: keyof typeof FLAG): boolean {
    return (this.flags & FLAG[flag]) !== 0;
  }

  nativeType(): NativeType {
    return "long";
  }

  /** Number of values (1 for a scalar). */
  count(): number {
    return 1;
  }

  long(): number {
    if (this.nativeType() === "double") return Math.trunc(this.double());
    throw this.unsupported("a whole number");
  }

  double(): number {
    return this.long();
  }

  string(): string {
    const type = this.nativeType();
    if (type === "double") {
      const v = this.double();
      return v === MISSING_DOUBLE && this.has("can_be_missing") ? "MISSING" : printG(v);
    }
    const v = this.long();
    return v === MISSING_LONG && this.has("can_be_missing") ? "MISSING" : String(v);
  }

  longs(): number[] {
    if (this.count() !== 1) throw this.unsupported("an array of whole numbers");
    return [this.long()];
  }

  doubles(): number[] | Float64Array {
    if (this.count() !== 1) return this.longs();
    return [this.double()];
  }

  /** Element `i` of doubles() (undefined past its end); an array key may compute only what that needs. */
  doubleAt(i: number): number | undefined {
    return this.doubles()[i];
  }

  /**
   * The bytes of the message this key reads itself, other keys aside (undefined: bytes it cannot name,
   * such as the data, the file position or other keys' bits). A layout's fingerprint is made of them.
   */
  ownBytes(): readonly [offset: number, length: number] | undefined {
    return [this.offset, this.length];
  }

  /** ecCodes' is_missing: the coded bytes are all ones (the tools ask only keys that can be missing). */
  isMissing(): boolean {
    if (this.length === 0) return false;
    const b = this.host.bytes;
    for (let i = 0; i < this.length; i++) if (b[this.offset + i] !== 0xff) return false;
    return true;
  }

  protected unsupported(what: string): KeyError {
    return new KeyError("not_implemented", this.name, `${this.name} (${this.cls}) cannot be read as ${what}`);
  }

  protected tooSmall(): KeyError {
    return new KeyError(
      "array_too_small",
      this.name,
      `Wrong size (1) for ${this.name}, it contains ${this.count()} values`,
    );
  }
}

/** A key ecCodes computes as a whole number. */
export abstract class LongAccessor extends Accessor {
  abstract override long(): number;
}

/** A key ecCodes computes as a double. */
export abstract class DoubleAccessor extends Accessor {
  override nativeType(): NativeType {
    return "double";
  }
  abstract override double(): number;
  override long(): number {
    return Math.trunc(this.double());
  }
}

/** A key ecCodes computes as a string; its numeric value is the string's leading number. */
export abstract class StringAccessor extends Accessor {
  override nativeType(): NativeType {
    return "string";
  }
  abstract override string(): string;
  override long(): number {
    const s = this.string();
    const m = /^\s*[-+]?\d+/.exec(s);
    if (!m || m[0].length !== s.length) {
      throw new KeyError("wrong_conversion", this.name, `${this.name}: "${s}" is not a whole number`);
    }
    return Number(m[0]);
  }
  override double(): number {
    const v = Number.parseFloat(this.string());
    if (Number.isNaN(v)) throw new KeyError("wrong_conversion", this.name, `${this.name} is not a number`);
    return v;
  }
}
