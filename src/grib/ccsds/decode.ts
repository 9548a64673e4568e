// CCSDS 121.0-B adaptive entropy decoder, bit-compatible with libaec (as ecCodes uses it for GRIB2
// template 5.42). One reference sample interval (RSI) at a time: entropy-decode its blocks' mapped
// residuals into a small scratch array, then undo the unit-delay predictor while scaling into the output,
// so the residuals are read back from cache and the field needs no second array of its size.
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
// Zero words after the stream: more than one block reads past the end between checks (64 samples of
// 32 bits, the reference sample and option id; a fundamental sequence stops at the first padding word).
const PAD_WORDS = 80;

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
 * The stream read as big-endian 32-bit words through a DataView: any 32 bits at a bit position are two
 * word loads and shifts (where bytes took five loads), and a fundamental sequence is scanned a word at a
 * time. The view is the caller's bytes themselves (a copy of a field's stream cost as much as decoding
 * a third of it: allocation, zeroing, garbage collection); only its last interval, whose reads run past
 * the end, is decoded again from a zero-padded copy of the stream's tail.
 */
interface Stream {
  view: DataView;
  /** Bit of the whole stream where the view starts; positions below are relative to it. */
  base: number;
  /** Words of the view holding stream bytes; a fundamental sequence reaching past them is truncated. */
  dataWords: number;
  endBit: number;
  padded: boolean;
}

function direct(data: Uint8Array): Stream {
  return {
    view: new DataView(data.buffer, data.byteOffset, data.length),
    base: 0,
    dataWords: Math.ceil(data.length / 4),
    endBit: data.length * 8,
    padded: false,
  };
}

/** The stream from the word holding bit `from` on, with zero padding after it. */
function paddedTail(data: Uint8Array, from: number): Stream {
  const byte = Math.floor(from / 32) * 4;
  const bytes = new Uint8Array(data.length - byte + PAD_WORDS * 4);
  bytes.set(data.subarray(byte));
  return {
    view: new DataView(bytes.buffer),
    base: byte * 8,
    dataWords: Math.ceil((data.length - byte) / 4),
    endBit: (data.length - byte) * 8,
    padded: true,
  };
}

/** The 32 bits at bit `pos`, left-aligned (as a signed 32-bit integer). */
function peek(view: DataView, pos: number): number {
  const i = (pos >>> 5) * 4;
  const s = pos & 31;
  // `>>> 1 >>> (31 - s)` rather than `>>> (32 - s)`: a shift by 32 is a shift by 0 in JavaScript
  return (view.getInt32(i) << s) | ((view.getInt32(i + 4) >>> 1) >>> (31 - s));
}

/** What every block of a stream shares, from its options. */
interface Layout {
  n: number;
  J: number;
  rsi: number;
  pp: boolean;
  idLen: number;
  idUncompressed: number;
}

/**
 * Decode `count` samples from a CCSDS stream, writing `(sample * bscale + ref) * dscale` into `out` (the raw samples
 * with the defaults) and returning its first `count` values. Throws CcsdsError on a malformed or truncated
 * stream.
 */
export function ccsdsDecode(
  data: Uint8Array,
  count: number,
  options: CcsdsOptions,
  out?: Float64Array,
  ref = 0,
  bscale = 1,
  dscale = 1,
): Float64Array {
  validateOptions(options);
  if (out && out.length < count) throw new RangeError("ccsdsDecode: output array too small");
  const values = out ?? new Float64Array(count);
  if (count === 0) return values.subarray(0, 0);
  if (data.length * 8 >= 2 ** 32 - PAD_WORDS * 32) throw new CcsdsError("stream too large", 0);
  const layout: Layout = {
    n: options.bitsPerSample,
    J: options.blockSize,
    rsi: options.rsi,
    pp: (options.flags & AEC_DATA_PREPROCESS) !== 0,
    idLen: idLength(options.bitsPerSample, options.flags),
    idUncompressed: (1 << idLength(options.bitsPerSample, options.flags)) - 1,
  };
  const padRsi = (options.flags & AEC_PAD_RSI) !== 0;
  let stream = direct(data);
  // whole blocks, so the last interval may decode a few samples past `count`
  const total = Math.ceil(count / layout.J) * layout.J;
  const rsiSamples = layout.rsi * layout.J;
  const residuals = new Uint32Array(Math.min(rsiSamples, total));
  let pos = 0;
  for (let start = 0; start < total; start += rsiSamples) {
    if (padRsi) pos = Math.ceil(pos / 8) * 8;
    const samples = Math.min(rsiSamples, total - start);
    // the last intervals from the padded copy: an uncompressed interval reads at most this far
    if (!stream.padded && data.length * 8 - pos < rsiSamples * (layout.n + 1) + 1024) {
      stream = paddedTail(data, pos);
    }
    let end: number;
    try {
      end = decodeInterval(stream, pos - stream.base, layout, residuals, samples, start / layout.J);
    } catch (e) {
      // a read past the end of the caller's bytes (the DataView's RangeError; a fundamental sequence
      // longer than any encoder writes): again, padded
      if (!(e instanceof RangeError) || stream.padded) throw e;
      stream = paddedTail(data, pos);
      end = decodeInterval(stream, pos - stream.base, layout, residuals, samples, start / layout.J);
    }
    pos = stream.base + end;
    postprocess(residuals, Math.min(samples, count - start), options, values, start, ref, bscale, dscale);
  }
  return values.subarray(0, count);
}

