// CCSDS 121.0-B adaptive entropy encoder producing streams that libaec (and so ecCodes) decodes: unit-delay
// prediction with the standard mapping, then per block the cheapest of zero-block runs, second
// extension, split-sample (k = 0..) and uncompressed.
import { BitWriter } from "../bits.ts";
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
  const maxK = idUncompressed - 2;
  const count = samples.length;
  if (count === 0) return new Uint8Array(0);
  const total = Math.ceil(count / J) * J;
  const xmin = signed ? -(2 ** (n - 1)) : 0;
  const xmax = signed ? 2 ** (n - 1) - 1 : 2 ** n - 1;

  // raw (for reference samples and uncompressed blocks, as n-bit patterns) and mapped residuals
  const raw = new Float64Array(total);
  const mapped = new Float64Array(total);
  for (let i = 0; i < total; i++) {
    const x = samples[i < count ? i : count - 1];
    if (!Number.isInteger(x) || x < xmin || x > xmax) {
      throw new CcsdsError(`sample ${i} = ${x} is outside ${xmin}..${xmax}`, 0);
    }
    raw[i] = x < 0 ? x + 2 ** n : x;
  }
  const rsiSamples = options.rsi * J;
  for (let start = 0; start < total; start += rsiSamples) {
    const end = Math.min(start + rsiSamples, total);
    if (!pp) {
      for (let i = start; i < end; i++) mapped[i] = raw[i];
      continue;
    }
    let prev = samples[start];
    mapped[start] = raw[start];
    for (let i = start + 1; i < end; i++) {
      const x = samples[i < count ? i : count - 1];
      const delta = x - prev;
      const theta = Math.min(prev - xmin, xmax - prev);
      if (delta >= 0 && delta <= theta) mapped[i] = 2 * delta;
      else if (delta < 0 && -delta <= theta) mapped[i] = -2 * delta - 1;
      else mapped[i] = theta + Math.abs(delta);
      prev = x;
    }
  }

  const w = new BitWriter(Math.ceil((total * n) / 8) + 1024);
  for (let start = 0; start < total; start += rsiSamples) {
    const end = Math.min(start + rsiSamples, total);
    let b = start;
    while (b < end) {
      const hasRef = pp && b === start ? 1 : 0;
      const first = b + hasRef;
      const blockEnd = b + J;
      // zero run: this block's residuals (after the reference) are all zero
      let allZero = true;
      for (let i = first; i < blockEnd; i++) {
        if (mapped[i] !== 0) {
          allZero = false;
          break;
        }
      }
      if (allZero) {
        // extend over following all-zero blocks, within this RSI and this 64-block segment
        const blockIndex = (b - start) / J;
        const segmentEnd = Math.min(end, start + (Math.floor(blockIndex / 64) + 1) * 64 * J);
        let runEnd = blockEnd;
        while (runEnd < segmentEnd) {
          let zero = true;
          for (let i = runEnd; i < runEnd + J; i++) {
            if (mapped[i] !== 0) {
              zero = false;
              break;
            }
          }
          if (!zero) break;
          runEnd += J;
        }
        const z = (runEnd - b) / J;
        // the decoder's "rest of segment" ends at a full 64-block segment or RSI boundary
        const fullSegmentEnd = Math.min(
          start + rsiSamples,
          start + (Math.floor(blockIndex / 64) + 1) * 64 * J,
        );
        w.write(0, idLen);
        w.write(0, 1);
        if (hasRef) w.write(raw[b], n);
        // fs = z - 1 below the ROS code (4), z above it; a run to the segment/RSI end may use ROS
        const fs = z < 5 ? z - 1 : runEnd === fullSegmentEnd ? 4 : z;
        writeFs(w, fs);
        b = runEnd;
        continue;
      }
      // costs of each option for this block
      let seCost = 0;
      let seOk = true;
      for (let i = b; i < blockEnd; i += 2) {
        const a = i < first ? 0 : mapped[i];
        const c = mapped[i + 1];
        const sum = a + c;
        const m = (sum * (sum + 1)) / 2 + c;
        if (m > SE_LIMIT) {
          seOk = false;
          break;
        }
        seCost += m + 1;
      }
      let bestK = 0;
      let bestCost = Number.POSITIVE_INFINITY;
      for (let k = 0; k <= maxK && k < n; k++) {
        let cost = 0;
        const div = 2 ** k;
        for (let i = first; i < blockEnd; i++) cost += Math.floor(mapped[i] / div) + 1 + k;
        if (cost < bestCost) {
          bestCost = cost;
          bestK = k;
        } else if (cost > bestCost) break; // cost is convex in k
      }
      const uncompressedCost = J * n - hasRef * n;
      if (seOk && seCost + 1 < bestCost && seCost + 1 < uncompressedCost) {
        w.write(0, idLen);
        w.write(1, 1);
        if (hasRef) w.write(raw[b], n);
        for (let i = b; i < blockEnd; i += 2) {
          const a = i < first ? 0 : mapped[i];
          const c = mapped[i + 1];
          const sum = a + c;
          writeFs(w, (sum * (sum + 1)) / 2 + c);
        }
      } else if (bestCost < uncompressedCost) {
        w.write(bestK + 1, idLen);
        if (hasRef) w.write(raw[b], n);
        const div = 2 ** bestK;
        for (let i = first; i < blockEnd; i++) writeFs(w, Math.floor(mapped[i] / div));
        if (bestK > 0) for (let i = first; i < blockEnd; i++) w.write(mapped[i] % div, bestK);
      } else {
        w.write(idUncompressed, idLen);
        for (let i = b; i < blockEnd; i++) w.write(i < first ? raw[i] : mapped[i], n);
      }
      b = blockEnd;
    }
    if (flags & AEC_PAD_RSI) w.align();
  }
  return w.bytes();
}

function writeFs(w: BitWriter, zeros: number): void {
  let z = zeros;
  while (z >= 32) {
    w.write(0, 32);
    z -= 32;
  }
  w.write(1, z + 1);
}
