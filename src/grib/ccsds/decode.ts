// CCSDS 121.0-B adaptive entropy decoder, bit-compatible with libaec (as ecCodes uses it for GRIB2
// template 5.42). Two passes: entropy-decode the mapped residuals of every block into a Uint32Array, then
// undo the unit-delay predictor per reference sample interval while scaling into the Float64Array.
import {
  AEC_DATA_PREPROCESS,
  AEC_DATA_SIGNED,
  AEC_PAD_RSI,
  CcsdsError,
  type CcsdsOptions,
  idLength,
  validateOptions,
} from "./options.ts";

/** Zero-block fundamental sequence meaning "the rest of the segment" (remainder of segment). */
const ROS = 5;
/** Largest second-extension code libaec accepts. */
const SE_TABLE_SIZE = 90;
// Bytes of zero padding after the stream: the most one block can read past the end between checks.
const PAD = 1024;

// second-extension table: code m -> pair (first, second); m = (a+b)(a+b+1)/2 + b
const SE_FIRST = new Int32Array(SE_TABLE_SIZE + 1);
const SE_SECOND = new Int32Array(SE_TABLE_SIZE + 1);
for (let sum = 0, m = 0; sum < 13; sum++) {
  for (let b = 0; b <= sum && m <= SE_TABLE_SIZE; b++, m++) {
    SE_FIRST[m] = sum - b;
    SE_SECOND[m] = b;
  }
}

/**
 * Decode `count` samples from a CCSDS stream, writing `ref + scale * sample` into `out` (the raw samples
 * with the defaults) and returning its first `count` values. Throws CcsdsError on a malformed or truncated
 * stream.
 */
export function ccsdsDecode(
  data: Uint8Array,
  count: number,
  options: CcsdsOptions,
  out?: Float64Array,
  ref = 0,
  scale = 1,
): Float64Array {
  validateOptions(options);
  if (out && out.length < count) throw new RangeError("ccsdsDecode: output array too small");
  if (count === 0) return out ? out.subarray(0, 0) : new Float64Array(0);
  // The residuals (whole blocks) live as 32-bit integers in the upper half of the values' own buffer:
  // writing value i (bytes 8i..8i+7) never reaches residual j > i (bytes 4(total+j)...), so the field
  // needs no second array of its size. A caller's array holding whole blocks serves as that buffer.
  const total = Math.ceil(count / options.blockSize) * options.blockSize;
  const values = out && out.length >= total ? out : new Float64Array(total);
  const mapped = new Uint32Array(values.buffer, values.byteOffset + total * 4, total);
  decodeResiduals(data, count, options, mapped);
  postprocess(mapped, count, options, values, ref, scale);
  if (out && values !== out) out.set(values.subarray(0, count));
  return (out ?? values).subarray(0, count);
}

