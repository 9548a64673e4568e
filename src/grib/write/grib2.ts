// Encode a field as a GRIB2 message: sections 0-8 with grid templates 3.0/3.1/3.20/3.30, product templates
// 4.0/4.1/4.8/4.11 (followed by the hybrid levels' pv when given), data representation 5.0 (simple) or
// 5.42 (CCSDS), and a bitmap for missing values.
import { CCSDS_DEFAULTS, packCcsdsData, packSimpleValues, quantise } from "../packing/index.ts";
import type { GridCommon } from "../types.ts";
import { ByteBuilder, concatBytes, positiveLongitude, scaledDegrees } from "./bytes.ts";
import { buildBitmap, stepSeconds, validateField } from "./common.ts";
import type { FieldLevel, Grib2Field, StepType, StepUnit, WritableGrid } from "./field.ts";

/** GRIB2 code table 4.4 */
const UNIT_CODES: Record<StepUnit, number> = { m: 0, h: 1, D: 2, s: 13 };
/** GRIB2 code table 4.10 */
const STATISTICAL_PROCESS: Record<Exclude<StepType, "instant">, number> = {
  avg: 0,
  accum: 1,
  max: 2,
  min: 3,
};
/** GRIB master tables version written (ecCodes on Debian knows up to 30 and more). */
const TABLES_VERSION = 21;

function section(num: number, body: (b: ByteBuilder) => void): Uint8Array {
  const b = new ByteBuilder();
  b.u(4, 0).u(1, num);
  body(b);
  b.setU(0, 4, b.length);
  return b.result();
}

/** A section made of a header and a large payload, copied once. */
function rawSection(num: number, payload: Uint8Array, indicator?: number): Uint8Array {
  const head = indicator === undefined ? 5 : 6;
  const out = new Uint8Array(head + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, out.length);
  out[4] = num;
  if (indicator !== undefined) out[5] = indicator;
  out.set(payload, head);
  return out;
}

function writeEarth(b: ByteBuilder, g: GridCommon): void {
  b.u(1, g.shapeOfTheEarth);
  if (g.shapeOfTheEarth === 1 && g.earth.shape === "sphere") {
    b.u(1, 0).u(4, Math.round(g.earth.radius));
    b.missing(1).missing(4).missing(1).missing(4);
  } else if ((g.shapeOfTheEarth === 3 || g.shapeOfTheEarth === 7) && g.earth.shape === "oblate") {
    const scale = g.shapeOfTheEarth === 3 ? 1e-3 : 1; // 3: km, 7: m
    b.missing(1).missing(4);
    b.u(1, 0).u(4, Math.round(g.earth.majorAxis * scale));
    b.u(1, 0).u(4, Math.round(g.earth.minorAxis * scale));
  } else {
    b.missing(1).missing(4).missing(1).missing(4).missing(1).missing(4);
  }
}

function scanningByte(g: GridCommon): number {
  const s = g.scanning;
  return (
    (s.iScansNegatively ? 0x80 : 0) |
    (s.jScansPositively ? 0x40 : 0) |
    (s.jPointsAreConsecutive ? 0x20 : 0) |
    (s.alternativeRowScanning ? 0x10 : 0)
  );
}

function gridTemplate(grid: WritableGrid): number {
  switch (grid.gridType) {
    case "regular_ll":
      return 0;
    case "rotated_ll":
      return 1;
    case "polar_stereographic":
      return 20;
    case "lambert":
      return 30;
  }
}

