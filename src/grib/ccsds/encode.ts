// CCSDS 121.0-B adaptive entropy encoder producing streams that libaec (and so ecCodes) decodes: unit-delay
// prediction with the standard mapping, then per block the cheapest of zero-block runs, second
// extension, split-sample (k = 0..) and uncompressed.
import {
  AEC_DATA_PREPROCESS,
  AEC_DATA_SIGNED,
  AEC_PAD_RSI,
  CcsdsError,
  type CcsdsOptions,
  idLength,
  validateOptions,
} from "./options.ts";

const SE_LIMIT = 90;

/** Big-endian bit sink over a preallocated buffer (the encoder knows its worst case). */
class Sink {
  readonly out: Uint8Array;
  pos = 0;
  private acc = 0;
  private accBits = 0;
  constructor(bytes: number) {
    this.out = new Uint8Array(bytes);
  }
  /** Append the low `n` (0..24) bits of `v`. */
  put(v: number, n: number): void {
    this.acc = (this.acc << n) | v;
    this.accBits += n;
    while (this.accBits >= 8) {
      this.accBits -= 8;
      this.out[this.pos++] = this.acc >>> this.accBits;
    }
    this.acc &= (1 << this.accBits) - 1;
  }
  /** Append the low `n` (0..32) bits of `v`. */
  putWide(v: number, n: number): void {
    if (n > 24) {
      this.put(Math.floor(v / 65536) & ((1 << (n - 16)) - 1), n - 16);
      this.put(v & 0xffff, 16);
    } else this.put(v & ((1 << n) - 1), n);
  }
  /** Fundamental sequence: `zeros` zero bits, then a one. */
  fs(zeros: number): void {
    let z = zeros;
    while (z >= 24) {
      this.put(0, 24);
      z -= 24;
    }
    this.put(1, z + 1);
  }
  /**
   * Split-sample option k over values[from..to): each value's high part as a fundamental sequence,
   * then each value's k low bits. One loop each, the bit state in locals: this is most of the stream.
   */
  split(values: Uint32Array, from: number, to: number, k: number): void {
    const out = this.out;
    let acc = this.acc;
    let bits = this.accBits;
    let pos = this.pos;
    for (let i = from; i < to; i++) {
      let z = values[i]! >>> k;
      for (; z >= 24; z -= 24) {
        acc <<= 24; // (acc holds under 8 bits: the shifted value fits 31)
        bits += 24;
        while (bits >= 8) {
          bits -= 8;
          out[pos++] = acc >>> bits;
        }
        acc &= (1 << bits) - 1;
      }
      acc = (acc << (z + 1)) | 1;
      bits += z + 1;
      while (bits >= 8) {
        bits -= 8;
        out[pos++] = acc >>> bits;
      }
      acc &= (1 << bits) - 1;
    }
    if (k > 0 && k <= 24) {
      const mask = (1 << k) - 1;
      for (let i = from; i < to; i++) {
        acc = (acc << k) | (values[i]! & mask);
        bits += k;
        while (bits >= 8) {
          bits -= 8;
          out[pos++] = acc >>> bits;
        }
        acc &= (1 << bits) - 1;
      }
    }
    this.acc = acc;
    this.accBits = bits;
    this.pos = pos;
    if (k > 24) {
      const mask = k >= 32 ? 0xffffffff : 2 ** k - 1;
      for (let i = from; i < to; i++) this.putWide(values[i]! & mask, k);
    }
  }
  align(): void {
    if (this.accBits > 0) this.put(0, 8 - this.accBits);
  }
  bytes(): Uint8Array {
    this.align();
    return this.out.slice(0, this.pos);
  }
}

/** What every block of one stream is coded with. */
interface BlockCoder {
  n: number;
  J: number;
  pp: boolean;
  idLen: number;
  idUncompressed: number;
  maxK: number;
  rsiSamples: number;
  /** raw n-bit patterns (reference samples, uncompressed blocks) */
  raw: Uint32Array;
  /** mapped prediction residuals */
  mapped: Uint32Array;
  sink: Sink;
}

/**
 * Encode integer samples (each in 0..2^n-1, or -2^(n-1)..2^(n-1)-1 with AEC_DATA_SIGNED). The last block
 * is padded by repeating the last sample, as libaec does.
 */