/** Entropy decoding: the (mapped) samples of every block, whole blocks (so possibly beyond `count`). */
export function decodeResiduals(
  data: Uint8Array,
  count: number,
  options: CcsdsOptions,
  mapped: Uint32Array = new Uint32Array(Math.ceil(count / options.blockSize) * options.blockSize),
): Uint32Array {
  const n = options.bitsPerSample;
  const J = options.blockSize;
  const flags = options.flags;
  const pp = (flags & AEC_DATA_PREPROCESS) !== 0;
  const padRsi = (flags & AEC_PAD_RSI) !== 0;
  const idLen = idLength(n, flags);
  const idUncompressed = (1 << idLen) - 1;
  const rsiSamples = options.rsi * J;
  const total = Math.ceil(count / J) * J;
  if (mapped.length < total) throw new RangeError("decodeResiduals: residual array too small");

  const buf = new Uint8Array(data.length + PAD);
  buf.set(data);
  const endBit = data.length * 8;
  if (endBit >= 2 ** 32 - PAD * 8) throw new CcsdsError("stream too large", 0);

  let pos = 0;
  let o = 0;
  let rsiStart = 0;
  let rsiEnd = Math.min(rsiSamples, total);
  // one flat loop over the blocks, each kind of block decoded by a function of its own: V8 optimises
  // those whole, where loops nested here were compiled on stack replacement and dropped at every exit
  while (o < total) {
    if (o === rsiEnd) {
      if (padRsi) pos = Math.ceil(pos / 8) * 8;
      rsiStart = o;
      rsiEnd = Math.min(rsiStart + rsiSamples, total);
    }
    const blockStart = o;
    const hasRef = pp && o === rsiStart ? 1 : 0;
    const id = readBits(buf, pos, idLen);
    pos += idLen;
    if (id === 0) {
      // low entropy: one selector bit, then the reference sample, then a zero run or second extension
      const sel = (buf[pos >>> 3]! >>> (7 - (pos & 7))) & 1;
      pos += 1;
      if (hasRef) {
        mapped[o++] = readBits(buf, pos, n);
        pos += n;
      }
      if (sel === 0) {
        const fs = readFs(buf, pos, endBit);
        pos += fs + 1;
        let zeroBlocks = fs + 1;
        if (zeroBlocks === ROS) {
          const b = (blockStart - rsiStart) / J;
          zeroBlocks = Math.min(options.rsi - b, 64 - (b % 64));
        } else if (zeroBlocks > ROS) {
          zeroBlocks--;
        }
        const end = blockStart + zeroBlocks * J;
        if (end > rsiEnd && end > total) {
          // libaec would write past the end of the output: only legal at the very end of the data
          mapped.fill(0, o, total);
          o = total;
        } else {
          if (end > rsiEnd)
            throw new CcsdsError(`zero-block run of ${zeroBlocks} blocks crosses the RSI end`, pos >>> 3);
          mapped.fill(0, o, end);
          o = end;
        }
      } else {
        pos = secondExtension(buf, pos, endBit, mapped, o, J - hasRef);
        o = blockStart + J;
      }
    } else if (id === idUncompressed) {
      pos = uncompressed(buf, pos, n, mapped, o, J);
      o += J;
    } else {
      // split sample option k: J fundamental sequences (high parts), then J k-bit low parts
      if (hasRef) {
        mapped[o++] = readBits(buf, pos, n);
        pos += n;
      }
      pos = splitSample(buf, pos, endBit, mapped, o, blockStart + J, id - 1);
      o = blockStart + J;
    }
    if (pos > endBit) {
      throw new CcsdsError(
        `stream ends inside block ${blockStart / J} (needs bit ${pos}, has ${endBit})`,
        data.length,
      );
    }
  }
  return mapped;
}

/** A second-extension block: pairs coded by one fundamental sequence each. Returns the bit after it. */
function secondExtension(
  buf: Uint8Array,
  start: number,
  endBit: number,
  mapped: Uint32Array,
  from: number,
  samples: number,
): number {
  let pos = start;
  let o = from;
  // a block after a reference sample starts with the second of a pair
  let i = samples & 1;
  const end = from + samples;
  while (o < end) {
    const m = readFs(buf, pos, endBit);
    pos += m + 1;
    if (m > SE_TABLE_SIZE)
      throw new CcsdsError(`second-extension code ${m} exceeds ${SE_TABLE_SIZE}`, pos >>> 3);
    if ((i & 1) === 0) {
      mapped[o++] = SE_FIRST[m]!;
      i++;
    }
    mapped[o++] = SE_SECOND[m]!;
    i++;
  }
  return pos;
}

/** A block of `J` samples of `n` bits as they stand. Returns the bit after it. */
function uncompressed(
  buf: Uint8Array,
  start: number,
  n: number,
  mapped: Uint32Array,
  o: number,
  J: number,
): number {
  let pos = start;
  for (let i = 0; i < J; i++) {
    mapped[o + i] = readBits(buf, pos, n);
    pos += n;
  }
  return pos;
}

/**
 * A split-sample block (option k): the high parts of samples `first` to `last` as fundamental
 * sequences, then their k-bit low parts. Returns the bit after it.
 */
function splitSample(
  buf: Uint8Array,
  start: number,
  endBit: number,
  mapped: Uint32Array,
  first: number,
  last: number,
  k: number,
): number {
  let pos = start;
  // a 32-bit window (left-aligned, `avail` valid bits) decodes several codes per reload
  let w = peek32(buf, pos);
  let avail = 32;
  for (let o = first; o < last; o++) {
    const z = Math.clz32(w);
    if (z < avail) {
      mapped[o] = z;
      pos += z + 1;
      avail -= z + 1;
      w = avail > 0 ? w << (z + 1) : 0;
    } else {
      const fs = readFs(buf, pos, endBit);
      mapped[o] = fs;
      pos += fs + 1;
      avail = 0;
    }
    if (avail < 16) {
      w = peek32(buf, pos);
      avail = 32;
    }
  }
  if (k === 0) return pos;
  const kShift = 32 - k;
  avail = 0;
  for (let i = first; i < last; i++) {
    if (avail < k) {
      w = peek32(buf, pos);
      avail = 32;
    }
    mapped[i] = (mapped[i]! << k) | (w >>> kShift);
    w <<= k;
    avail -= k;
    pos += k;
  }
  return pos;
}