function section3(grid: WritableGrid): Uint8Array {
  return section(3, (b) => {
    b.u(1, 0).u(4, grid.numberOfDataPoints).u(1, 0).u(1, 0).u(2, gridTemplate(grid));
    writeEarth(b, grid);
    const uv = grid.uvRelativeToGrid ? 0x08 : 0;
    const deg = (x: number) => scaledDegrees(x, 6);
    switch (grid.gridType) {
      case "regular_ll":
      case "rotated_ll": {
        const di = grid.iDirectionIncrementInDegrees;
        const dj = grid.jDirectionIncrementInDegrees;
        b.u(4, grid.Ni).u(4, grid.Nj).u(4, 0).missing(4);
        // Longitudes from 0 to 360 (regulation 92.1.6), as ECMWF and himan write them: -7.45 is 352.55
        // (a last longitude of 360 stays 360).
        const east = (x: number) => (x < 0 ? x + 360 : x);
        b.s(4, deg(grid.latitudeOfFirstGridPointInDegrees)).s(
          4,
          deg(east(grid.longitudeOfFirstGridPointInDegrees)),
        );
        b.u(1, (di !== null ? 0x20 : 0) | (dj !== null ? 0x10 : 0) | uv);
        b.s(4, deg(grid.latitudeOfLastGridPointInDegrees)).s(
          4,
          deg(east(grid.longitudeOfLastGridPointInDegrees)),
        );
        if (di !== null) b.u(4, deg(di));
        else b.missing(4);
        if (dj !== null) b.u(4, deg(dj));
        else b.missing(4);
        b.u(1, scanningByte(grid));
        if (grid.gridType === "rotated_ll") {
          b.s(4, deg(grid.latitudeOfSouthernPoleInDegrees));
          b.u(4, deg(positiveLongitude(grid.longitudeOfSouthernPoleInDegrees)));
          b.f32(grid.angleOfRotationInDegrees);
        }
        return;
      }
      case "polar_stereographic":
        b.u(4, grid.Nx).u(4, grid.Ny);
        b.s(4, deg(grid.latitudeOfFirstGridPointInDegrees));
        b.u(4, deg(positiveLongitude(grid.longitudeOfFirstGridPointInDegrees)));
        b.u(1, uv);
        b.s(4, deg(grid.LaDInDegrees)).s(4, deg(grid.orientationOfTheGridInDegrees));
        b.u(4, Math.round(grid.DxInMetres * 1000)).u(4, Math.round(grid.DyInMetres * 1000));
        b.u(1, grid.projectionCentreFlag).u(1, scanningByte(grid));
        return;
      case "lambert":
        b.u(4, grid.Nx).u(4, grid.Ny);
        b.s(4, deg(grid.latitudeOfFirstGridPointInDegrees));
        b.u(4, deg(positiveLongitude(grid.longitudeOfFirstGridPointInDegrees)));
        b.u(1, uv);
        b.s(4, deg(grid.LaDInDegrees)).u(4, deg(positiveLongitude(grid.LoVInDegrees)));
        b.u(4, Math.round(grid.DxInMetres * 1000)).u(4, Math.round(grid.DyInMetres * 1000));
        b.u(1, grid.projectionCentreFlag).u(1, scanningByte(grid));
        b.s(4, deg(grid.Latin1InDegrees)).s(4, deg(grid.Latin2InDegrees));
        b.s(4, deg(grid.latitudeOfSouthernPoleInDegrees));
        b.u(4, deg(positiveLongitude(grid.longitudeOfSouthernPoleInDegrees)));
        return;
    }
  });
}

/** A level value as GRIB2's scale factor and scaled value (fewest decimals that represent it). */
function scaledLevel(b: ByteBuilder, level: FieldLevel | undefined): void {
  if (!level || level.type === 255) {
    b.u(1, level?.type ?? 255)
      .missing(1)
      .missing(4);
    return;
  }
  b.u(1, level.type);
  let scale = 0;
  while (scale < 9 && Math.abs(level.value * 10 ** scale - Math.round(level.value * 10 ** scale)) > 1e-9)
    scale++;
  const scaled = Math.round(level.value * 10 ** scale);
  if (scaled < 0)
    throw new RangeError(`level ${level.value} is negative: GRIB2 stores unsigned level values`);
  b.u(1, scale).u(4, scaled);
}

