// Messages we write are read by ecCodes with the metadata we meant (grib_ls -j) and the values we gave
// within the packing's precision (grib_get_data); and our own decoder agrees with ecCodes on them.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { unpackGrib1, unpackGrib2 } from "../../src/grib/packing/index.ts";
import type {
  GridCommon,
  LambertGrid,
  PolarStereographicGrid,
  RegularLatLonGrid,
  RotatedLatLonGrid,
} from "../../src/grib/types.ts";
import { encodeField, FieldError, type FieldToWrite, type WritableGrid } from "../../src/grib/write/index.ts";
import { applyBitmap, ecCodesGridValues, maxDifference, rawMessages } from "./packing-fixtures.ts";

const common: Omit<GridCommon, "numberOfDataPoints"> = {
  scanning: { iScansNegatively: 0, jScansPositively: 0, jPointsAreConsecutive: 0, alternativeRowScanning: 0 },
  shapeOfTheEarth: 6,
  earth: { shape: "sphere", radius: 6371229 },
  uvRelativeToGrid: 0,
};
const regular: RegularLatLonGrid = {
  ...common,
  gridType: "regular_ll",
  Ni: 73,
  Nj: 37,
  numberOfDataPoints: 73 * 37,
  latitudeOfFirstGridPointInDegrees: 90,
  longitudeOfFirstGridPointInDegrees: 0,
  latitudeOfLastGridPointInDegrees: -90,
  longitudeOfLastGridPointInDegrees: 360,
  iDirectionIncrementInDegrees: 5,
  jDirectionIncrementInDegrees: 5,
};
const rotated: RotatedLatLonGrid = {
  ...common,
  gridType: "rotated_ll",
  Ni: 50,
  Nj: 40,
  numberOfDataPoints: 2000,
  latitudeOfFirstGridPointInDegrees: -10,
  longitudeOfFirstGridPointInDegrees: -12.5,
  latitudeOfLastGridPointInDegrees: 9.5,
  longitudeOfLastGridPointInDegrees: 12,
  iDirectionIncrementInDegrees: 0.5,
  jDirectionIncrementInDegrees: 0.5,
  scanning: { ...common.scanning, jScansPositively: 1 },
  latitudeOfSouthernPoleInDegrees: -30,
  longitudeOfSouthernPoleInDegrees: 15,
  angleOfRotationInDegrees: 0,
  uvRelativeToGrid: 1,
};
const lambert: LambertGrid = {
  ...common,
  gridType: "lambert",
  Nx: 60,
  Ny: 45,
  numberOfDataPoints: 2700,
  latitudeOfFirstGridPointInDegrees: 50.5,
  longitudeOfFirstGridPointInDegrees: 0.25,
  LaDInDegrees: 63.3,
  LoVInDegrees: 15,
  Latin1InDegrees: 63.3,
  Latin2InDegrees: 63.3,
  DxInMetres: 2500,
  DyInMetres: 2500,
  projectionCentreFlag: 0,
  latitudeOfSouthernPoleInDegrees: -90,
  longitudeOfSouthernPoleInDegrees: 0,
  scanning: { ...common.scanning, jScansPositively: 1 },
  shapeOfTheEarth: 1,
  earth: { shape: "sphere", radius: 6371000 },
};
const polar: PolarStereographicGrid = {
  ...common,
  gridType: "polar_stereographic",
  Nx: 40,
  Ny: 30,
  numberOfDataPoints: 1200,
  latitudeOfFirstGridPointInDegrees: 45.5,
  longitudeOfFirstGridPointInDegrees: 350.25,
  LaDInDegrees: 60,
  orientationOfTheGridInDegrees: 10,
  DxInMetres: 20000,
  DyInMetres: 20000,
  projectionCentreFlag: 0,
  scanning: { ...common.scanning, jScansPositively: 1 },
};

function points(g: WritableGrid): number {
  return g.numberOfDataPoints;
}

function field(grid: WritableGrid, kind: "smooth" | "bitmap" | "constant" | "missing"): Float64Array {
  const n = points(grid);
  return Float64Array.from({ length: n }, (_, i) => {
    if (kind === "constant") return 7.5;
    if (kind === "missing") return Number.NaN;
    if (kind === "bitmap" && i % 5 === 2) return Number.NaN;
    return 270 + 20 * Math.sin(i / 17) + (i % 13) * 0.37;
  });
}

interface Case {
  name: string;
  field: FieldToWrite;
  /** keys ecCodes must report (grib_ls -j) */
  expect: Record<string, string | number>;
  /** largest error allowed against the input */
  precision: number;
}