/**
 * Entropy decoding of one reference sample interval from bit `start`: the (mapped) samples of its
 * `samples` (whole blocks) into `mapped` from 0. `firstBlock` numbers its first block in messages.
 * Returns the bit after it.
 */
function decodeInterval(
  stream: Stream,
  start: number,
  layout: Layout,
  mapped: Uint32Array,
  samples: number,
  firstBlock: number,
): number {
  const { view, endBit } = stream;
  const { n, J, idLen, idUncompressed } = layout;
  const nShift = 32 - n;
  const idShift = 32 - idLen;
  let pos = start;
  let o = 0;
  // one flat loop over the blocks, each kind of block decoded by a function of its own: V8 optimises
  // those whole, where loops nested here were compiled on stack replacement and dropped at every exit
  while (o < samples) {
    const blockStart = o;
    const hasRef = layout.pp && o === 0 ? 1 : 0;
    const id = peek(view, pos) >>> idShift;
    pos += idLen;
    if (id === 0) {
      // low entropy: one selector bit, then the reference sample, then a zero run or second extension
      const sel = peek(view, pos) >>> 31;
      pos += 1;
      if (hasRef) {
        mapped[o++] = peek(view, pos) >>> nShift;
        pos += n;
      }
      if (sel === 0) {
        const fs = fundamentalSequence(stream, pos);
        pos += fs + 1;
        let zeroBlocks = fs + 1;
        if (zeroBlocks === ROS) {
          const b = blockStart / J;
          zeroBlocks = Math.min(layout.rsi - b, 64 - (b % 64));
        } else if (zeroBlocks > ROS) {
          zeroBlocks--;
        }
        const end = blockStart + zeroBlocks * J;
        // libaec refuses a run past its interval; the last interval may be cut short by the data's end
        if (end > layout.rsi * J) {
          throw new CcsdsError(
            `zero-block run of ${zeroBlocks} blocks crosses the RSI end`,
            (stream.base + pos) >>> 3,
          );
        }
        const stop = Math.min(end, samples);
        mapped.fill(0, o, stop);
        o = stop;
      } else {
        pos = secondExtension(stream, pos, mapped, o, J - hasRef);
        o = blockStart + J;
      }
    } else if (id === idUncompressed) {
      for (const end = o + J; o < end; o++) {
        mapped[o] = peek(view, pos) >>> nShift;
        pos += n;
      }
    } else {
      // split sample option k: J fundamental sequences (high parts), then J k-bit low parts
      if (hasRef) {
        mapped[o++] = peek(view, pos) >>> nShift;
        pos += n;
      }
      pos = splitSample(stream, pos, mapped, o, blockStart + J, id - 1);
      o = blockStart + J;
    }
    if (pos > endBit) {
      throw new CcsdsError(
        `stream ends inside block ${firstBlock + blockStart / J} (needs bit ${stream.base + pos}, has ${stream.base + endBit})`,
        (stream.base + endBit) >>> 3,
      );
    }
  }
  return pos;
}

/**
 * Fundamental sequences (a value v is v zeros and a one) from bit `start` into `mapped[first..last)`,
 * scanning a word at a time: each one bit found by clz32 ends a value. Returns the bit after them.
 */
function fundamentalSequences(
  stream: Stream,
  start: number,
  mapped: Uint32Array,
  first: number,
  last: number,
): number {
  const { view, dataWords } = stream;
  let i = start >>> 5;
  let used = start & 31;
  // the word's bits from `used` on, left-aligned: zero when none of them is a one
  let word = view.getInt32(i * 4) << used;
  let zeros = 0;
  for (let o = first; o < last; ) {
    if (word === 0) {
      zeros += 32 - used;
      if (++i >= dataWords) {
        throw new CcsdsError(
          "stream ends inside a fundamental sequence",
          (stream.base + stream.endBit) >>> 3,
        );
      }
      used = 0;
      word = view.getInt32(i * 4);
    } else {
      const z = Math.clz32(word);
      mapped[o++] = zeros + z;
      zeros = 0;
      // two shifts: a shift by 32 (z = 31) would be a shift by 0
      word = (word << z) << 1;
      used += z + 1;
    }
  }
  return i * 32 + used;
}

