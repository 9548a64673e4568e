// Big-endian bit-level primitives for GRIB: bulk unpacking of N-bit unsigned integers (the decoder's
// hot loop), sign-magnitude integers, IBM System/360 32-bit floats (GRIB1 reference values) and IEEE
// floats, plus the writing counterparts.

/** Thrown when a read or write would run past the end of the bytes it was given. */
export class GribBitsError extends Error {
  override name = "GribBitsError";
  /** Byte offset (within the buffer passed in) where the problem was found. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

// ---------------------------------------------------------------------------------------------------
// Scalars

/** Unsigned big-endian integer of `nBytes` (1..6) bytes at `offset`. */
export function readUnsigned(buf: Uint8Array, offset: number, nBytes: number): number {
  if (offset < 0 || offset + nBytes > buf.length) {
    throw new GribBitsError(`read of ${nBytes} bytes at offset ${offset} runs past ${buf.length}`, offset);
  }
  let v = 0;
  for (let i = 0; i < nBytes; i++) v = v * 256 + buf[offset + i];
  return v;
}

/** GRIB sign-magnitude integer: the top bit is the sign, the rest the magnitude (1..6 bytes). */
export function readSignMagnitude(buf: Uint8Array, offset: number, nBytes: number): number {
  const raw = readUnsigned(buf, offset, nBytes);
  const signBit = 2 ** (8 * nBytes - 1);
  return raw >= signBit ? -(raw - signBit) : raw;
}

/** True when every byte of the field is 0xff (GRIB's "missing" for integer keys). */
export function isAllOnes(buf: Uint8Array, offset: number, nBytes: number): boolean {
  for (let i = 0; i < nBytes; i++) if (buf[offset + i] !== 0xff) return false;
  return true;
}

export function writeUnsigned(buf: Uint8Array, offset: number, nBytes: number, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** (8 * nBytes)) {
    throw new RangeError(`${value} does not fit in ${nBytes} unsigned bytes`);
  }
  let v = value;
  for (let i = nBytes - 1; i >= 0; i--) {
    buf[offset + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

export function writeSignMagnitude(buf: Uint8Array, offset: number, nBytes: number, value: number): void {
  const mag = Math.abs(value);
  const signBit = 2 ** (8 * nBytes - 1);
  if (!Number.isInteger(value) || mag >= signBit) {
    throw new RangeError(`${value} does not fit in ${nBytes} sign-magnitude bytes`);
  }
  writeUnsigned(buf, offset, nBytes, value < 0 ? mag + signBit : mag);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u8of64 = new Uint8Array(f64.buffer);
const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE 754 single precision, big-endian. */
export function readIeeeFloat32(buf: Uint8Array, offset: number): number {
  u32[0] = readUnsigned(buf, offset, 4);
  return f32[0];
}

/** IEEE 754 double precision, big-endian. */
export function readIeeeFloat64(buf: Uint8Array, offset: number): number {
  if (offset < 0 || offset + 8 > buf.length) {
    throw new GribBitsError(`read of 8 bytes at offset ${offset} runs past ${buf.length}`, offset);
  }
  for (let i = 0; i < 8; i++) u8of64[littleEndianHost ? 7 - i : i] = buf[offset + i];
  return f64[0];
}

export function writeIeeeFloat32(buf: Uint8Array, offset: number, value: number): void {
  f32[0] = value;
  writeUnsigned(buf, offset, 4, u32[0]);
}

/** The 32 bits of `value` rounded to IEEE single precision. */
export function ieeeFloat32Bits(value: number): number {
  f32[0] = value;
  return u32[0];
}

/** IBM System/360 single-precision float from its 32 bits (GRIB1 reference value). */
export function ibmFloatFromBits(bits: number): number {
  const sign = bits >= 0x80000000 ? -1 : 1;
  const exponent = (bits >>> 24) & 0x7f;
  const mantissa = bits & 0xffffff;
  if (mantissa === 0) return 0;
  return sign * mantissa * 2 ** (4 * (exponent - 64) - 24);
}

export function readIbmFloat(buf: Uint8Array, offset: number): number {
  return ibmFloatFromBits(readUnsigned(buf, offset, 4));
}

/**
 * The 32 bits of the largest IBM float not greater than `value` (as ecCodes'
 * grib_nearest_smaller_ibm_float does for GRIB1 reference values, so that every packed value is >= 0).
 */
export function ibmFloatBitsNotGreater(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return 0;
  const negative = value < 0;
  const a = Math.abs(value);
  // a = m * 16^(e - 64) * 2^-24 with 2^20 <= m < 2^24
  let e = Math.floor(Math.log2(a) / 4) + 1 + 64;
  let m = a * 2 ** (24 - 4 * (e - 64));
  // correct for rounding in log2
  while (m >= 0x1000000) {
    e++;
    m = a * 2 ** (24 - 4 * (e - 64));
  }
  while (m < 0x100000 && e > 0) {
    e--;
    m = a * 2 ** (24 - 4 * (e - 64));
  }
  m = negative ? Math.ceil(m) : Math.floor(m);
  if (m >= 0x1000000) {
    m = Math.ceil(m / 16);
    e++;
  }
  if (e > 127) throw new RangeError(`${value} is too large for an IBM float`);
  if (e < 0) return 0;
  return ((negative ? 0x80000000 : 0) + e * 0x1000000 + m) >>> 0;
}

export function writeIbmFloat(buf: Uint8Array, offset: number, value: number): number {
  const bits = ibmFloatBitsNotGreater(value);
  writeUnsigned(buf, offset, 4, bits);
  return ibmFloatFromBits(bits);
}

// ---------------------------------------------------------------------------------------------------
// Bulk unpacking

type Unpack8 = (
  buf: Uint8Array,
  byteOffset: number,
  groups: number,
  out: Float64Array,
  outOffset: number,
  ref: number,
  bscale: number,
  dscale: number,
) => void;

const unrolled: (Unpack8 | undefined)[] = [];

// For width n, 8 values occupy exactly n bytes. Generate a loop that loads those n bytes into locals and
// builds the 8 values with shifts: no per-value bit bookkeeping, no bounds checks beyond the typed array's.
function unrolledUnpacker(n: number): Unpack8 {
  let fn = unrolled[n];
  if (fn) return fn;
  const lines: string[] = [];
  lines.push("let p = byteOffset, o = outOffset;");
  lines.push("for (let g = 0; g < groups; g++) {");
  for (let j = 0; j < n; j++) lines.push(`const b${j} = buf[p + ${j}];`);
  for (let k = 0; k < 8; k++) {
    const s = k * n;
    const e = s + n;
    const parts: string[] = [];
    for (let j = Math.floor(s / 8); j <= Math.floor((e - 1) / 8); j++) {
      const lo = Math.max(s, 8 * j);
      const hi = Math.min(e, 8 * j + 8);
      const len = hi - lo;
      const rshift = 8 * j + 8 - hi;
      const lshift = e - hi;
      let chunk = `b${j}`;
      if (rshift) chunk = `(${chunk} >>> ${rshift})`;
      if (len < 8 && lo > 8 * j) chunk = `(${chunk} & ${(1 << len) - 1})`;
      if (lshift) chunk = `(${chunk} << ${lshift})`;
      parts.push(chunk);
    }
    let expr = parts.join(" | ");
    if (n === 32) expr = `((${expr}) >>> 0)`;
    lines.push(`out[o + ${k}] = ((${expr}) * bscale + ref) * dscale;`);
  }
  lines.push(`p += ${n}; o += 8;`);
  lines.push("}");
  fn = new Function(
    "buf",
    "byteOffset",
    "groups",
    "out",
    "outOffset",
    "ref",
    "bscale",
    "dscale",
    lines.join("\n"),
  ) as Unpack8;
  unrolled[n] = fn;
  return fn;
}

/**
 * Values of up to 25 bits through a 32-bit window (a value never spans more than 4 bytes when its bit in
 * the byte + nbits <= 32), as long as 4 bytes can be read; returns how many. One loop for every width:
 * V8 optimises it once per process, where a reader compiled per width paid its first, mostly
 * interpreted, call for each width a process meets (tens of milliseconds a field on real data sets).
 */
function unpackWindowed(
  buf: Uint8Array,
  bitOffset: number,
  nbits: number,
  count: number,
  out: Float64Array,
  outOffset: number,
  ref: number,
  bscale: number,
  dscale: number,
): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const shift = 32 - nbits;
  const lastByte = buf.length - 4;
  let byte = Math.floor(bitOffset / 8);
  let bit = bitOffset - byte * 8;
  let i = 0;
  for (; i < count && byte <= lastByte; i++) {
    out[outOffset + i] = (((view.getInt32(byte) << bit) >>> shift) * bscale + ref) * dscale;
    bit += nbits;
    byte += bit >>> 3;
    bit &= 7;
  }
  return i;
}

/** Read one unsigned value of `n` (0..53) bits at absolute bit position `bitPos`; no bounds check. */
export function readBitsAt(buf: Uint8Array, bitPos: number, n: number): number {
  if (n === 0) return 0;
  let byte = Math.floor(bitPos / 8);
  const bit = bitPos - byte * 8;
  // first partial byte
  const avail = 8 - bit;
  let v = buf[byte] & ((1 << avail) - 1);
  if (n <= avail) return v >>> (avail - n);
  let remaining = n - avail;
  byte++;
  while (remaining >= 8) {
    v = v * 256 + buf[byte++];
    remaining -= 8;
  }
  if (remaining > 0) v = v * 2 ** remaining + (buf[byte] >>> (8 - remaining));
  return v;
}

/**
 * Unpack `count` unsigned big-endian values of `nbits` (0..32; up to 53 on a slow path) bits starting at
 * bit `bitOffset` of `buf`, writing `(value * bscale + ref) * dscale` (ecCodes' order:
 * packing/scaling.ts) into `out` from `outOffset`. With the defaults (0, 1, 1) the raw integers are written.
 */
export function unpackBits(
  buf: Uint8Array,
  bitOffset: number,
  nbits: number,
  count: number,
  out: Float64Array = new Float64Array(count),
  outOffset = 0,
  ref = 0,
  bscale = 1,
  dscale = 1,
): Float64Array {
  if (outOffset + count > out.length) throw new RangeError("unpackBits: output array too small");
  if (nbits === 0 || count === 0) {
    out.fill(ref * dscale, outOffset, outOffset + count);
    return out;
  }
  const endBit = bitOffset + nbits * count;
  if (endBit > buf.length * 8) {
    throw new GribBitsError(
      `${count} values of ${nbits} bits from bit ${bitOffset} need ${Math.ceil(endBit / 8)} bytes, have ${buf.length}`,
      buf.length,
    );
  }
  let done = 0;
  if (nbits <= 25) {
    done = unpackWindowed(buf, bitOffset, nbits, count, out, outOffset, ref, bscale, dscale);
  } else if (nbits <= 32 && bitOffset % 8 === 0 && count >= 8) {
    const groups = Math.floor(count / 8);
    unrolledUnpacker(nbits)(buf, bitOffset / 8, groups, out, outOffset, ref, bscale, dscale);
    done = groups * 8;
  }
  let pos = bitOffset + done * nbits;
  for (let i = done; i < count; i++) {
    out[outOffset + i] = (readBitsAt(buf, pos, nbits) * bscale + ref) * dscale;
    pos += nbits;
  }
  return out;
}

/** Sequential big-endian bit reader (for headers and irregular layouts such as complex packing). */
export class BitReader {
  readonly buf: Uint8Array;
  /** Absolute bit position of the next read. */
  pos: number;
  readonly endBit: number;
  constructor(buf: Uint8Array, bitOffset = 0, endByte = buf.length) {
    this.buf = buf;
    this.pos = bitOffset;
    this.endBit = endByte * 8;
  }
  read(n: number): number {
    if (this.pos + n > this.endBit) {
      throw new GribBitsError(
        `bit read of ${n} bits at bit ${this.pos} runs past the end`,
        Math.floor(this.pos / 8),
      );
    }
    const v = readBitsAt(this.buf, this.pos, n);
    this.pos += n;
    return v;
  }
  /** Read `count` values of `n` bits into `out` (from `outOffset`), as `value * scale + ref`. */
  readInto(n: number, count: number, out: Float64Array, outOffset = 0, ref = 0, scale = 1): void {
    if (this.pos + n * count > this.endBit) {
      throw new GribBitsError(
        `${count} values of ${n} bits at bit ${this.pos} run past the end`,
        Math.floor(this.pos / 8),
      );
    }
    unpackBits(this.buf, this.pos, n, count, out, outOffset, ref, scale);
    this.pos += n * count;
  }
  skip(n: number): void {
    this.pos += n;
  }
  /** Move to the next byte boundary. */
  align(): void {
    this.pos = Math.ceil(this.pos / 8) * 8;
  }
  get bytePos(): number {
    return Math.floor(this.pos / 8);
  }
}

// ---------------------------------------------------------------------------------------------------
// Bulk packing

/** Number of bits needed to hold unsigned `v` (0 for 0). */
export function bitWidth(v: number): number {
  if (v <= 0) return 0;
  if (v < 0x100000000) return 32 - Math.clz32(v);
  return Math.floor(Math.log2(v)) + 1;
}

/** Sequential big-endian bit writer that grows as needed. */
export class BitWriter {
  buf: Uint8Array;
  /** Bits written so far. */
  pos = 0;
  constructor(initialBytes = 1024) {
    this.buf = new Uint8Array(Math.max(16, initialBytes));
  }
  private ensure(extraBits: number): void {
    const needBytes = Math.ceil((this.pos + extraBits) / 8) + 8;
    if (needBytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needBytes) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf);
    this.buf = next;
  }
  /** Write the low `n` (0..53) bits of non-negative integer `value`. */
  write(value: number, n: number): void {
    if (n === 0) return;
    this.ensure(n);
    writeBitsAt(this.buf, this.pos, n, value);
    this.pos += n;
  }
  /** Pad with zero bits to the next byte boundary. */
  align(): void {
    this.pos = Math.ceil(this.pos / 8) * 8;
  }
  /** The bytes written (zero-padded to a whole byte); a copy. */
  bytes(): Uint8Array {
    return this.buf.slice(0, Math.ceil(this.pos / 8));
  }
}

/** OR the low `n` bits of `value` into `buf` at bit `bitPos` (the destination bits must be zero). */
export function writeBitsAt(buf: Uint8Array, bitPos: number, n: number, value: number): void {
  let byte = Math.floor(bitPos / 8);
  let bit = bitPos - byte * 8; // bits already used in this byte
  let remaining = n;
  while (remaining > 0) {
    const space = 8 - bit;
    const take = remaining < space ? remaining : space;
    // top `take` bits of the remaining value
    const shift = remaining - take;
    const chunk =
      (shift >= 31 ? Math.floor(value / 2 ** shift) : shift > 0 ? Math.floor(value / (1 << shift)) : value) &
      ((1 << take) - 1);
    buf[byte] |= chunk << (space - take);
    remaining -= take;
    bit += take;
    if (bit === 8) {
      bit = 0;
      byte++;
    }
  }
}

/**
 * Pack `count` non-negative integers (already scaled, each < 2^nbits) from `values` into `out` starting at
 * bit `bitOffset`; `out` must be zeroed and large enough. Returns the bit position after the last value.
 */
export function packBits(
  values: ArrayLike<number>,
  nbits: number,
  out: Uint8Array,
  bitOffset = 0,
  start = 0,
  count = values.length - start,
): number {
  if (nbits === 0) return bitOffset;
  if (Math.ceil((bitOffset + nbits * count) / 8) > out.length) {
    throw new RangeError("packBits: output buffer too small");
  }
  let i = 0;
  let pos = bitOffset;
  if (bitOffset % 8 === 0 && (nbits === 8 || nbits === 16 || nbits === 24 || nbits === 32)) {
    // whole bytes per value
    let p = bitOffset / 8;
    const end = start + count;
    if (nbits === 16) {
      for (let j = start; j < end; j++, p += 2) {
        const v = values[j];
        out[p] = v >>> 8;
        out[p + 1] = v;
      }
    } else {
      const bytes = nbits / 8;
      for (let j = start; j < end; j++, p += bytes) {
        const v = values[j];
        for (let b = bytes - 1, x = v; b >= 0; b--, x = Math.floor(x / 256)) out[p + b] = x;
      }
    }
    return bitOffset + nbits * count;
  }
  if (nbits <= 24 && bitOffset % 8 === 0) {
    // accumulate into a 32-bit register, flush whole bytes
    let acc = 0;
    let accBits = 0;
    let byte = bitOffset / 8;
    for (; i < count; i++) {
      acc = (acc << nbits) | values[start + i];
      accBits += nbits;
      while (accBits >= 8) {
        accBits -= 8;
        out[byte++] = acc >>> accBits;
      }
      acc &= (1 << accBits) - 1;
    }
    if (accBits > 0) out[byte] = acc << (8 - accBits);
    return bitOffset + nbits * count;
  }
  for (; i < count; i++) {
    writeBitsAt(out, pos, nbits, values[start + i]);
    pos += nbits;
  }
  return pos;
}
