// Product fields as GRIB messages through the codec's writer: parameter codes from params.ts, levels and
// steps in each edition's tables, ensemble members in GRIB2's template 4.1/4.11.
import type { FieldLevel, FieldPacking, FieldStep, FieldToWrite, WritableGrid } from "../grib/write/index.ts";
import { encodeField } from "../grib/write/index.ts";
import type { ForecastKind, LevelType } from "./fields.ts";
import type { ProductMessage } from "./run.ts";

/** GRIB2 code table 4.5 and GRIB1 table 3 for each level type. */
const levelCodes: Record<LevelType, { grib2: number; grib1: number }> = {
  height: { grib2: 103, grib1: 105 },
  pressure: { grib2: 100, grib1: 100 },
  hybrid: { grib2: 105, grib1: 109 },
  ground: { grib2: 1, grib1: 1 },
  meansea: { grib2: 101, grib1: 102 },
  depth: { grib2: 160, grib1: 160 },
  entatm: { grib2: 10, grib1: 200 },
  top: { grib2: 8, grib1: 8 },
  generalized: { grib2: 150, grib1: 109 },
  ground_depth: { grib2: 106, grib1: 112 },
};

function level(m: ProductMessage): FieldLevel {
  const codes = levelCodes[m.levelType];
  if (m.edition === 1) return { type: codes.grib1, value: m.level };
  // GRIB2 isobaric levels are coded in Pa.
  return { type: codes.grib2, value: m.levelType === "pressure" ? m.level * 100 : m.level };
}

function step(m: ProductMessage): FieldStep {
  const [start, end] = m.interval ?? [m.step, m.step];
  const wholeHours = [start, end].every((h) => Math.abs(h - Math.round(h)) < 1e-9);
  const units = wholeHours ? "h" : "m";
  const scale = wholeHours ? 1 : 60;
  return {
    start: Math.round(start * scale),
    end: Math.round(end * scale),
    units,
    type: m.interval ? "accum" : "instant",
  };
}

function packing(m: ProductMessage): FieldPacking {
  const p = m.packing;
  if ("decimalPrecision" in p) return { type: "simple", decimalScaleFactor: p.decimalPrecision };
  if (p.type === "ccsds" && m.edition === 2) return { type: "ccsds", bitsPerValue: p.bitsPerValue };
  return { type: "simple", bitsPerValue: p.bitsPerValue };
}

const writable = new Set(["regular_ll", "rotated_ll", "lambert", "polar_stereographic"]);

/**
 * GRIB2 codes of a forecast type as himan writes them (type of processed data, code table 1.4, and
 * type of generating process, 4.3): a deterministic product is "analysis and forecast" (2) from a
 * forecast (2), a statistical one 192 (local) from post-processing (13).
 */
const forecastTypeCodes: Record<
  ForecastKind,
  { typeOfProcessedData: number; typeOfGeneratingProcess: number }
> = {
  an: { typeOfProcessedData: 0, typeOfGeneratingProcess: 0 },
  det: { typeOfProcessedData: 2, typeOfGeneratingProcess: 2 },
  cf: { typeOfProcessedData: 3, typeOfGeneratingProcess: 4 },
  pf: { typeOfProcessedData: 4, typeOfGeneratingProcess: 4 },
  sp: { typeOfProcessedData: 192, typeOfGeneratingProcess: 13 },
};

/** Codes renumbered for GRIB2 (missing stays missing); a value the GRIB2 table has no code for is refused. */
function inGrib2Numbering(
  param: string,
  codes: ReadonlyMap<number, number>,
  values: Float64Array,
): Float64Array {
  return values.map((value, i) => {
    if (Number.isNaN(value)) return value;
    const code = codes.get(value);
    if (code === undefined)
      throw new Error(
        `${param}: value ${value} at point ${i} has no GRIB2 code (known: ${[...codes.keys()].join(", ")}); write GRIB1 (-t grib)`,
      );
    return code;
  });
}

/** The writer's description of a product field; throws when the product has no code in that edition. */
export function fieldToWrite(m: ProductMessage): FieldToWrite {
  if (!writable.has(m.grid.gridType))
    throw new Error(`cannot write ${m.param.name} on a ${m.grid.gridType} grid`);
  const common = {
    centre: m.centre,
    referenceTime: m.analysisTime,
    step: step(m),
    level: level(m),
    grid: m.grid as WritableGrid,
    values: m.values,
    packing: packing(m),
    ...(m.pv ? { pv: m.pv } : {}),
  };
  if (m.edition === 1) {
    if (!m.param.grib1) throw new Error(`${m.param.name} has no GRIB1 code: write GRIB2 (-t grib2)`);
    return { edition: 1, ...common, parameter: m.param.grib1 };
  }
  if (!m.param.grib2) throw new Error(`${m.param.name} has no GRIB2 code: write GRIB1 (-t grib)`);
  const ft = m.forecastType;
  return {
    edition: 2,
    ...common,
    ...(m.param.grib2Values ? { values: inGrib2Numbering(m.param.name, m.param.grib2Values, m.values) } : {}),
    parameter: m.param.grib2,
    ...forecastTypeCodes[ft.kind],
    ...(ft.kind === "cf" || ft.kind === "pf"
      ? {
          ensemble: {
            typeOfEnsembleForecast: ft.kind === "cf" ? 0 : 3,
            perturbationNumber: ft.member ?? 0,
            numberOfForecastsInEnsemble: 255,
          },
        }
      : {}),
  };
}

/** The encoder runJob uses: one GRIB message per product field. */
export function encodeProduct(m: ProductMessage): Uint8Array {
  return encodeField(fieldToWrite(m));
}
