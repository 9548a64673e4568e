// Encode a field as a GRIB1 message (for products that must stay GRIB1): product definition with time
// range indicator, grid description for regular_ll, rotated_ll, lambert and polar_stereographic (with
// the hybrid levels' PV list when given), bitmap section for missing values, simple packing with an IBM-float reference value.
import { ibmFloatBitsNotGreater } from "../bits.ts";
import { packSimpleValues, quantise } from "../packing/index.ts";
import { ByteBuilder, concatBytes, scaledDegrees } from "./bytes.ts";
import { buildBitmap, FieldError, validateField } from "./common.ts";
import type { Grib1Field, StepUnit, WritableGrid } from "./field.ts";

/** GRIB1 table 4 */
const UNIT_CODES: Record<StepUnit, number> = { m: 0, h: 1, D: 2, s: 254 };

function padEven(b: ByteBuilder): void {
  if (b.length % 2) b.u(1, 0);
}

function scanningByte(g: WritableGrid): number {
  const s = g.scanning;
  return (
    (s.iScansNegatively ? 0x80 : 0) | (s.jScansPositively ? 0x40 : 0) | (s.jPointsAreConsecutive ? 0x20 : 0)
  );
}

function gds(grid: WritableGrid, pv: Float64Array | undefined): Uint8Array {
  const b = new ByteBuilder();
  const deg = (x: number) => scaledDegrees(x, 3);
  const oblate = grid.earth.shape === "oblate" ? 0x40 : 0;
  const uv = grid.uvRelativeToGrid ? 0x08 : 0;
  b.u(3, 0).u(1, 0).u(1, 255);
  switch (grid.gridType) {
    case "regular_ll":
    case "rotated_ll": {
      const di = grid.iDirectionIncrementInDegrees;
      const dj = grid.jDirectionIncrementInDegrees;
      b.u(1, grid.gridType === "regular_ll" ? 0 : 10)
        .u(2, grid.Ni)
        .u(2, grid.Nj);
      b.s(3, deg(grid.latitudeOfFirstGridPointInDegrees)).s(3, deg(grid.longitudeOfFirstGridPointInDegrees));
      b.u(1, (di !== null && dj !== null ? 0x80 : 0) | oblate | uv);
      b.s(3, deg(grid.latitudeOfLastGridPointInDegrees)).s(3, deg(grid.longitudeOfLastGridPointInDegrees));
      if (di !== null && dj !== null) b.u(2, deg(di)).u(2, deg(dj));
      else b.missing(2).missing(2);
      b.u(1, scanningByte(grid)).u(4, 0);
      if (grid.gridType === "rotated_ll") {
        b.s(3, deg(grid.latitudeOfSouthernPoleInDegrees)).s(3, deg(grid.longitudeOfSouthernPoleInDegrees));
        b.u(4, ibmFloatBitsNotGreater(grid.angleOfRotationInDegrees));
      }
      break;
    }
    case "lambert":
      b.u(1, 3).u(2, grid.Nx).u(2, grid.Ny);
      b.s(3, deg(grid.latitudeOfFirstGridPointInDegrees)).s(3, deg(grid.longitudeOfFirstGridPointInDegrees));
      b.u(1, oblate | uv).s(3, deg(grid.LoVInDegrees));
      b.u(3, Math.round(grid.DxInMetres)).u(3, Math.round(grid.DyInMetres));
      b.u(1, grid.projectionCentreFlag).u(1, scanningByte(grid));
      b.s(3, deg(grid.Latin1InDegrees)).s(3, deg(grid.Latin2InDegrees));
      b.s(3, deg(grid.latitudeOfSouthernPoleInDegrees)).s(3, deg(grid.longitudeOfSouthernPoleInDegrees));
      b.u(2, 0);
      break;
    case "polar_stereographic":
      b.u(1, 5).u(2, grid.Nx).u(2, grid.Ny);
      b.s(3, deg(grid.latitudeOfFirstGridPointInDegrees)).s(3, deg(grid.longitudeOfFirstGridPointInDegrees));
      b.u(1, oblate | uv).s(3, deg(grid.orientationOfTheGridInDegrees));
      b.u(3, Math.round(grid.DxInMetres)).u(3, Math.round(grid.DyInMetres));
      b.u(1, grid.projectionCentreFlag).u(1, scanningByte(grid)).u(4, 0);
      break;
  }
  if (pv?.length) {
    if (pv.length > 255) {
      throw new FieldError(`${pv.length} vertical coordinates do not fit GRIB1 (at most 255): write GRIB2`);
    }
    // NV in octet 4, and octet 5 the (1-based) octet where the PV list starts: right after the grid
    b.setU(3, 1, pv.length);
    b.setU(4, 1, b.length + 1);
    for (const x of pv) b.u(4, ibmFloatBitsNotGreater(x));
  }
  b.setU(0, 3, b.length);
  return b.result();
}