const referenceTime = new Date("2026-11-24T12:00:00Z");
const t2m2 = { discipline: 0, parameterCategory: 0, parameterNumber: 0 };
const t2m1 = { table2Version: 128, indicatorOfParameter: 167 };
const heightLevel2 = { level: { type: 103, value: 2 } };

function cases(): Case[] {
  const out: Case[] = [];
  const grids: WritableGrid[] = [regular, rotated, lambert, polar];
  const gridKeys = (g: WritableGrid): Record<string, string | number> =>
    g.gridType === "regular_ll" || g.gridType === "rotated_ll"
      ? {
          gridType: g.gridType,
          Ni: g.Ni,
          Nj: g.Nj,
          latitudeOfFirstGridPointInDegrees: g.latitudeOfFirstGridPointInDegrees,
        }
      : {
          gridType: g.gridType,
          Nx: g.Nx,
          Ny: g.Ny,
          latitudeOfFirstGridPointInDegrees: g.latitudeOfFirstGridPointInDegrees,
        };
  for (const grid of grids) {
    for (const packing of [
      { type: "simple", bitsPerValue: 16 },
      { type: "ccsds", decimalScaleFactor: 2 },
    ] as const) {
      out.push({
        name: `GRIB2 ${grid.gridType} instant 2t, ${packing.type}`,
        field: {
          edition: 2,
          centre: 98,
          referenceTime,
          step: { start: 6, end: 6, units: "h", type: "instant" },
          parameter: t2m2,
          ...heightLevel2,
          grid,
          values: field(grid, "bitmap"),
          packing,
        },
        expect: {
          edition: 2,
          centre: "ecmf",
          dataDate: 20261124,
          dataTime: 1200,
          stepRange: 6,
          stepType: "instant",
          shortName: "2t",
          typeOfLevel: "heightAboveGround",
          level: 2,
          packingType: packing.type === "simple" ? "grid_simple" : "grid_ccsds",
          numberOfMissing: Math.ceil((points(grid) - 2) / 5),
          bitmapPresent: 1,
          ...gridKeys(grid),
        },
        precision: packing.type === "simple" ? 60 / 65535 : 0.005,
      });
    }
  }
  for (const [type, code] of [
    ["accum", 1],
    ["avg", 0],
    ["max", 2],
    ["min", 3],
  ] as const) {
    out.push({
      name: `GRIB2 statistically processed (${type}) 0-24h, simple at D=1`,
      field: {
        edition: 2,
        centre: 98,
        referenceTime,
        step: { start: 0, end: 24, units: "h", type },
        parameter: t2m2,
        ...heightLevel2,
        grid: regular,
        values: field(regular, "smooth"),
        packing: { type: "simple", decimalScaleFactor: 1 },
      },
      expect: {
        stepRange: "0-24",
        startStep: 0,
        endStep: 24,
        stepType: type,
        typeOfStatisticalProcessing: code,
        productDefinitionTemplateNumber: 8,
        decimalScaleFactor: 1,
      },
      precision: 0.05,
    });
  }
  out.push({
    name: "GRIB2 ensemble member, instant (4.1) and accumulated (4.11)",
    field: {
      edition: 2,
      centre: 98,
      referenceTime,
      step: { start: 12, end: 12, units: "h", type: "instant" },
      parameter: t2m2,
      ...heightLevel2,
      grid: regular,
      values: field(regular, "smooth"),
      packing: { type: "ccsds", bitsPerValue: 12 },
      ensemble: { typeOfEnsembleForecast: 3, perturbationNumber: 7, numberOfForecastsInEnsemble: 51 },
    },
    expect: { productDefinitionTemplateNumber: 1, number: 7, stepRange: 12, bitsPerValue: 12 },
    precision: 60 / 4095,
  });
  out.push({
    name: "GRIB2 ensemble accumulation (4.11)",
    field: {
      edition: 2,
      centre: 98,
      referenceTime,
      step: { start: 3, end: 6, units: "h", type: "accum" },
      parameter: { discipline: 0, parameterCategory: 1, parameterNumber: 8 },
      level: { type: 1, value: 0 },
      grid: lambert,
      values: field(lambert, "smooth"),
      packing: { type: "simple", bitsPerValue: 24 },
      ensemble: { typeOfEnsembleForecast: 3, perturbationNumber: 2, numberOfForecastsInEnsemble: 15 },
    },
    expect: { productDefinitionTemplateNumber: 11, number: 2, stepRange: "3-6", stepType: "accum" },
    precision: 1e-4,
  });
  out.push({
    name: "GRIB2 constant field",
    field: {
      edition: 2,
      centre: 86,
      referenceTime,
      step: { start: 0, end: 0, units: "h", type: "instant" },
      parameter: t2m2,
      ...heightLevel2,
      grid: polar,
      values: field(polar, "constant"),
      packing: { type: "ccsds", decimalScaleFactor: 3 },
    },
    expect: { bitsPerValue: 0, centre: "efkl", numberOfMissing: 0 },
    precision: 1e-6,
  });
  for (const edition of [1, 2] as const) {
    out.push({
      name: `GRIB${edition} constant field, simple packing (0 bits per value)`,
      field: {
        ...(edition === 1
          ? { edition: 1 as const, parameter: t2m1, level: { type: 105, value: 2 } }
          : { edition: 2 as const, parameter: t2m2, ...heightLevel2 }),
        centre: 98,
        referenceTime,
        step: { start: 0, end: 0, units: "h", type: "instant" },
        grid: regular,
        values: field(regular, "constant"),
        packing: { type: "simple", decimalScaleFactor: 2 },
      },
      expect: { bitsPerValue: 0, packingType: "grid_simple", numberOfMissing: 0 },
      precision: 1e-5,
    });
  }
  // A hybrid-level product carries its source's pv; a constant that neither an IBM nor an IEEE float
  // represents exactly is still constant (0 bits, as ecCodes and himan write it), whatever bit width asked.
  const pv = Float64Array.from([0, 2000.5, 3000.25, 0, 0.25, 0.5]);
  for (const edition of [1, 2] as const) {
    out.push({
      name: `GRIB${edition} hybrid level with pv, constant 30.0011 at 16 bits asked: 0 bits per value`,
      field: {
        ...(edition === 1
          ? { edition: 1 as const, parameter: t2m1, level: { type: 109, value: 2 } }
          : { edition: 2 as const, parameter: t2m2, level: { type: 105, value: 2 } }),
        centre: 98,
        referenceTime,
        step: { start: 0, end: 0, units: "h", type: "instant" },
        grid: rotated,
        values: new Float64Array(points(rotated)).fill(30.0011),
        packing: { type: "simple", bitsPerValue: 16 },
        pv,
      },
      expect: { bitsPerValue: 0, typeOfLevel: "hybrid", level: 2, NV: pv.length, PVPresent: 1 },
      // an IBM float's 24-bit mantissa at 30 (16^2 · 2^-24)
      precision: 2 ** -16,
    });
  }
  out.push({
    name: "GRIB2 all missing",
    field: {
      edition: 2,
      centre: 98,
      referenceTime,
      step: { start: 90, end: 90, units: "m", type: "instant" },
      parameter: t2m2,
      ...heightLevel2,
      grid: rotated,
      values: field(rotated, "missing"),
      packing: { type: "simple", bitsPerValue: 16 },
    },
    expect: { numberOfMissing: 2000, numberOfValues: 0, stepRange: 90 },
    precision: 0,
  });
  for (const grid of grids) {
    out.push({
      name: `GRIB1 ${grid.gridType} instant 2t with bitmap`,
      field: {
        edition: 1,
        centre: 98,
        referenceTime,
        step: { start: 6, end: 6, units: "h", type: "instant" },
        parameter: t2m1,
        level: { type: 105, value: 2 },
        grid,
        values: field(grid, "bitmap"),
        packing: { type: "simple", decimalScaleFactor: 2 },
      },
      expect: {
        edition: 1,
        centre: "ecmf",
        shortName: "2t",
        stepRange: 6,
        typeOfLevel: "heightAboveGround",
        level: 2,
        numberOfMissing: Math.ceil((points(grid) - 2) / 5),
        ...gridKeys(grid),
      },
      precision: 0.005,
    });
  }
  for (const [type, indicator] of [
    ["accum", 4],
    ["avg", 3],
  ] as const) {
    out.push({
      name: `GRIB1 ${type} 0-12h (time range indicator ${indicator})`,
      field: {
        edition: 1,
        centre: 98,
        referenceTime,
        step: { start: 0, end: 12, units: "h", type },
        parameter: { table2Version: 128, indicatorOfParameter: 228 },
        level: { type: 1, value: 0 },
        grid: regular,
        values: field(regular, "smooth"),
        packing: { type: "simple", bitsPerValue: 12 },
      },
      expect: { stepRange: "0-12", stepType: type, timeRangeIndicator: indicator, bitsPerValue: 12 },
      precision: 60 / 4095,
    });
  }
  return out;
}

