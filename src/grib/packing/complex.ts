// GRIB2 templates 5.2 (complex packing) and 5.3 (complex packing with spatial differencing): values come
// in groups, each with its own reference and bit width; 5.3 packs first- or second-order differences.
// Missing values may be coded inside the data (missing value management 1 or 2); they come out as NaN.
import { BitReader, GribBitsError, readSignMagnitude, readUnsigned, unpackBits } from "../bits.ts";
import { PackingError, requireLength } from "./errors.ts";
import { output } from "./output.ts";
import { ecCodesCoefficients, readGrib2Scaling, scaleInPlace } from "./scaling.ts";

export function unpackComplex(
  template: 2 | 3,
  section5: Uint8Array,
  section7: Uint8Array,
  count: number,
  into?: Float64Array,
): Float64Array {
  requireLength(section5, template === 3 ? 49 : 47, 5, `template 5.${template}`);
  const scaling = readGrib2Scaling(section5);
  const nbits = scaling.bitsPerValue;
  const missingManagement = section5[22];
  const ng = readUnsigned(section5, 31, 4);
  const refWidths = section5[35];
  const widthBits = section5[36];
  const refLengths = readUnsigned(section5, 37, 4);
  const lengthIncrement = section5[41];
  const lastLength = readUnsigned(section5, 42, 4);
  const lengthBits = section5[46];
  const order = template === 3 ? section5[47] : 0;
  const extraBytes = template === 3 ? section5[48] : 0;
  if (missingManagement > 2)
    throw new PackingError("corrupt", `missing value management ${missingManagement}`, 5, 22);
  if (order > 2) throw new PackingError("unsupported", `order of spatial differencing ${order}`, 5, 47);
  if (ng > count || ng > section7.length * 8 || (ng === 0 && count > 0)) {
    throw new PackingError("corrupt", `${ng} groups for ${count} values`, 5, 31);
  }
  if (nbits > 32 || widthBits > 32 || lengthBits > 32) {
    throw new PackingError("corrupt", "bit widths above 32", 5, 19);
  }
  if (count === 0) return output(0, into);
  let out: Float64Array = new Float64Array(0);
  const data = section7;
  let bytePos = 5;
  const first: number[] = [];
  let minimum = 0;
  try {
    if (order > 0) {
      if (extraBytes < 1 || extraBytes > 6) {
        throw new PackingError("corrupt", `${extraBytes} octets for extra descriptors`, 5, 48);
      }
      for (let i = 0; i < order; i++) {
        first.push(readSignMagnitude(data, bytePos, extraBytes));
        bytePos += extraBytes;
      }
      minimum = readSignMagnitude(data, bytePos, extraBytes);
      bytePos += extraBytes;
    }
    const reader = new BitReader(data, bytePos * 8);
    const refs = new Float64Array(ng);
    reader.readInto(nbits, ng, refs);
    reader.align();
    const widths = new Float64Array(ng);
    reader.readInto(widthBits, ng, widths, 0, refWidths);
    reader.align();
    const lengths = new Float64Array(ng);
    reader.readInto(lengthBits, ng, lengths, 0, refLengths, lengthIncrement);
    reader.align();
    lengths[ng - 1] = lastLength;
    let sum = 0;
    for (let g = 0; g < ng; g++) sum += lengths[g];
    if (sum !== count) {
      throw new PackingError(
        "corrupt",
        `group lengths add up to ${sum}, expected ${count} values`,
        7,
        reader.bytePos,
      );
    }
    // every value is written below (each group fills its points): the caller's array serves as it is
    out = output(count, into);
    let pos = reader.pos;
    const needBits = (() => {
      let bits = 0;
      for (let g = 0; g < ng; g++) bits += widths[g] * lengths[g];
      return bits;
    })();
    if (pos + needBits > data.length * 8) {
      throw new PackingError(
        "corrupt",
        `group values need ${Math.ceil((pos + needBits) / 8)} bytes, the section has ${data.length}`,
        7,
        data.length,
      );
    }
    const missing = missingManagement > 0 ? new Uint8Array(count) : undefined;
    const groupMissing1 = 2 ** nbits - 1;
    const groupMissing2 = 2 ** nbits - 2;
    let o = 0;
    for (let g = 0; g < ng; g++) {
      const len = lengths[g];
      const w = widths[g];
      const ref = refs[g];
      if (w > 32) throw new PackingError("corrupt", `group ${g} has width ${w}`, 7, Math.floor(pos / 8));
      if (w === 0) {
        out.fill(ref, o, o + len);
        if (missing && (ref === groupMissing1 || (missingManagement === 2 && ref === groupMissing2))) {
          missing.fill(1, o, o + len);
        }
      } else {
        unpackBits(data, pos, w, len, out, o, ref, 1);
        pos += w * len;
        if (missing) {
          const m1 = ref + 2 ** w - 1;
          const m2 = missingManagement === 2 ? ref + 2 ** w - 2 : -1;
          for (let i = o; i < o + len; i++) if (out[i] === m1 || out[i] === m2) missing[i] = 1;
        }
      }
      o += len;
    }
    if (order > 0) undoSpatialDifferencing(out, missing, order, first, minimum);
    scaleInPlace(out, count, ecCodesCoefficients(scaling));
    if (missing) for (let i = 0; i < count; i++) if (missing[i]) out[i] = Number.NaN;
    return out;
  } catch (e) {
    if (e instanceof GribBitsError) throw new PackingError("corrupt", e.message, 7, e.offset);
    throw e;
  }
}

function undoSpatialDifferencing(
  x: Float64Array,
  missing: Uint8Array | undefined,
  order: number,
  first: number[],
  minimum: number,
): void {
  const n = x.length;
  let seen = 0;
  let prev = 0;
  let prev2 = 0;
  for (let i = 0; i < n; i++) {
    if (missing?.[i]) continue;
    let v: number;
    if (seen < order) v = first[seen];
    else if (order === 1) v = x[i] + minimum + prev;
    else v = x[i] + minimum + 2 * prev - prev2;
    x[i] = v;
    prev2 = prev;
    prev = v;
    seen++;
  }
}
