// Parameters by their FMI/radon names, and how each is coded when written: the WMO/ECMWF (GRIB2) or FMI
// local table 203 (GRIB1) entries that himan's result files carry (ecCodes' efkl local concepts name
// these codes the same way). How source messages are named is in source-params.ts.

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
  /**
   * Codes whose GRIB2 table numbers them otherwise: FMI's value → the GRIB2 table's. A value outside
   * the map cannot be written in GRIB2.
   */
  grib2Values?: ReadonlyMap<number, number>;
}

const g2 = (discipline: number, parameterCategory: number, parameterNumber: number): Grib2Code => ({
  discipline,
  parameterCategory,
  parameterNumber,
});
const t203 = (indicatorOfParameter: number): Grib1Code => ({ table2Version: 203, indicatorOfParameter });
const acc = (hours: number) => ({ process: 1, hours });
/**
 * FMI's precipitation forms as GRIB2's precipitation type (WMO code table 4.201), the mapping himan's
 * GRIB writer applies: drizzle 11, rain 1, sleet (rain and snow) 7, snow 5, freezing drizzle 12,
 * freezing rain 3.
 */
const precipitationTypes: ReadonlyMap<number, number> = new Map([
  [0, 11],
  [1, 1],
  [2, 7],
  [3, 5],
  [4, 12],
  [5, 3],
]);

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
  { name: "P-HPA", units: "hPa", grib2: g2(0, 3, 0), grib1: t203(1) },
  { name: "U-MS", units: "m s**-1", grib2: g2(0, 2, 2), grib1: t203(23) },
  { name: "V-MS", units: "m s**-1", grib2: g2(0, 2, 3), grib1: t203(24) },
  { name: "FF-MS", units: "m s**-1", grib2: g2(0, 2, 1), grib1: t203(21) },
  { name: "DD-D", units: "Degree true", grib2: g2(0, 2, 0), grib1: t203(20) },
  { name: "WGU-MS", units: "m s**-1", grib2: g2(0, 2, 23), grib1: null },
  { name: "WGV-MS", units: "m s**-1", grib2: g2(0, 2, 24), grib1: null },
  { name: "FFG-MS", units: "m s**-1", grib2: g2(0, 2, 22), grib1: t203(27) },
  { name: "RR-KGM2", units: "kg m**-2", grib2: g2(0, 1, 8), grib1: null },
  { name: "RR-1-MM", units: "mm", grib2: g2(0, 1, 8), grib1: t203(56), statistical: acc(1) },
  { name: "RR-3-MM", units: "mm", grib2: g2(0, 1, 236), grib1: t203(58), statistical: acc(3) },
  { name: "RR-6-MM", units: "mm", grib2: g2(0, 1, 202), grib1: t203(54), statistical: acc(6) },
  { name: "RR-12-MM", units: "mm", grib2: g2(0, 1, 8), grib1: t203(55), statistical: acc(12) },
  { name: "RR-24-MM", units: "mm", grib2: g2(0, 1, 8), grib1: null, statistical: acc(24) },
  { name: "RRR-KGM2", units: "kg m**-2", grib2: g2(0, 1, 52), grib1: t203(71), statistical: acc(1) },
  { name: "SNACC-KGM2", units: "kg m**-2", grib2: g2(0, 1, 29), grib1: t203(68) },
  { name: "SNR-KGM2", units: "kg m**-2", grib2: g2(0, 1, 53), grib1: t203(110), statistical: acc(1) },
  { name: "RRRC-KGM2", units: "kg m**-2", grib2: g2(0, 1, 196), grib1: t203(72), statistical: acc(1) },
  { name: "RRRL-KGM2", units: "kg m**-2", grib2: g2(0, 1, 54), grib1: t203(73), statistical: acc(1) },
  { name: "RADGLOA-JM2", units: "J m**-2", grib2: g2(0, 4, 7), grib1: null },
  { name: "RADGLO-WM2", units: "W m**-2", grib2: g2(0, 4, 3), grib1: t203(96) },
  { name: "RADLWA-JM2", units: "J m**-2", grib2: g2(0, 5, 3), grib1: null },
  { name: "RADLW-WM2", units: "W m**-2", grib2: g2(0, 5, 192), grib1: t203(95) },
  { name: "RADSWA-JM2", units: "J m**-2", grib2: g2(0, 4, 9), grib1: null },
  { name: "RADSW-WM2", units: "W m**-2", grib2: g2(0, 4, 192), grib1: null },
  { name: "RRC-KGM2", units: "kg m**-2", grib2: g2(0, 1, 10), grib1: null },
  { name: "RRL-KGM2", units: "kg m**-2", grib2: g2(0, 1, 9), grib1: null },
  { name: "PGR-PA", units: "Pa", grib2: g2(0, 3, 0), grib1: null },
  { name: "LNSP-N", units: "Numeric", grib2: g2(0, 3, 25), grib1: t203(74) },
  { name: "Z-M2S2", units: "m**2 s**-2", grib2: g2(0, 3, 4), grib1: t203(2) },
  { name: "HL-M", units: "m", grib2: g2(0, 3, 6), grib1: t203(3) },
  { name: "TG-K", units: "K", grib2: g2(2, 3, 18), grib1: t203(75) },
  { name: "VV-PAS", units: "Pa s**-1", grib2: g2(0, 2, 8), grib1: t203(40) },
  { name: "VV-MS", units: "m s**-1", grib2: g2(0, 2, 9), grib1: t203(44) },
  { name: "VV-MMS", units: "mm s**-1", grib2: g2(0, 2, 9), grib1: t203(43) },
  { name: "RHO-KGM3", units: "kg m**-3", grib2: g2(0, 3, 10), grib1: t203(101) },
  { name: "ABSH-KGM3", units: "kg m**-3", grib2: g2(0, 1, 18), grib1: t203(130) },
  { name: "RAINMR-KGKG", units: "kg kg**-1", grib2: g2(0, 1, 24), grib1: null },
  { name: "SNOWMR-KGKG", units: "kg kg**-1", grib2: g2(0, 1, 25), grib1: null },
  { name: "GRAUPMR-KGKG", units: "kg kg**-1", grib2: g2(0, 1, 32), grib1: null },
  { name: "RRI-KGM2", units: "kg m**-2 s**-1", grib2: g2(0, 1, 65), grib1: t203(165) },
  { name: "RSI-KGM2", units: "kg m**-2 s**-1", grib2: g2(0, 1, 66), grib1: t203(166) },
  // himan's own GRIB2 codes for its symbols and indices (no WMO entry exists for them).
  { name: "FOGSYM-N", units: "Code table", grib2: g2(0, 6, 8), grib1: t203(19) },
  { name: "CLDSYM-N", units: "Code table", grib2: g2(0, 6, 8), grib1: t203(15) },
  { name: "N-0TO1", units: "0-1", grib2: null, grib1: null },
  // WMO's visibility; FMI's table 203 has no code for it (ecCodes' efkl tables know only HIRLAM's 253/20).
  { name: "VV2-M", units: "m", grib2: g2(0, 19, 0), grib1: null },
  { name: "ICING-N", units: "Code table", grib2: g2(0, 19, 7), grib1: t203(103) },
  { name: "CLDWAT-KGKG", units: "kg kg**-1", grib2: g2(0, 1, 83), grib1: null },
  { name: "KINDEX-N", units: "K", grib2: g2(0, 7, 2), grib1: t203(80) },
  { name: "CTI-N", units: "K", grib2: g2(0, 7, 4), grib1: t203(170) },
  { name: "VTI-N", units: "K", grib2: g2(0, 7, 4), grib1: t203(171) },
  { name: "TTI-N", units: "K", grib2: g2(0, 7, 4), grib1: t203(172) },
  { name: "SI-N", units: "K", grib2: g2(0, 7, 13), grib1: t203(168) },
  { name: "LI-N", units: "K", grib2: g2(0, 7, 192), grib1: t203(169) },
  // Bulk shear in knots (himan's option "bs"): FMI's table 203 has them, GRIB2 has no such entry.
  { name: "WSH-1-KT", units: "kt", grib2: null, grib1: t203(146) },
  { name: "WSH-KT", units: "kt", grib2: null, grib1: t203(145) },
  // Storm-relative helicity (option "srh"): 0–3 km as WMO's 0/7/8 (himan's code), 0–1 km in table 203 only.
  { name: "HLCY-1-M2S2", units: "m**2 s**-2", grib2: null, grib1: t203(148) },
  { name: "HLCY-M2S2", units: "m**2 s**-2", grib2: g2(0, 7, 8), grib1: t203(147) },
  // radon's codes for himan's ECMWF products (producer 240): flight level in hundreds of feet.
  { name: "TROPO-FL", units: "FL", grib2: g2(0, 19, 195), grib1: t203(242) },
  // FMI's precipitation form (0 drizzle ... 5 freezing rain): in GRIB2 WMO's precipitation type, its
  // values renumbered as himan's GRIB writer does (himan's older preform_pressure refused GRIB2).
  {
    name: "PRECFORM-N",
    units: "Code table",
    grib2: g2(0, 1, 19),
    grib1: t203(59),
    grib2Values: precipitationTypes,
  },
  // preform_hybrid's form from model levels, coded as PRECFORM-N (himan's writer renumbers both).
  {
    name: "PRECFORM2-N",
    units: "Code table",
    grib2: g2(0, 1, 19),
    grib1: t203(255),
    grib2Values: precipitationTypes,
  },
  // Its potential form (also where it does not precipitate): himan's local 0/1/254, FMI's numbering kept
  // (his writer renumbers only the two above); table 203 has no code for it.
  { name: "POTPRECF-N", units: "Code table", grib2: g2(0, 1, 254), grib1: null },
  { name: "SSICING-N", units: "Code table", grib2: g2(0, 0, 2), grib1: t203(102) },
  { name: "TF-C", units: "C", grib2: null, grib1: t203(11) },
  { name: "RHICE-PRCNT", units: "%", grib2: g2(0, 1, 94), grib1: t203(16) },
];

const byName = new Map(catalogue.map((p) => [p.name, p]));

export function paramInfo(name: string): ParamInfo | undefined {
  return byName.get(name);
}

/** A parameter not in the catalogue (transformer's target_param): codes come from the configuration. */
export function defineParam(info: ParamInfo): ParamInfo {
  return byName.get(info.name) ?? info;
}