/** Time range indicator (GRIB1 table 5) with P1, P2 for the field's step. */
function timeRange(f: Grib1Field): { p1: number; p2: number; indicator: number; long: boolean } {
  const { start, end, type } = f.step;
  if (type === "instant") {
    if (start <= 255) return { p1: start, p2: 0, indicator: 0, long: false };
    if (start <= 65535) return { p1: start, p2: 0, indicator: 10, long: true };
    throw new FieldError(`step ${start} does not fit GRIB1 (at most 65535 units)`);
  }
  if (end > 255) throw new FieldError(`GRIB1 periods end at step 255 at most (got ${end}); use larger units`);
  const indicator = type === "accum" ? 4 : type === "avg" ? 3 : 2;
  return { p1: start, p2: end, indicator, long: false };
}

/** Encode one field as a GRIB1 message. */
export function encodeGrib1(f: Grib1Field): Uint8Array {
  validateField(f);
  if (f.packing.type !== "simple") throw new FieldError("GRIB1 supports simple packing only");
  const q = quantise(f.values, f.packing, "ibm", false);
  const bitmap = q.count < f.values.length ? buildBitmap(f.values) : undefined;
  const data = packSimpleValues(f.values, q);
  const t = f.referenceTime;
  const year = t.getUTCFullYear();
  const century = Math.floor((year - 1) / 100) + 1;
  const yearOfCentury = year - (century - 1) * 100;
  const tr = timeRange(f);

  const s1 = new ByteBuilder();
  s1.u(3, 28)
    .u(1, f.parameter.table2Version)
    .u(1, f.centre)
    .u(1, f.generatingProcessIdentifier ?? 255)
    .u(1, 255);
  s1.u(1, 0x80 | (bitmap ? 0x40 : 0))
    .u(1, f.parameter.indicatorOfParameter)
    .u(1, f.level.type)
    .u(2, f.level.value);
  s1.u(1, yearOfCentury)
    .u(1, t.getUTCMonth() + 1)
    .u(1, t.getUTCDate())
    .u(1, t.getUTCHours())
    .u(1, t.getUTCMinutes());
  s1.u(1, UNIT_CODES[f.step.units]);
  if (tr.long) s1.u(2, tr.p1);
  else s1.u(1, tr.p1).u(1, tr.p2);
  s1.u(1, tr.indicator)
    .u(2, 0)
    .u(1, 0)
    .u(1, century)
    .u(1, f.subCentre ?? 0)
    .s(2, q.decimalScaleFactor);

  const parts = [s1.result(), gds(f.grid, f.pv)];
  if (bitmap) {
    const bms = new ByteBuilder();
    bms.u(3, 0).u(1, 0).u(2, 0).bytes(bitmap);
    padEven(bms);
    const unused = bms.length * 8 - 48 - f.values.length;
    const out = bms.result();
    out[0] = bms.length >> 16;
    out[1] = (bms.length >> 8) & 0xff;
    out[2] = bms.length & 0xff;
    out[3] = unused;
    parts.push(out);
  }
  const bds = new ByteBuilder();
  bds
    .u(3, 0)
    .u(1, 0)
    .s(2, q.binaryScaleFactor)
    .u(4, ibmFloatBitsNotGreater(q.referenceValue))
    .u(1, q.bitsPerValue);
  bds.bytes(data);
  padEven(bds);
  const unusedBits = (bds.length - 11) * 8 - q.count * q.bitsPerValue;
  const bdsBytes = bds.result();
  bdsBytes[0] = bds.length >> 16;
  bdsBytes[1] = (bds.length >> 8) & 0xff;
  bdsBytes[2] = bds.length & 0xff;
  bdsBytes[3] = unusedBits & 0x0f;
  parts.push(bdsBytes);

  let total = 8 + 4;
  for (const p of parts) total += p.length;
  let lengthField = total;
  if (total > 0x7fffff) {
    // large GRIB1 (ecCodes' convention): the length counts 120-byte blocks, flagged by the top bit, and
    // section 4's length field holds the remainder r, so that total = blocks * 120 - r + 4
    const blocks = Math.ceil((total - 4) / 120);
    if (blocks > 0x7fffff) throw new FieldError(`GRIB1 message of ${total} bytes is too large`);
    const remainder = blocks * 120 - (total - 4);
    lengthField = 0x800000 | blocks;
    bdsBytes[0] = 0;
    bdsBytes[1] = 0;
    bdsBytes[2] = remainder;
  }
  const s0 = new ByteBuilder().ascii("GRIB").u(3, lengthField).u(1, 1).result();
  return concatBytes([s0, ...parts, new TextEncoder().encode("7777")]);
}