/** Length of the one fundamental sequence at bit `pos`. */
function fundamentalSequence(stream: Stream, pos: number): number {
  for (let p = pos; ; p += 32) {
    const bits = peek(stream.view, p);
    if (bits !== 0) return p - pos + Math.clz32(bits);
    if (p > stream.endBit) {
      throw new CcsdsError("stream ends inside a fundamental sequence", (stream.base + stream.endBit) >>> 3);
    }
  }
}

/** A second-extension block: pairs coded by one fundamental sequence each. Returns the bit after it. */
function secondExtension(
  stream: Stream,
  start: number,
  mapped: Uint32Array,
  from: number,
  samples: number,
): number {
  // a block after a reference sample (odd count) starts with the second of a pair
  const odd = samples & 1;
  const codes = (samples + odd) / 2;
  const pos = fundamentalSequences(stream, start, mapped, from, from + codes);
  // expand in place from the last code: code c's pair lands at or after index c
  for (let c = codes - 1; c >= 0; c--) {
    const m = mapped[from + c]!;
    if (m > SE_TABLE_SIZE) {
      throw new CcsdsError(`second-extension code ${m} exceeds ${SE_TABLE_SIZE}`, (stream.base + pos) >>> 3);
    }
    const at = from + 2 * c - odd;
    if (at >= from) mapped[at] = SE_FIRST[m]!;
    mapped[at + 1] = SE_SECOND[m]!;
  }
  return pos;
}

/**
 * A split-sample block (option k): the high parts of samples `first` to `last` as fundamental
 * sequences, then their k-bit low parts. Returns the bit after it.
 */
function splitSample(
  stream: Stream,
  start: number,
  mapped: Uint32Array,
  first: number,
  last: number,
  k: number,
): number {
  let pos = fundamentalSequences(stream, start, mapped, first, last);
  if (k === 0) return pos;
  const view = stream.view;
  const kShift = 32 - k;
  // a 32-bit window serves 32 / k low parts before it is read again
  let bits = 0;
  let avail = 0;
  for (let o = first; o < last; o++) {
    if (avail < k) {
      bits = peek(view, pos);
      avail = 32;
    }
    mapped[o] = (mapped[o]! << k) | (bits >>> kShift);
    bits <<= k;
    avail -= k;
    pos += k;
  }
  return pos;
}

/**
 * Undo the predictor (when preprocessed) and sign (when signed) of one interval's `count` residuals,
 * scaling into `out` from `at`.
 */
function postprocess(
  mapped: Uint32Array,
  count: number,
  options: CcsdsOptions,
  out: Float64Array,
  at: number,
  ref: number,
  bscale: number,
  dscale: number,
): void {
  const n = options.bitsPerSample;
  const signed = (options.flags & AEC_DATA_SIGNED) !== 0;
  const pp = (options.flags & AEC_DATA_PREPROCESS) !== 0;
  const signBit = 2 ** (n - 1);
  const range = 2 ** n;
  if (!pp) {
    if (signed) {
      for (let i = 0; i < count; i++) {
        const v = mapped[i]!;
        out[at + i] = ((v >= signBit ? v - range : v) * bscale + ref) * dscale;
      }
    } else {
      for (let i = 0; i < count; i++) out[at + i] = (mapped[i]! * bscale + ref) * dscale;
    }
    return;
  }
  let x = mapped[0]!;
  if (!signed && n <= 30) {
    // integer fast path: x in [0, xmax], theta = min(x, xmax - x)
    const xmax = (1 << n) - 1;
    const top = n - 1; // x >= 2^(n-1): the upper bound is the nearer one
    out[at] = (x * bscale + ref) * dscale;
    for (let i = 1; i < count; i++) {
      const d = mapped[i]!;
      const mask = -(x >>> top) & xmax;
      // |delta| <= theta: x +/- ceil(d/2) (odd d is negative, as libaec's (d >> 1) ^ ~((d & 1) - 1));
      // otherwise the value lies beyond the nearer bound
      if ((d + 1) >>> 1 <= (mask ^ x)) x += (d >>> 1) ^ -(d & 1);
      else x = mask ^ d;
      out[at + i] = (x * bscale + ref) * dscale;
    }
    return;
  }
  const xmin = signed ? -signBit : 0;
  const xmax = signed ? signBit - 1 : range - 1;
  if (signed && x >= signBit) x -= range;
  out[at] = (x * bscale + ref) * dscale;
  for (let i = 1; i < count; i++) {
    const d = mapped[i]!;
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
    out[at + i] = (x * bscale + ref) * dscale;
  }
}
