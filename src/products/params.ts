// Parameters by their FMI/radon names, and how each is coded in GRIB. Reading maps a message's codes to
// a name; writing codes a product with the same WMO/ECMWF (GRIB2) or FMI local table 203 (GRIB1) entries
// that himan's result files carry. ecCodes' efkl local concepts name these codes the same way.

export interface Grib2Code {
  discipline: number;
  parameterCategory: number;
  parameterNumber: number;
}

export interface Grib1Code {
  table2Version: number;
  indicatorOfParameter: number;
}

export interface ParamInfo {
  /** FMI/radon name, e.g. "FF-MS". */
  name: string;
  /** Units as ecCodes spells them. */
  units: string;
  /** The code written for GRIB2 output (null: none is defined; writing GRIB2 is refused). */
  grib2: Grib2Code | null;
  /** The code written for GRIB1 output: FMI's local table 203. */
  grib1: Grib1Code | null;
  /** Accumulations and rates: GRIB2 code table 4.10 (1 accumulation) and the interval in hours. */
  statistical?: { process: number; hours: number };
}

const g2 = (discipline: number, parameterCategory: number, parameterNumber: number): Grib2Code => ({
  discipline,
  parameterCategory,
  parameterNumber,
});
const t203 = (indicatorOfParameter: number): Grib1Code => ({ table2Version: 203, indicatorOfParameter });
const acc = (hours: number) => ({ process: 1, hours });

/** Every parameter the plugins read or write. */
const catalogue: ParamInfo[] = [
  { name: "T-K", units: "K", grib2: g2(0, 0, 0), grib1: { table2Version: 253, indicatorOfParameter: 11 } },
  { name: "T-C", units: "C", grib2: g2(0, 0, 0), grib1: t203(4) },
  { name: "TD-K", units: "K", grib2: g2(0, 0, 6), grib1: t203(10) },
  { name: "TD-C", units: "C", grib2: g2(0, 0, 6), grib1: t203(10) },
  { name: "TP-K", units: "K", grib2: g2(0, 0, 2), grib1: t203(8) },
  { name: "TPW-K", units: "K", grib2: g2(0, 0, 192), grib1: t203(9) },
  { name: "TPE-K", units: "K", grib2: g2(0, 0, 3), grib1: t203(129) },
  { name: "RH-PRCNT", units: "%", grib2: g2(0, 1, 1), grib1: t203(13) },
  { name: "RH-0TO1", units: "0-1", grib2: null, grib1: null },
  { name: "Q-KGKG", units: "kg kg**-1", grib2: g2(0, 1, 0), grib1: t203(12) },
  { name: "P-PA", units: "Pa", grib2: g2(0, 3, 0), grib1: null },
  { name: "P-HPA", units: "hPa", grib2: null, grib1: t203(1) },
  { name: "U-MS", units: "m s**-1", grib2: g2(0, 2, 2), grib1: t203(23) },
  { name: "V-MS", units: "m s**-1", grib2: g2(0, 2, 3), grib1: t203(24) },
  { name: "FF-MS", units: "m s**-1", grib2: g2(0, 2, 1), grib1: t203(21) },
  { name: "DD-D", units: "Degree true", grib2: g2(0, 2, 0), grib1: t203(20) },
  { name: "WGU-MS", units: "m s**-1", grib2: g2(0, 2, 23), grib1: null },
  { name: "WGV-MS", units: "m s**-1", grib2: g2(0, 2, 24), grib1: null },
  { name: "FFG-MS", units: "m s**-1", grib2: g2(0, 2, 22), grib1: t203(27) },
  { name: "RR-KGM2", units: "kg m**-2", grib2: g2(0, 1, 8), grib1: null },
  { name: "RR-M", units: "m", grib2: null, grib1: null },
  { name: "RR-1-MM", units: "mm", grib2: g2(0, 1, 8), grib1: t203(56), statistical: acc(1) },
  { name: "RR-3-MM", units: "mm", grib2: g2(0, 1, 236), grib1: t203(58), statistical: acc(3) },
  { name: "RR-6-MM", units: "mm", grib2: g2(0, 1, 202), grib1: t203(54), statistical: acc(6) },
  { name: "RR-12-MM", units: "mm", grib2: g2(0, 1, 8), grib1: t203(55), statistical: acc(12) },
  { name: "RR-24-MM", units: "mm", grib2: g2(0, 1, 8), grib1: null, statistical: acc(24) },
  { name: "RRR-KGM2", units: "kg m**-2", grib2: g2(0, 1, 52), grib1: t203(71), statistical: acc(1) },
  { name: "SNACC-KGM2", units: "kg m**-2", grib2: g2(0, 1, 29), grib1: t203(68) },
  { name: "SNR-KGM2", units: "kg m**-2", grib2: g2(0, 1, 53), grib1: t203(110), statistical: acc(1) },
  { name: "RADGLOA-JM2", units: "J m**-2", grib2: g2(0, 4, 7), grib1: null },
  { name: "RADGLO-WM2", units: "W m**-2", grib2: g2(0, 4, 3), grib1: t203(96) },
  { name: "RADLWA-JM2", units: "J m**-2", grib2: g2(0, 5, 3), grib1: null },
  { name: "RADLW-WM2", units: "W m**-2", grib2: g2(0, 5, 192), grib1: t203(95) },
  { name: "RADSWA-JM2", units: "J m**-2", grib2: g2(0, 4, 9), grib1: null },
  { name: "RADSW-WM2", units: "W m**-2", grib2: g2(0, 4, 192), grib1: null },
];