function section4(f: Grib2Field): Uint8Array {
  const instant = f.step.type === "instant";
  const template = f.ensemble ? (instant ? 1 : 11) : instant ? 0 : 8;
  return section(4, (b) => {
    b.u(2, f.pv?.length ?? 0).u(2, template);
    b.u(1, f.parameter.parameterCategory).u(1, f.parameter.parameterNumber);
    b.u(1, f.typeOfGeneratingProcess ?? (f.ensemble ? 4 : 2))
      .u(1, 255)
      .u(1, f.generatingProcessIdentifier ?? 255);
    b.missing(2).missing(1);
    b.u(1, UNIT_CODES[f.step.units]).u(4, f.step.start);
    scaledLevel(b, f.level);
    scaledLevel(b, f.secondLevel);
    if (f.ensemble) {
      b.u(1, f.ensemble.typeOfEnsembleForecast).u(1, f.ensemble.perturbationNumber);
      b.u(1, f.ensemble.numberOfForecastsInEnsemble);
    }
    if (!instant) {
      const end = new Date(f.referenceTime.getTime() + f.step.end * stepSeconds(f.step.units) * 1000);
      b.u(2, end.getUTCFullYear())
        .u(1, end.getUTCMonth() + 1)
        .u(1, end.getUTCDate());
      b.u(1, end.getUTCHours()).u(1, end.getUTCMinutes()).u(1, end.getUTCSeconds());
      b.u(1, 1).u(4, 0);
      b.u(1, STATISTICAL_PROCESS[f.step.type as Exclude<StepType, "instant">]).u(1, 2);
      b.u(1, UNIT_CODES[f.step.units]).u(4, f.step.end - f.step.start);
      b.u(1, 255).u(4, 0);
    }
    // the vertical coordinates follow the template, as IEEE floats (GRIB2 regulation 92.6.3)
    for (const x of f.pv ?? []) b.f32(x);
  });
}

/** Encode one field as a GRIB2 message. */
export function encodeGrib2(f: Grib2Field): Uint8Array {
  validateField(f);
  const packing = f.packing;
  const ccsds = packing.type === "ccsds";
  // quantise and the packers skip NaNs: the present values are never copied out
  const q = quantise(f.values, packing, "ieee32", ccsds);
  const bitmap = q.count < f.values.length ? buildBitmap(f.values) : undefined;
  const data = ccsds ? packCcsdsData(q, packing) : packSimpleValues(f.values, q);

  const t = f.referenceTime;
  const s1 = section(1, (b) => {
    b.u(2, f.centre)
      .u(2, f.subCentre ?? 0)
      .u(1, TABLES_VERSION)
      .u(1, 0)
      .u(1, 1);
    b.u(2, t.getUTCFullYear())
      .u(1, t.getUTCMonth() + 1)
      .u(1, t.getUTCDate());
    b.u(1, t.getUTCHours()).u(1, t.getUTCMinutes()).u(1, t.getUTCSeconds());
    b.u(1, 0).u(1, f.typeOfProcessedData ?? (f.ensemble ? 4 : 1));
  });
  const s5 = section(5, (b) => {
    b.u(4, q.count).u(2, ccsds ? 42 : 0);
    b.f32(q.referenceValue).s(2, q.binaryScaleFactor).s(2, q.decimalScaleFactor).u(1, q.bitsPerValue).u(1, 0);
    if (packing.type === "ccsds") {
      b.u(1, packing.flags ?? CCSDS_DEFAULTS.flags);
      b.u(1, packing.blockSize ?? CCSDS_DEFAULTS.blockSize);
      b.u(2, packing.rsi ?? CCSDS_DEFAULTS.rsi);
    }
  });
  const s6 = bitmap ? rawSection(6, bitmap, 0) : section(6, (b) => b.u(1, 255));
  const s7 = rawSection(7, data);
  const body = [s1, section3(f.grid), section4(f), s5, s6, s7];
  let total = 16 + 4;
  for (const s of body) total += s.length;
  const s0 = new ByteBuilder()
    .ascii("GRIB")
    .u(2, 0)
    .u(1, f.parameter.discipline)
    .u(1, 2)
    .u(8, total)
    .result();
  return concatBytes([s0, ...body, new TextEncoder().encode("7777")]);
}
