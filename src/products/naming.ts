// Output file names. By default himan's own ("multiple" mode):
//   {param}_{leveltype}_{level}_{grid}_{ni}_{nj}_0_{step}[_{forecast_type_id}[_{member}]].{ext}
// e.g. FF-MS_height_10_lcc_739_949_0_006_3_9.grib2, RR-1-MM_height_0_rll_290_594_0_001.grib,
// RADGLO-WM2_height_0_rll_720_800_0_001h15min.grib2. "single" mode writes "<configuration name>.{ext}".
import type { GridDefinition } from "../grib/types.ts";
import { type FieldKey, type ForecastType, forecastTypeIds } from "./fields.ts";

const gridNames: Record<string, string> = {
  regular_ll: "ll",
  rotated_ll: "rll",
  lambert: "lcc",
  polar_stereographic: "polster",
  regular_gg: "rgg",
  reduced_gg: "rgg",
  mercator: "mer",
};

export function gridName(grid: GridDefinition): string {
  return gridNames[grid.gridType] ?? grid.gridType;
}

function gridSize(grid: GridDefinition): [number, number] {
  if ("Ni" in grid) return [grid.Ni, grid.Nj];
  if ("Nx" in grid) return [grid.Nx, grid.Ny];
  return [grid.numberOfDataPoints, 1];
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** himan's step text: hours as %03d, with minutes as 001h15min. */
export function stepText(hours: number): string {
  const minutes = Math.round(hours * 60);
  const h = Math.floor(minutes / 60);
  const m = minutes - h * 60;
  return m === 0 ? pad(h, 3) : `${pad(h, 3)}h${pad(m, 2)}min`;
}

export const defaultFileNameTemplate =
  "{param}_{leveltype}_{level}_{grid}_{ni}_{nj}_0_{step}{ensemble}.{ext}";

export interface NameParts {
  key: FieldKey;
  grid: GridDefinition;
  forecastType: ForecastType;
  edition: 1 | 2;
  analysisTime: Date;
  geometryName: string;
}

/** A file name from a template; unknown placeholders are an error (caught when the configuration is read). */
export function fileName(template: string | null, parts: NameParts): string {
  const [ni, nj] = gridSize(parts.grid);
  const id = forecastTypeIds[parts.forecastType.kind];
  const ensemble =
    id > 2 ? `_${id}${parts.forecastType.member !== undefined ? `_${parts.forecastType.member}` : ""}` : "";
  const t = parts.analysisTime;
  const values: Record<string, string> = {
    param: parts.key.param,
    leveltype: parts.key.levelType,
    level: String(Math.round(parts.key.level)),
    grid: gridName(parts.grid),
    ni: String(ni),
    nj: String(nj),
    step: stepText(parts.key.step),
    "step:03": pad(Math.round(parts.key.step), 3),
    ensemble,
    forecast_type: parts.forecastType.kind,
    forecast_type_id: String(id),
    member: String(parts.forecastType.member ?? 0),
    analysis_time: `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1, 2)}${pad(t.getUTCDate(), 2)}${pad(t.getUTCHours(), 2)}${pad(t.getUTCMinutes(), 2)}`,
    geom: parts.geometryName,
    ext: parts.edition === 2 ? "grib2" : "grib",
  };
  return (template ?? defaultFileNameTemplate).replace(/\{([a-z_:0-9]+)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`unknown placeholder ${whole} in the file-name template`);
    return value;
  });
}

export const fileNamePlaceholders = [
  "param",
  "leveltype",
  "level",
  "grid",
  "ni",
  "nj",
  "step",
  "step:03",
  "ensemble",
  "forecast_type",
  "forecast_type_id",
  "member",
  "analysis_time",
  "geom",
  "ext",
];
