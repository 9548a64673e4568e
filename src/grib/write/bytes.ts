// A growable big-endian byte builder for writing GRIB sections.
import { ieeeFloat32Bits, writeSignMagnitude, writeUnsigned } from "../bits.ts";

export class ByteBuilder {
  private buf = new Uint8Array(256);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  /** Unsigned integer of `nBytes` bytes. */
  u(nBytes: number, value: number): this {
    this.ensure(nBytes);
    writeUnsigned(this.buf, this.length, nBytes, value);
    this.length += nBytes;
    return this;
  }
  /** All-ones ("missing") field of `nBytes` bytes. */
  missing(nBytes: number): this {
    this.ensure(nBytes);
    this.buf.fill(0xff, this.length, this.length + nBytes);
    this.length += nBytes;
    return this;
  }
  /** Sign-magnitude integer of `nBytes` bytes. */
  s(nBytes: number, value: number): this {
    this.ensure(nBytes);
    writeSignMagnitude(this.buf, this.length, nBytes, value);
    this.length += nBytes;
    return this;
  }
  f32(value: number): this {
    return this.u(4, ieeeFloat32Bits(value));
  }
  bytes(data: Uint8Array): this {
    this.ensure(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
    return this;
  }
  ascii(text: string): this {
    for (let i = 0; i < text.length; i++) this.u(1, text.charCodeAt(i));
    return this;
  }
  /** Overwrite an unsigned integer at `offset`. */
  setU(offset: number, nBytes: number, value: number): void {
    writeUnsigned(this.buf, offset, nBytes, value);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Concatenate byte arrays. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Round degrees to integer units of 10^-`digits` degrees (GRIB2 micro-degrees: 6, GRIB1 milli: 3). */
export function scaledDegrees(degrees: number, digits: number): number {
  return Math.round(degrees * 10 ** digits);
}

/** Longitude in 0..360 (GRIB2 stores longitudes as unsigned). */
export function positiveLongitude(degrees: number): number {
  const l = degrees % 360;
  return l < 0 ? l + 360 : l;
}
