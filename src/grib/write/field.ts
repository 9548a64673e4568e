// What the writer needs to encode one field as a GRIB message.
import type { LambertGrid, PolarStereographicGrid, RegularLatLonGrid, RotatedLatLonGrid } from "../types.ts";

/** Grids the writer can encode. */
export type WritableGrid = RegularLatLonGrid | RotatedLatLonGrid | LambertGrid | PolarStereographicGrid;

/** Time units, as GRIB2 code table 4.4 names them in ecCodes' stepUnits (m, h, D, s). */
export type StepUnit = "m" | "h" | "D" | "s";

/**
 * instant: GRIB2 templates 4.0/4.1, GRIB1 time range indicator 0 (10 for steps over 255).
 * accum/avg/max/min: GRIB2 4.8/4.11 with statistical process 1/0/2/3; GRIB1 indicator 4/3/2/2 (GRIB1
 * has one indicator for max and min: the parameter tells them apart, and ecCodes calls both "max").
 */
export type StepType = "instant" | "accum" | "avg" | "max" | "min";

export interface FieldStep {
  /** Start of the period (for instant: the step itself), in `units` after the reference time. */
  start: number;
  /** End of the period; equals start for instant fields. */
  end: number;
  units: StepUnit;
  type: StepType;
}

export type FieldPacking =
  | { type: "simple"; decimalScaleFactor?: number; bitsPerValue?: number }
  | {
      type: "ccsds";
      decimalScaleFactor?: number;
      bitsPerValue?: number;
      /** ecCodes' ccsdsBlockSize (default 32), ccsdsRsi (default 128), ccsdsFlags (default 14) */
      blockSize?: number;
      rsi?: number;
      flags?: number;
    };

/** GRIB2 parameter: discipline, category, number (code tables 0.0, 4.1, 4.2). */
export interface Grib2Parameter {
  discipline: number;
  parameterCategory: number;
  parameterNumber: number;
}

/** GRIB1 parameter: table 2 version and parameter number. */
export interface Grib1Parameter {
  table2Version: number;
  indicatorOfParameter: number;
}

export interface FieldLevel {
  /** GRIB2: type of first fixed surface (code table 4.5: 1 surface, 100 isobaric hPa... ecCodes uses Pa, 103 height above ground, 105 hybrid). GRIB1: indicatorOfTypeOfLevel (table 3). */
  type: number;
  /** Level value in the unit of the level type (GRIB2 isobaric: Pa; GRIB1 isobaric: hPa). */
  value: number;
}

export interface Ensemble {
  /** GRIB2 code table 4.6 (0 unperturbed control, 3 positively perturbed, ...). */
  typeOfEnsembleForecast: number;
  perturbationNumber: number;
  numberOfForecastsInEnsemble: number;
}

interface FieldCommon {
  /** WMO centre number (98 ECMWF, 86 FMI, 251 MET Norway/MEPS...). */
  centre: number;
  subCentre?: number;
  /** Reference (analysis / forecast start) time, UTC. */
  referenceTime: Date;
  step: FieldStep;
  level: FieldLevel;
  grid: WritableGrid;
  /** Values in the grid's own point order (as its scanning mode says); NaN for missing. */
  values: Float64Array;
  packing: FieldPacking;
  /** Generating process identifier (GRIB1 octet 6 / GRIB2 octet 14 of section 4); default 255. */
  generatingProcessIdentifier?: number;
  /**
   * The vertical coordinates of hybrid levels (ecCodes' `pv`: GRIB1's PV list in section 2, at most 255
   * values; GRIB2's after section 4's template), carried from the source so that a reader can compute
   * the level's pressure as ecCodes and himan do.
   */
  pv?: Float64Array;
}

export interface Grib2Field extends FieldCommon {
  edition: 2;
  parameter: Grib2Parameter;
  /** GRIB2 code table 1.4: 0 analysis, 1 forecast (default), 4 ensemble forecast... */
  typeOfProcessedData?: number;
  /** GRIB2 code table 4.3 (default 2, forecast). */
  typeOfGeneratingProcess?: number;
  /** Present: product template 4.1 (instant) or 4.11 (statistically processed). */
  ensemble?: Ensemble;
  /** Second fixed surface for layers (type and value), e.g. 106 depth below land. */
  secondLevel?: FieldLevel;
}

export interface Grib1Field extends FieldCommon {
  edition: 1;
  parameter: Grib1Parameter;
}

export type FieldToWrite = Grib1Field | Grib2Field;