/** The 32 bits at bit `pos`, left-aligned (bytes past the stream are its zero padding). */
function peek32(buf: Uint8Array, pos: number): number {
  const p = pos >>> 3;
  const s = pos & 7;
  const w = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
  return s ? (w << s) | (buf[p + 4]! >>> (8 - s)) : w;
}

function readBits(buf: Uint8Array, pos: number, n: number): number {
  const p = pos >>> 3;
  const s = pos & 7;
  let w = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
  if (s) w = (w << s) | (buf[p + 4] >>> (8 - s));
  return w >>> (32 - n);
}

/** Length of the fundamental sequence (zeros before the next one bit) at `pos`. */
function readFs(buf: Uint8Array, start: number, endBit: number): number {
  let pos = start;
  for (;;) {
    const p = pos >>> 3;
    const s = pos & 7;
    let w = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
    if (s) w = (w << s) | (buf[p + 4] >>> (8 - s));
    if (w !== 0) return pos - start + Math.clz32(w);
    pos += 32;
    if (pos > endBit) throw new CcsdsError("stream ends inside a fundamental sequence", endBit >>> 3);
  }
}

/** Undo the predictor (when preprocessed) and sign (when signed), scaling into `out`. */
function postprocess(
  mapped: Uint32Array,
  count: number,
  options: CcsdsOptions,
  out: Float64Array,
  ref: number,
  scale: number,
): void {
  const n = options.bitsPerSample;
  const signed = (options.flags & AEC_DATA_SIGNED) !== 0;
  const pp = (options.flags & AEC_DATA_PREPROCESS) !== 0;
  const signBit = 2 ** (n - 1);
  const range = 2 ** n;
  if (!pp) {
    if (signed) {
      for (let i = 0; i < count; i++) {
        const v = mapped[i];
        out[i] = ref + scale * (v >= signBit ? v - range : v);
      }
    } else {
      for (let i = 0; i < count; i++) out[i] = ref + scale * mapped[i];
    }
    return;
  }
  const rsiSamples = options.rsi * options.blockSize;
  if (!signed && n <= 30) {
    // integer fast path: x in [0, xmax], theta = min(x, xmax - x)
    const xmax = (1 << n) - 1;
    const top = n - 1; // x >= 2^(n-1): the upper bound is the nearer one
    for (let start = 0; start < count; start += rsiSamples) {
      const end = Math.min(start + rsiSamples, count);
      let x = mapped[start];
      out[start] = ref + scale * x;
      for (let i = start + 1; i < end; i++) {
        const d = mapped[i];
        const mask = -(x >>> top) & xmax;
        // |delta| <= theta: x +/- ceil(d/2) (odd d is negative, as libaec's (d >> 1) ^ ~((d & 1) - 1));
        // otherwise the value lies beyond the nearer bound
        if ((d + 1) >>> 1 <= (mask ^ x)) x += (d >>> 1) ^ -(d & 1);
        else x = mask ^ d;
        out[i] = ref + scale * x;
      }
    }
    return;
  }
  const xmin = signed ? -signBit : 0;
  const xmax = signed ? signBit - 1 : range - 1;
  for (let start = 0; start < count; start += rsiSamples) {
    const end = Math.min(start + rsiSamples, count);
    let x = mapped[start];
    if (signed && x >= signBit) x -= range;
    out[start] = ref + scale * x;
    for (let i = start + 1; i < end; i++) {
      const d = mapped[i];
      const lower = x - xmin;
      const upper = xmax - x;
      const theta = lower < upper ? lower : upper;
      if (d <= 2 * theta) {
        x = d % 2 === 1 ? x - (d + 1) / 2 : x + d / 2;
      } else if (lower <= upper) {
        x = xmin + d;
      } else {
        x = xmax - d;
      }
      out[i] = ref + scale * x;
    }
  }
}
