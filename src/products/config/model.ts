// The product configuration model both forms (himan's JSON, our YAML) are read into.
import type { GridDefinition } from "../../grib/types.ts";
import type { ForecastType, LevelType } from "../fields.ts";
import type { WriteMode } from "../outputs.ts";
import type { PluginInstance } from "../plugins/types.ts";

/** How output values are packed. */
export type Packing =
  /** Simple packing at a fixed number of bits (ecCodes' way: reference = minimum, smallest binary scale). */
  | { type: "simple"; bitsPerValue: number }
  /** Simple packing keeping `decimalPrecision` decimals (ecCodes' changeDecimalPrecision). */
  | { type: "simple"; decimalPrecision: number }
  /** CCSDS (GRIB2 template 5.42) at a fixed number of bits; GRIB1 output falls back to simple. */
  | { type: "ccsds"; bitsPerValue: number };

export interface PluginStep {
  name: string;
  options: Record<string, unknown>;
  instance: PluginInstance;
  /** The processqueue item's own file_write, when it overrides the configuration's. */
  fileWrite?: WriteMode;
}

export interface QueueItem {
  levelType: LevelType;
  levels: number[];
  plugins: PluginStep[];
}

export interface ProductConfig {
  /** Name used for single-file output ("<name>.grib2") and in messages; himan uses the file name. */
  name: string;
  sourceProducer: number | null;
  targetProducer: number | null;
  /** Analysis time written in the configuration (himan's origintime); a job's cycle overrides it. */
  originTime: Date | null;
  /** Forecast steps in hours, ascending. */
  steps: number[];
  /** himan's source_producer list (radon producer ids), in the configuration's order. */
  sourceProducers: number[];
  /** The configuration's step between outputs in hours (null when steps are listed). */
  stepHours: number | null;
  forecastTypes: ForecastType[];
  /** "multiple": one file per field (himan's names); "single": one file for all; "cache only": none. */
  fileWrite: WriteMode;
  /** Target grid; null = each product on its source grid (himan with an unknown target_geom_name). */
  target: { name: string; grid: GridDefinition } | null;
  /** Interpolation for regridding inputs to the target (per-parameter defaults apply when absent). */
  interpolation: "bilinear" | "nearest" | null;
  /** Output edition; null = the one the command line asks for (himan's -t), else the source's. */
  edition: 1 | 2 | null;
  /** null: 16 bits for computed products, the source's bits for transformed ones. */
  packing: Packing | null;
  /** File-name template for "multiple" (see naming.ts); null = himan's default name. */
  fileNameTemplate: string | null;
  processqueue: QueueItem[];
  /** What the reader accepted but the user should know (an unknown geometry name, ...). */
  notes: string[];
}