function eccodesKeys(file: string, keys: string[]): Record<string, unknown> {
  const text = execFileSync("grib_ls", ["-j", "-p", keys.join(","), file], { encoding: "utf8" });
  return (JSON.parse(text) as { messages: Record<string, unknown>[] }).messages[0];
}

/** ecCodes' pv array (grib_ls cannot print an array; grib_dump -j can). */
function eccodesPv(file: string): number[] {
  const text = execFileSync("grib_dump", ["-j", file], { encoding: "utf8" });
  const keys = (JSON.parse(text) as { messages: Array<Array<{ key: string; value: unknown }>> }).messages[0];
  return keys.find((k) => k.key === "pv")?.value as number[];
}

describe("ecCodes reads what we write", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "cb-grib-write-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  cases().forEach((c, k) => {
    test(c.name, () => {
      const bytes = encodeField(c.field);
      const file = join(dir, `case${k}.grib`);
      writeFileSync(file, bytes);
      const keys = eccodesKeys(file, Object.keys(c.expect));
      for (const [key, value] of Object.entries(c.expect)) {
        assert.equal(keys[key], value, `${key}: ecCodes says ${JSON.stringify(keys[key])}`);
      }
      if (c.field.pv) assert.deepEqual(eccodesPv(file), [...c.field.pv], "ecCodes' pv is the one given");
      const [theirs] = ecCodesGridValues(file);
      const input = c.field.values;
      assert.ok(maxDifference(theirs, input) <= c.precision + 1e-9, "ecCodes' values are the input");
      // and our decoder reads our message as ecCodes does
      const [m] = rawMessages(bytes);
      const packed =
        m.edition === 2
          ? unpackGrib2(m.template, m.section5!, m.section7!, m.packedCount)
          : unpackGrib1(m.section4!, m.packedCount, m.decimalScaleFactor);
      assert.ok(maxDifference(applyBitmap(packed, m), theirs) <= 1e-9 * 400);
    });
  });
});

