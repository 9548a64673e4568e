// What a source message is, by FMI/radon names: parameter, level as himan asks for it, and the factor
// that brings its values to the name's units. Three families of codes:
//   - ECMWF's local tables (GRIB1 tables 128, 228, ... of centre 98, and GRIB2 with ECMWF's local
//     codes) by paramId, the number ECMWF itself uses across both editions. Surface fields that ECMWF
//     codes at "surface" but that are measured at a fixed height (2t, 2d, 10u, 10v, 10fg, 100u, ...)
//     are read at that height, as FMI's radon transforms them (ecCodes' GRIB2 definitions give the
//     same heights); accumulations in metres of water become kg m-2.
//   - WMO GRIB1 table 2 (tables 1-3), the HIRLAM/HARMONIE table 253 and FMI's own table 203.
//   - WMO GRIB2 discipline/category/number.
import type { GribMetadata } from "../grib/types.ts";
import { type FieldKey, type LevelType, levelTypeOf } from "./fields.ts";

interface EcmwfParam {
  name: string;
  /** Multiply values by this to get the name's units (metres of water -> kg m-2). */
  scale?: number;
  /** The height (m) ECMWF's surface-coded field is measured at. */
  height?: number;
  /** The level type a surface-coded field stands for when it is not the ground (msl: mean sea). */
  levelType?: LevelType;
}

const water = 1000;

/** ECMWF parameters by paramId (table 128: the number itself; other tables: table × 1000 + number). */
const ecmwfParams = new Map<number, EcmwfParam>([
  [129, { name: "Z-M2S2" }],
  [130, { name: "T-K" }],
  [131, { name: "U-MS" }],
  [132, { name: "V-MS" }],
  [133, { name: "Q-KGKG" }],
  [134, { name: "PGR-PA" }],
  [135, { name: "VV-PAS" }],
  [137, { name: "TOTCWV-KGM2" }],
  [139, { name: "TG-K", levelType: "ground_depth" }],
  [142, { name: "RRL-KGM2", scale: water }],
  [143, { name: "RRC-KGM2", scale: water }],
  [144, { name: "SNACC-KGM2", scale: water }],
  [151, { name: "P-PA", levelType: "meansea" }],
  [152, { name: "LNSP-N" }],
  [156, { name: "ZH-GPM" }],
  [157, { name: "RH-PRCNT" }],
  [164, { name: "N-0TO1" }],
  [248, { name: "N-0TO1" }],
  [165, { name: "U-MS", height: 10 }],
  [166, { name: "V-MS", height: 10 }],
  [167, { name: "T-K", height: 2 }],
  [168, { name: "TD-K", height: 2 }],
  [169, { name: "RADGLOA-JM2" }],
  [172, { name: "LC-0TO1" }],
  [175, { name: "RADLWA-JM2" }],
  [176, { name: "RADSWA-JM2" }],
  [177, { name: "RNETLWA-JM2" }],
  [179, { name: "RTOPLWA-JM2", levelType: "top" }],
  [186, { name: "NL-0TO1" }],
  [187, { name: "NM-0TO1" }],
  [188, { name: "NH-0TO1" }],
  [201, { name: "TMAX-K", height: 2 }],
  [202, { name: "TMIN-K", height: 2 }],
  [121, { name: "TMAX-K", height: 2 }],
  [122, { name: "TMIN-K", height: 2 }],
  [207, { name: "FF-MS", height: 10 }],
  [235, { name: "SKT-K" }],
  [228, { name: "RR-KGM2", scale: water }],
  [49, { name: "FFG-MS", height: 10 }],
  [123, { name: "FFG-MS", height: 10 }],
  [59, { name: "CAPE-JKG" }],
  [246, { name: "CLDWAT-KGKG" }],
  [31, { name: "IC-0TO1" }],
  [228029, { name: "FFG2-MS", height: 10 }],
  [228228, { name: "RR-KGM2" }],
  [228246, { name: "U-MS", height: 100 }],
  [228247, { name: "V-MS", height: 100 }],
  [260242, { name: "RH-PRCNT", height: 2 }],
]);