export function ccsdsEncode(samples: ArrayLike<number>, options: CcsdsOptions): Uint8Array {
  validateOptions(options);
  const n = options.bitsPerSample;
  const J = options.blockSize;
  const flags = options.flags;
  const pp = (flags & AEC_DATA_PREPROCESS) !== 0;
  const signed = (flags & AEC_DATA_SIGNED) !== 0;
  const idLen = idLength(n, flags);
  const idUncompressed = 2 ** idLen - 1;
  const count = samples.length;
  if (count === 0) return new Uint8Array(0);
  const total = Math.ceil(count / J) * J;
  const raw = new Uint32Array(total);
  const mapped = new Uint32Array(total);
  toRaw(samples, raw, n, signed);
  raw.fill(raw[count - 1]!, count);
  const rsiSamples = options.rsi * J;
  // each loop below is a function of its own: V8 optimises those whole, where loops nested in this
  // function (run once a process) were compiled on stack replacement and dropped at every exit
  for (let start = 0; start < total; start += rsiSamples) {
    const end = Math.min(start + rsiSamples, total);
    if (pp) predict(raw, mapped, start, end, n, signed);
    else mapped.set(raw.subarray(start, end), start);
  }
  const blocks = total / J;
  const sink = new Sink(
    Math.ceil((total * n + blocks * (idLen + 1 + n)) / 8) + Math.ceil(blocks / options.rsi) + 64,
  );
  const coder: BlockCoder = {
    n,
    J,
    pp,
    idLen,
    idUncompressed,
    maxK: Math.min(idUncompressed - 2, n - 1),
    rsiSamples,
    raw,
    mapped,
    sink,
  };
  for (let start = 0; start < total; start += rsiSamples) {
    const end = Math.min(start + rsiSamples, total);
    for (let b = start; b < end; ) b = encodeBlock(coder, b, start, end);
    if (flags & AEC_PAD_RSI) sink.align();
  }
  return sink.bytes();
}

/** The samples' n-bit patterns (two's complement when signed), each checked to be in range. */
function toRaw(samples: ArrayLike<number>, raw: Uint32Array, n: number, signed: boolean): void {
  const xmin = signed ? -(2 ** (n - 1)) : 0;
  const xmax = signed ? 2 ** (n - 1) - 1 : 2 ** n - 1;
  const count = samples.length;
  if (samples instanceof Uint32Array && !signed) {
    raw.set(samples);
    for (let i = 0; i < count; i++) {
      if (raw[i]! > xmax) throw new CcsdsError(`sample ${i} = ${raw[i]} is outside ${xmin}..${xmax}`, 0);
    }
    return;
  }
  for (let i = 0; i < count; i++) {
    const x = samples[i]!;
    if (!(x >= xmin && x <= xmax) || !Number.isInteger(x)) {
      throw new CcsdsError(`sample ${i} = ${x} is outside ${xmin}..${xmax}`, 0);
    }
    raw[i] = x < 0 ? x + 2 ** n : x;
  }
}

/** Unit-delay prediction over one reference sample interval: mapped residuals of samples start..end. */
function predict(
  raw: Uint32Array,
  mapped: Uint32Array,
  start: number,
  end: number,
  n: number,
  signed: boolean,
): void {
  const xmin = signed ? -(2 ** (n - 1)) : 0;
  const xmax = signed ? 2 ** (n - 1) - 1 : 2 ** n - 1;
  const range = 2 ** n;
  let prev = signed && raw[start]! > xmax ? raw[start]! - range : raw[start]!;
  mapped[start] = raw[start]!;
  for (let i = start + 1; i < end; i++) {
    const x = signed && raw[i]! > xmax ? raw[i]! - range : raw[i]!;
    const delta = x - prev;
    const lower = prev - xmin;
    const upper = xmax - prev;
    const theta = lower < upper ? lower : upper;
    if (delta >= 0) mapped[i] = delta <= theta ? 2 * delta : theta + delta;
    else mapped[i] = -delta <= theta ? -2 * delta - 1 : theta - delta;
    prev = x;
  }
}

/** Split-sample cost of option k: sum(m >> k) + samples * (k + 1). */
function splitCost(mapped: Uint32Array, first: number, blockEnd: number, k: number): number {
  let c = (blockEnd - first) * (k + 1);
  for (let i = first; i < blockEnd; i++) c += mapped[i]! >>> k;
  return c;
}