const byName = new Map(catalogue.map((p) => [p.name, p]));

export function paramInfo(name: string): ParamInfo | undefined {
  return byName.get(name);
}

/** A parameter not in the catalogue (transformer's target_param): codes come from the configuration. */
export function defineParam(info: ParamInfo): ParamInfo {
  return byName.get(info.name) ?? info;
}

/**
 * Codes found in source messages, mapped to FMI names. GRIB1 tables: 1-3 WMO, 128 ECMWF, 253 the
 * HIRLAM/HARMONIE local table (whose relative humidity, 52, is a fraction: see dewpoint/source.grib),
 * 203 FMI's own. GRIB2: WMO discipline/category/number.
 */
const grib1Sources: Array<[tables: number[], indicator: number, name: string]> = [
  [[1, 2, 3, 253], 1, "P-PA"],
  [[1, 2, 3, 253], 11, "T-K"],
  [[1, 2, 3, 253], 17, "TD-K"],
  [[1, 2, 3, 253], 33, "U-MS"],
  [[1, 2, 3, 253], 34, "V-MS"],
  [[1, 2, 3, 253], 51, "Q-KGKG"],
  [[1, 2, 3], 52, "RH-PRCNT"],
  [[253], 52, "RH-0TO1"],
  [[1, 2, 3, 253], 61, "RR-KGM2"],
  [[253], 117, "RADGLOA-JM2"],
  [[253], 115, "RADLWA-JM2"],
  [[253], 184, "SNACC-KGM2"],
  [[253], 162, "WGU-MS"],
  [[253], 163, "WGV-MS"],
  [[128], 54, "P-PA"],
  [[128], 130, "T-K"],
  [[128], 131, "U-MS"],
  [[128], 132, "V-MS"],
  [[128], 133, "Q-KGKG"],
  [[128], 157, "RH-PRCNT"],
  [[128], 165, "U-MS"],
  [[128], 166, "V-MS"],
  [[128], 167, "T-K"],
  [[128], 168, "TD-K"],
  [[128], 228, "RR-M"],
  [[128], 169, "RADGLOA-JM2"],
  [[203], 1, "P-HPA"],
  [[203], 4, "T-C"],
  [[203], 10, "TD-K"],
  [[203], 12, "Q-KGKG"],
  [[203], 13, "RH-PRCNT"],
  [[203], 20, "DD-D"],
  [[203], 21, "FF-MS"],
  [[203], 23, "U-MS"],
  [[203], 24, "V-MS"],
];

const grib2Sources: Array<[code: Grib2Code, name: string]> = [
  [g2(0, 0, 0), "T-K"],
  [g2(0, 0, 6), "TD-K"],
  [g2(0, 1, 0), "Q-KGKG"],
  [g2(0, 1, 1), "RH-PRCNT"],
  [g2(0, 1, 8), "RR-KGM2"],
  [g2(0, 1, 52), "RRR-KGM2"],
  [g2(0, 1, 29), "SNACC-KGM2"],
  [g2(0, 2, 0), "DD-D"],
  [g2(0, 2, 1), "FF-MS"],
  [g2(0, 2, 2), "U-MS"],
  [g2(0, 2, 3), "V-MS"],
  [g2(0, 2, 23), "WGU-MS"],
  [g2(0, 2, 24), "WGV-MS"],
  [g2(0, 3, 0), "P-PA"],
  [g2(0, 4, 7), "RADGLOA-JM2"],
  [g2(0, 5, 3), "RADLWA-JM2"],
];

/** What a source message's codes say it is. */
export interface SourceCodes {
  edition: 1 | 2;
  table2Version?: number | undefined;
  indicatorOfParameter?: number | undefined;
  discipline?: number | undefined;
  parameterCategory?: number | undefined;
  parameterNumber?: number | undefined;
}

/** The FMI name of a source message's parameter, or undefined when the codes are not ones we read. */
export function paramNameOf(codes: SourceCodes): string | undefined {
  if (codes.edition === 1) {
    const hit = grib1Sources.find(
      ([tables, indicator]) =>
        indicator === codes.indicatorOfParameter && tables.includes(codes.table2Version ?? -1),
    );
    return hit?.[2];
  }
  const hit = grib2Sources.find(
    ([c]) =>
      c.discipline === codes.discipline &&
      c.parameterCategory === codes.parameterCategory &&
      c.parameterNumber === codes.parameterNumber,
  );
  return hit?.[1];
}