/** GRIB1 tables of centre 98 that are ECMWF's own (ecCodes' grib1/2.98.*.table). */
function isEcmwfTable(table: number): boolean {
  return table >= 128 && table <= 254 && table !== 203 && table !== 253;
}

/** GRIB1 codes of WMO tables 1-3, HIRLAM/HARMONIE's 253 and FMI's 203; `onlyOn` limits a code to level types. */
const grib1Sources: Array<{ tables: number[]; number: number; name: string; onlyOn?: LevelType[] }> = [
  { tables: [1, 2, 3, 253], number: 1, name: "P-PA" },
  { tables: [1, 2, 3, 253], number: 6, name: "Z-M2S2" },
  { tables: [1, 2, 3, 253], number: 11, name: "T-K" },
  { tables: [1, 2, 3, 253], number: 17, name: "TD-K" },
  { tables: [1, 2, 3, 253], number: 33, name: "U-MS" },
  { tables: [1, 2, 3, 253], number: 34, name: "V-MS" },
  { tables: [1, 2, 3], number: 39, name: "VV-PAS" },
  { tables: [1, 2, 3], number: 40, name: "VV-MS" },
  { tables: [253], number: 40, name: "VV-MS" },
  { tables: [1, 2, 3, 253], number: 51, name: "Q-KGKG" },
  { tables: [1, 2, 3], number: 52, name: "RH-PRCNT" },
  { tables: [253], number: 52, name: "RH-0TO1" },
  { tables: [1, 2, 3, 253], number: 61, name: "RR-KGM2" },
  { tables: [253], number: 117, name: "RADGLOA-JM2" },
  { tables: [253], number: 115, name: "RADLWA-JM2" },
  { tables: [253], number: 162, name: "WGU-MS" },
  { tables: [253], number: 163, name: "WGV-MS" },
  // HARMONIE's hydrometeors: mixing ratios on model levels, accumulations at the surface.
  { tables: [253], number: 181, name: "RAINMR-KGKG", onlyOn: ["hybrid"] },
  { tables: [253], number: 184, name: "SNOWMR-KGKG", onlyOn: ["hybrid"] },
  { tables: [253], number: 201, name: "GRAUPMR-KGKG", onlyOn: ["hybrid"] },
  { tables: [253], number: 184, name: "SNACC-KGM2" },
  { tables: [203], number: 1, name: "P-HPA" },
  { tables: [203], number: 2, name: "Z-M2S2" },
  { tables: [203], number: 3, name: "HL-M" },
  { tables: [203], number: 4, name: "T-C" },
  { tables: [203], number: 10, name: "TD-K" },
  { tables: [203], number: 12, name: "Q-KGKG" },
  { tables: [203], number: 13, name: "RH-PRCNT" },
  { tables: [203], number: 20, name: "DD-D" },
  { tables: [203], number: 21, name: "FF-MS" },
  { tables: [203], number: 23, name: "U-MS" },
  { tables: [203], number: 24, name: "V-MS" },
  { tables: [203], number: 40, name: "VV-PAS" },
  { tables: [203], number: 44, name: "VV-MS" },
  { tables: [203], number: 74, name: "LNSP-N" },
  { tables: [203], number: 75, name: "TG-K" },
  { tables: [203], number: 101, name: "RHO-KGM3" },
  // himan's precipitation forms (preform_pressure, preform_hybrid) as his files code them.
  { tables: [203], number: 59, name: "PRECFORM-N" },
  { tables: [203], number: 255, name: "PRECFORM2-N" },
];