test("inconsistent fields are refused with a reason", () => {
  const base = cases()[0].field;
  assert.throws(() => encodeField({ ...base, values: new Float64Array(3) }), FieldError);
  assert.throws(
    () => encodeField({ ...base, step: { start: 3, end: 6, units: "h", type: "instant" } }),
    /instantaneous field has one step/,
  );
  assert.throws(
    () =>
      encodeField({
        ...base,
        edition: 1,
        parameter: t2m1,
        packing: { type: "ccsds" },
      } as FieldToWrite),
    /GRIB1 supports simple packing only/,
  );
});

test("a GRIB1 message over 8 MB uses the large-message length convention and ecCodes reads it", () => {
  const dir = mkdtempSync(join(tmpdir(), "cb-grib-write-large-"));
  try {
    const Ni = 2000;
    const Nj = 1500;
    const grid: RegularLatLonGrid = {
      ...regular,
      Ni,
      Nj,
      numberOfDataPoints: Ni * Nj,
      latitudeOfFirstGridPointInDegrees: 74.95,
      longitudeOfFirstGridPointInDegrees: -50,
      latitudeOfLastGridPointInDegrees: 0,
      longitudeOfLastGridPointInDegrees: 49.95,
      iDirectionIncrementInDegrees: 0.05,
      jDirectionIncrementInDegrees: 0.05,
    };
    const values = Float64Array.from({ length: Ni * Nj }, (_, i) => 250 + ((i * 7919) % 10007) * 0.004);
    const bytes = encodeField({
      edition: 1,
      centre: 98,
      referenceTime,
      step: { start: 0, end: 0, units: "h", type: "instant" },
      parameter: t2m1,
      level: { type: 105, value: 2 },
      grid,
      values,
      packing: { type: "simple", bitsPerValue: 24 },
    });
    assert.ok(bytes.length > 0x7fffff);
    assert.ok(bytes[4] & 0x80, "large-message flag");
    const file = join(dir, "large.grib");
    writeFileSync(file, bytes);
    const keys = eccodesKeys(file, ["totalLength", "numberOfValues", "max", "min", "bitsPerValue"]);
    assert.equal(keys.totalLength, bytes.length);
    assert.equal(keys.numberOfValues, Ni * Nj);
    assert.equal(keys.bitsPerValue, 24);
    assert.ok(Math.abs((keys.max as number) - (250 + 10006 * 0.004)) < 1e-3);
    assert.ok(Math.abs((keys.min as number) - 250) < 1e-3);
    const [m] = rawMessages(bytes);
    const ours = unpackGrib1(m.section4!, m.packedCount, m.decimalScaleFactor);
    assert.ok(maxDifference(ours, values) <= 40 / 2 ** 24 + 1e-9);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
