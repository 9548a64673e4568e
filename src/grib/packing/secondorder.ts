// Second-order packing, general extended variant, as ecCodes writes it: GRIB1 (binary data section flag
// 0x40 with the extended flags at octet 14) and its GRIB2 counterpart, ECMWF's local template 5.50002.
// Values come in groups (a first-order reference per group plus second-order offsets of the group's width)
// and, with spatial differencing of order 1-3, are differences undone with the SPD first values and bias.
import { BitReader, GribBitsError, readIbmFloat, readSignMagnitude, readUnsigned } from "../bits.ts";
import { PackingError, requireLength } from "./errors.ts";
import { output } from "./output.ts";
import {
  constantValue,
  ecCodesCoefficients,
  type LinearScaling,
  readGrib2Scaling,
  scaleInPlace,
} from "./scaling.ts";

interface SecondOrderLayout {
  numberOfGroups: number;
  widthOfFirstOrderValues: number;
  widthOfWidths: number;
  widthOfLengths: number;
  orderOfSPD: number;
  /** first values (orderOfSPD of them) then the bias */
  spd: number[];
  /** bit positions of each table within `data` */
  widthsBit: number;
  lengthsBit: number;
  firstOrderBit: number;
  valuesBit: number;
}

function decodeSecondOrder(
  data: Uint8Array,
  layout: SecondOrderLayout,
  count: number,
  scaling: LinearScaling,
  sectionNumber: number,
  into: Float64Array | undefined,
): Float64Array {
  const ng = layout.numberOfGroups;
  if (ng > count + 1 || ng > data.length * 8 || layout.orderOfSPD > 3) {
    throw new PackingError(
      "corrupt",
      `${ng} groups, order ${layout.orderOfSPD}, for ${count} values`,
      sectionNumber,
      0,
    );
  }
  const widths = new Float64Array(ng);
  const lengths = new Float64Array(ng);
  const firstOrder = new Float64Array(ng);
  new BitReader(data, layout.widthsBit).readInto(layout.widthOfWidths, ng, widths);
  new BitReader(data, layout.lengthsBit).readInto(layout.widthOfLengths, ng, lengths);
  new BitReader(data, layout.firstOrderBit).readInto(layout.widthOfFirstOrderValues, ng, firstOrder);
  const order = layout.orderOfSPD;
  let sum = 0;
  let bits = 0;
  for (let g = 0; g < ng; g++) {
    sum += lengths[g];
    bits += lengths[g] * widths[g];
    if (widths[g] > 53)
      throw new PackingError("corrupt", `group ${g} is ${widths[g]} bits wide`, sectionNumber, 0);
  }
  if (sum + order !== count) {
    throw new PackingError(
      "corrupt",
      `groups hold ${sum} values, expected ${count - order}`,
      sectionNumber,
      0,
    );
  }
  if (layout.valuesBit + bits > data.length * 8) {
    throw new PackingError(
      "corrupt",
      `second-order values run past the section's ${data.length} bytes`,
      sectionNumber,
      data.length,
    );
  }
  // every value is written below (the groups, then the first `order`): the caller's array serves as it is
  const x = output(count, into);
  const reader = new BitReader(data, layout.valuesBit);
  let o = order;
  for (let g = 0; g < ng; g++) {
    const len = lengths[g];
    reader.readInto(widths[g], len, x, o, firstOrder[g]);
    o += len;
  }
  if (order > 0) {
    for (let i = 0; i < order; i++) x[i] = layout.spd[i];
    const bias = layout.spd[order];
    for (let i = order; i < count; i++) x[i] += bias;
    if (order === 1) for (let i = 1; i < count; i++) x[i] += x[i - 1];
    else if (order === 2) for (let i = 2; i < count; i++) x[i] += 2 * x[i - 1] - x[i - 2];
    else for (let i = 3; i < count; i++) x[i] += 3 * x[i - 1] - 3 * x[i - 2] + x[i - 3];
  }
  scaleInPlace(x, count, ecCodesCoefficients(scaling));
  return x;
}

/** SPD: orderOfSPD unsigned first values then a sign-magnitude bias, `width` bits each, from `bit`. */
function readSpd(buf: Uint8Array, bit: number, width: number, order: number): number[] {
  const r = new BitReader(buf, bit);
  const spd: number[] = [];
  for (let i = 0; i < order; i++) spd.push(r.read(width));
  const raw = r.read(width);
  const sign = 2 ** (width - 1);
  spd.push(raw >= sign ? -(raw - sign) : raw);
  return spd;
}

