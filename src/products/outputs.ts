// A job's product fields as files, by himan's file_write modes: "multiple" (one file per field, himan's
// names), "single" (every field in `<configuration file>.grib[2]`) and "cache only" (kept for later
// plugins of the same run, not written).
import { concatBytes } from "../grib/write/bytes.ts";
import type { ProductConfig } from "./config/model.ts";
import type { FieldKey, ForecastType } from "./fields.ts";
import { fileName } from "./naming.ts";
import type { Encoder, ProductMessage } from "./run.ts";

export type WriteMode = "multiple" | "single" | "cache only";

export interface OutputFile {
  name: string;
  bytes: Uint8Array;
  /** The fields in the file (one in "multiple" mode). */
  fields: FieldKey[];
  /** Lineage: the input fields the file's products were computed from. */
  inputs: FieldKey[];
}

interface Made {
  message: ProductMessage;
  key: FieldKey;
  inputs: FieldKey[];
  mode: WriteMode;
}

export function assembleFiles(
  made: Made[],
  config: ProductConfig,
  cycle: Date,
  forecastType: ForecastType,
  encode: Encoder,
): OutputFile[] {
  const files: OutputFile[] = [];
  const single = made.filter((m) => m.mode === "single");
  if (single.length > 0) {
    const ext = single[0].message.edition === 2 ? "grib2" : "grib";
    files.push({
      name: `${config.name}.${ext}`,
      bytes: concatBytes(single.map((m) => encode(m.message))),
      fields: single.map((m) => m.key),
      inputs: single.flatMap((m) => m.inputs),
    });
  }
  for (const { message, key, inputs, mode } of made) {
    if (mode !== "multiple") continue;
    const name = fileName(config.fileNameTemplate, {
      key,
      grid: message.grid,
      forecastType,
      edition: message.edition,
      analysisTime: cycle,
      geometryName: config.target?.name ?? "source",
    });
    files.push({ name, bytes: encode(message), fields: [key], inputs });
  }
  return files;
}