/** Codes a run of zero blocks from block `b` (within its RSI and 64-block segment); returns where it ends. */
function zeroRun(c: BlockCoder, b: number, start: number, end: number, hasRef: number): number {
  const { J, mapped, sink } = c;
  const blockIndex = (b - start) / J;
  const segmentEnd = Math.min(end, start + (Math.floor(blockIndex / 64) + 1) * 64 * J);
  let runEnd = b + J;
  while (runEnd < segmentEnd && allZero(mapped, runEnd, runEnd + J)) runEnd += J;
  const z = (runEnd - b) / J;
  // the decoder's "rest of segment" (ROS) ends at a full 64-block segment or RSI boundary
  const fullSegmentEnd = Math.min(start + c.rsiSamples, start + (Math.floor(blockIndex / 64) + 1) * 64 * J);
  sink.put(0, c.idLen);
  sink.put(0, 1);
  if (hasRef) sink.putWide(c.raw[b]!, c.n);
  sink.fs(z < 5 ? z - 1 : runEnd === fullSegmentEnd ? 4 : z);
  return runEnd;
}

function allZero(a: Uint32Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (a[i] !== 0) return false;
  return true;
}

/** Second-extension cost of the block (infinite when a pair's code exceeds the table). */
function secondExtensionCost(mapped: Uint32Array, b: number, first: number, blockEnd: number): number {
  let cost = 1;
  for (let i = b; i < blockEnd; i += 2) {
    const a = i < first ? 0 : mapped[i]!;
    const c = mapped[i + 1]!;
    const s = a + c;
    const m = (s * (s + 1)) / 2 + c;
    if (m > SE_LIMIT) return Number.POSITIVE_INFINITY;
    cost += m + 1;
  }
  return cost;
}

/** The best split-sample option k for the block and its cost (convex in k: start near log2(mean)). */
function bestSplit(c: BlockCoder, first: number, blockEnd: number, sum: number): [number, number] {
  const { mapped, maxK } = c;
  // (the restricted set for 1-2 bit samples has no split option at all: maxK < 0)
  let bestK = Math.max(0, Math.min(maxK, Math.floor(Math.log2(sum / (blockEnd - first) + 1))));
  let bestCost = maxK < 0 ? Number.POSITIVE_INFINITY : splitCost(mapped, first, blockEnd, bestK);
  while (bestK < maxK) {
    const cost = splitCost(mapped, first, blockEnd, bestK + 1);
    if (cost >= bestCost) break;
    bestK++;
    bestCost = cost;
  }
  while (bestK > 0) {
    const cost = splitCost(mapped, first, blockEnd, bestK - 1);
    if (cost > bestCost) break;
    bestK--;
    bestCost = cost;
  }
  return [bestK, bestCost];
}

/** Codes the block at `b` (or a run of zero blocks from it) the cheapest way; returns where the next starts. */
function encodeBlock(c: BlockCoder, b: number, start: number, end: number): number {
  const { J, n, mapped, raw, sink, idLen } = c;
  const hasRef = c.pp && b === start ? 1 : 0;
  const first = b + hasRef;
  const blockEnd = b + J;
  let sum = 0;
  for (let i = first; i < blockEnd; i++) sum += mapped[i]!;
  if (sum === 0) return zeroRun(c, b, start, end, hasRef);
  const [bestK, bestCost] = bestSplit(c, first, blockEnd, sum);
  // second extension (only for small values: the code m must not exceed 90)
  const seCost = sum < 12 * J ? secondExtensionCost(mapped, b, first, blockEnd) : Number.POSITIVE_INFINITY;
  const uncompressedCost = (J - hasRef) * n;
  if (seCost < bestCost && seCost < uncompressedCost) {
    sink.put(0, idLen);
    sink.put(1, 1);
    if (hasRef) sink.putWide(raw[b]!, n);
    for (let i = b; i < blockEnd; i += 2) {
      const a = i < first ? 0 : mapped[i]!;
      const d = mapped[i + 1]!;
      const s = a + d;
      sink.fs((s * (s + 1)) / 2 + d);
    }
  } else if (bestCost < uncompressedCost) {
    sink.put(bestK + 1, idLen);
    if (hasRef) sink.putWide(raw[b]!, n);
    sink.split(mapped, first, blockEnd, bestK);
  } else {
    sink.put(c.idUncompressed, idLen);
    for (let i = b; i < blockEnd; i++) sink.putWide(i < first ? raw[i]! : mapped[i]!, n);
  }
  return blockEnd;
}