/**
 * Where the group widths, group lengths, first-order values and second-order values begin: one after the
 * other from `widthsBit`, each table starting on a byte, as ecCodes' definitions place them.
 */
function tablesFrom(
  widthsBit: number,
  t: Omit<SecondOrderLayout, "widthsBit" | "lengthsBit" | "firstOrderBit" | "valuesBit">,
): SecondOrderLayout {
  const align = (bit: number) => Math.ceil(bit / 8) * 8;
  const lengthsBit = align(widthsBit + t.numberOfGroups * t.widthOfWidths);
  const firstOrderBit = align(lengthsBit + t.numberOfGroups * t.widthOfLengths);
  const valuesBit = align(firstOrderBit + t.numberOfGroups * t.widthOfFirstOrderValues);
  return { ...t, widthsBit, lengthsBit, firstOrderBit, valuesBit };
}

function wrap<T>(sectionNumber: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof GribBitsError) throw new PackingError("corrupt", e.message, sectionNumber, e.offset);
    throw e;
  }
}

/** GRIB2 template 5.50002 (ecCodes' grid_second_order). */
export function unpackGrib2SecondOrder(
  section5: Uint8Array,
  section7: Uint8Array,
  count: number,
  into?: Float64Array,
): Float64Array {
  requireLength(section5, 33, 5, "template 5.50002");
  const scaling = readGrib2Scaling(section5);
  if (scaling.bitsPerValue === 0) return output(count, into).fill(constantValue(scaling));
  const flags = section5[31];
  if (flags & 0x80) throw new PackingError("unsupported", "boustrophedonic second-order packing", 5, 31);
  const orderOfSPD = section5[32];
  const widthOfSPD = orderOfSPD ? section5[33] : 0;
  return wrap(7, () => {
    const spd = orderOfSPD ? readSpd(section5, 34 * 8, widthOfSPD, orderOfSPD) : [0];
    const layout = tablesFrom(5 * 8, {
      numberOfGroups: readUnsigned(section5, 21, 4),
      widthOfFirstOrderValues: section5[20],
      widthOfWidths: section5[29],
      widthOfLengths: section5[30],
      orderOfSPD,
      spd,
    });
    return decodeSecondOrder(section7, layout, count, scaling, 7, into);
  });
}

/** GRIB1 binary data section with second-order ("complex") grid-point packing, general extended. */
export function unpackGrib1SecondOrder(
  section4: Uint8Array,
  count: number,
  decimalScaleFactor: number,
  into?: Float64Array,
): Float64Array {
  requireLength(section4, 26, 4, "the second-order packing header");
  const scaling: LinearScaling = {
    binaryScaleFactor: readSignMagnitude(section4, 4, 2),
    referenceValue: readIbmFloat(section4, 6),
    bitsPerValue: section4[10],
    decimalScaleFactor,
  };
  const extended = section4[13];
  if (!(extended & 0x08) || !(extended & 0x10)) {
    throw new PackingError(
      "unsupported",
      "GRIB1 second-order packing other than general extended with groups of different widths",
      4,
      13,
    );
  }
  if (extended & 0x20 || extended & 0x40) {
    throw new PackingError(
      "unsupported",
      "GRIB1 second-order packing with matrix or secondary bitmaps",
      4,
      13,
    );
  }
  if (extended & 0x04) throw new PackingError("unsupported", "boustrophedonic second-order packing", 4, 13);
  const orderOfSPD = extended & 0x02 ? 2 + (extended & 0x01) : extended & 0x01;
  const widthOfSPD = orderOfSPD ? section4[25] : 0;
  return wrap(4, () => {
    const spd = orderOfSPD ? readSpd(section4, 26 * 8, widthOfSPD, orderOfSPD) : [0];
    const spdEnd = orderOfSPD ? 26 + Math.ceil(((orderOfSPD + 1) * widthOfSPD) / 8) : 25;
    // The header's pointers NL, N1 and N2 are not read, as ecCodes reads none of them: N2 has 16 bits, and
    // ecCodes writes 65535 there once the tables before the values pass 64 KiB (a 720 x 800 field does).
    const layout = tablesFrom(spdEnd * 8, {
      numberOfGroups: readUnsigned(section4, 16, 2) + 65536 * section4[20],
      widthOfFirstOrderValues: section4[10],
      widthOfWidths: section4[21],
      widthOfLengths: section4[22],
      orderOfSPD,
      spd,
    });
    return decodeSecondOrder(section4, layout, count, scaling, 4, into);
  });
}