const grib2Sources: Array<[discipline: number, category: number, number: number, name: string]> = [
  [0, 0, 0, "T-K"],
  [0, 0, 6, "TD-K"],
  [0, 1, 0, "Q-KGKG"],
  [0, 1, 1, "RH-PRCNT"],
  [0, 1, 8, "RR-KGM2"],
  [0, 1, 52, "RRR-KGM2"],
  [0, 1, 29, "SNACC-KGM2"],
  [0, 1, 82, "CLDICE-KGKG"],
  [0, 1, 83, "CLDWAT-KGKG"],
  [0, 2, 0, "DD-D"],
  [0, 2, 1, "FF-MS"],
  [0, 2, 2, "U-MS"],
  [0, 2, 3, "V-MS"],
  [0, 2, 8, "VV-PAS"],
  [0, 2, 9, "VV-MS"],
  [0, 2, 22, "FFG-MS"],
  [0, 2, 23, "WGU-MS"],
  [0, 2, 24, "WGV-MS"],
  [0, 3, 0, "P-PA"],
  [0, 3, 1, "P-PA"],
  [0, 3, 4, "Z-M2S2"],
  [0, 3, 5, "ZH-GPM"],
  [0, 3, 25, "LNSP-N"],
  [0, 3, 10, "RHO-KGM3"],
  [0, 4, 7, "RADGLOA-JM2"],
  [0, 5, 3, "RADLWA-JM2"],
];

/** What a message is as a product input: FMI name, level and the factor to the name's units. */
export interface SourceField {
  param: string;
  levelType: LevelType;
  level: number;
  scale: number;
}

/** The codes that name a message (a subset of the GRIB metadata). */
export type SourceCodes = Pick<
  GribMetadata,
  | "edition"
  | "centreCode"
  | "paramId"
  | "typeOfLevel"
  | "level"
  | "table2Version"
  | "indicatorOfParameter"
  | "discipline"
  | "parameterCategory"
  | "parameterNumber"
>;

function ecmwfField(paramId: number, levelType: LevelType, level: number): SourceField | null {
  const p = ecmwfParams.get(paramId);
  if (!p) return null;
  const atSurface = levelType === "ground";
  return {
    param: p.name,
    levelType:
      atSurface && p.height !== undefined ? "height" : atSurface && p.levelType ? p.levelType : levelType,
    level: atSurface && p.height !== undefined ? p.height : level,
    scale: p.scale ?? 1,
  };
}

/** The message as a product input, or null when its parameter or level is not one the plugins read. */
export function sourceField(m: SourceCodes): SourceField | null {
  const levelType = levelTypeOf(m.typeOfLevel);
  if (!levelType) return null;
  if (m.edition === 1) {
    const table = m.table2Version ?? -1;
    const number = m.indicatorOfParameter ?? -1;
    if (isEcmwfTable(table))
      return ecmwfField(table === 128 ? number : table * 1000 + number, levelType, m.level);
    const hit = grib1Sources.find(
      (s) => s.number === number && s.tables.includes(table) && (!s.onlyOn || s.onlyOn.includes(levelType)),
    );
    return hit ? { param: hit.name, levelType, level: m.level, scale: 1 } : null;
  }
  const local =
    m.centreCode === 98 &&
    ((m.discipline ?? 0) >= 192 || (m.parameterCategory ?? 0) >= 192 || (m.parameterNumber ?? 0) >= 192);
  if (local) return ecmwfField(m.paramId, levelType, m.level);
  const hit = grib2Sources.find(
    ([d, c, n]) => d === m.discipline && c === m.parameterCategory && n === m.parameterNumber,
  );
  if (hit) return { param: hit[3], levelType, level: m.level, scale: 1 };
  return ecmwfField(m.paramId, levelType, m.level);
}

/**
 * A catalogue field (ECMWF's paramId, ecCodes' typeOfLevel) as a product input key: the same naming
 * as for messages, for fields whose codes ecCodes has turned into ECMWF paramIds.
 */
export function catalogueFieldKey(row: {
  paramId: number | null;
  levelType: string;
  level: number;
  step: number;
  member: number | null;
}): FieldKey | null {
  const levelType = levelTypeOf(row.levelType);
  if (row.paramId === null || !levelType) return null;
  const field = ecmwfField(row.paramId, levelType, row.level);
  if (!field) return null;
  return {
    param: field.param,
    levelType: field.levelType,
    level: field.level,
    step: row.step,
    ...(row.member !== null ? { member: row.member } : {}),
  };
}
