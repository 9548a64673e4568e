// Inputs onto the computation grid: grid identity (the same points, whatever the message's edition
// says of the earth for latitude/longitude grids), regridding weights cached per grid pair, and vector
// pairs turned earth-relative before they move.
import type { GridDefinition } from "../grib/types.ts";
import type { Field } from "./fields.ts";
import { gridName } from "./naming.ts";
import type { InputField } from "./plugins/types.ts";
import { latticeOf } from "./projection.ts";
import { applyWeights, type RegridMethod, type RegridWeights, regridWeights } from "./regrid.ts";
import { toEarthRelative, vectorPairs } from "./wind.ts";

/**
 * What himan interpolates with the nearest point (his interpolate.cpp list): vector components, wind
 * speed and direction, precipitation, and symbols; radon's categorical 0-or-1 parameters too. Anything
 * else is bilinear.
 */
const nearestParams = new Set([
  ...["U-MS", "V-MS", "WGU-MS", "WGV-MS", "IVELU-MS", "IVELV-MS", "WVELU-MS", "WVELV-MS", "DD-D", "FF-MS"],
  ...["RR-KGM2", "SNR-KGM2", "GRI-KGM2", "RRR-KGM2", "RRRC-KGM2", "RRRL-KGM2", "SNRC-KGM2", "SNRL-KGM2"],
  ...["RRRS-KGM2", "RR-1-MM", "RR-3-MM", "RR-6-MM", "RRI-KGM2", "SNRI-KGM2", "SNACC-KGM2"],
  ...["CLDSYM-N", "PRECFORM-N", "PRECFORM2-N", "FOGSYM-N", "ICING-N", "POTPRECT-N", "POTPRECF-N"],
  ...["FOGINT-N", "PRECTYPE-N"],
]);
const isNearest = (param: string) => nearestParams.has(param) || param.endsWith("-0OR1");

const round = (x: number | null | undefined, digits: number) =>
  x === undefined || x === null ? "" : (Math.round(x * 10 ** digits) / 10 ** digits).toString();
const longitude = (x: number | undefined) => (x === undefined ? "" : round(((x % 360) + 360) % 360, 5));

/**
 * The grid's identity: its points, whichever way a message or a geometry table writes them (GRIB1 keeps
 * millidegrees, GRIB2 micro-degrees; -7.45 and 352.55 are one longitude). The earth's size moves no
 * point of a latitude/longitude grid (ECMWF's GRIB1 and GRIB2 fields differ only there), so it counts
 * for projected grids alone.
 */
export function gridId(grid: GridDefinition): string {
  const g = grid as Partial<Record<string, unknown>> & GridDefinition;
  const n = (key: string) => g[key] as number | undefined;
  const s = grid.scanning;
  const parts = [
    grid.gridType,
    n("Ni") ?? n("Nx"),
    n("Nj") ?? n("Ny"),
    round(n("latitudeOfFirstGridPointInDegrees"), 5),
    longitude(n("longitudeOfFirstGridPointInDegrees")),
    round(n("iDirectionIncrementInDegrees"), 6),
    round(n("jDirectionIncrementInDegrees"), 6),
    round(n("latitudeOfSouthernPoleInDegrees"), 5),
    longitude(n("longitudeOfSouthernPoleInDegrees")),
    round(n("angleOfRotationInDegrees"), 5),
    `${s.iScansNegatively}${s.jScansPositively}${s.jPointsAreConsecutive}${s.alternativeRowScanning}`,
  ];
  const latLon = grid.gridType === "regular_ll" || grid.gridType === "rotated_ll";
  if (latLon) return parts.join("|");
  const projected = ["DxInMetres", "DyInMetres", "DiInMetres", "DjInMetres"].map((k) => round(n(k), 2));
  const angles = [
    "LoVInDegrees",
    "orientationOfTheGridInDegrees",
    "LaDInDegrees",
    "Latin1InDegrees",
    "Latin2InDegrees",
  ];
  const earth =
    grid.earth.shape === "sphere" ? grid.earth.radius : `${grid.earth.majorAxis}/${grid.earth.minorAxis}`;
  const other = "pl" in grid ? JSON.stringify(grid.pl) : "";
  return [
    ...parts,
    ...projected,
    ...angles.map((k) => longitude(n(k))),
    n("projectionCentreFlag"),
    earth,
    other,
  ].join("|");
}

/** A grid in words, for messages: "ll 1440x721 from 90,0". */
export function gridText(grid: GridDefinition): string {
  const size =
    "Ni" in grid
      ? `${grid.Ni}x${grid.Nj}`
      : "Nx" in grid
        ? `${grid.Nx}x${grid.Ny}`
        : String(grid.numberOfDataPoints);
  const first =
    "latitudeOfFirstGridPointInDegrees" in grid
      ? ` from ${grid.latitudeOfFirstGridPointInDegrees},${grid.longitudeOfFirstGridPointInDegrees}`
      : "";
  return `${gridName(grid)} ${size}${first}`;
}

const weightCache = new Map<string, RegridWeights>();

function weightsFor(from: GridDefinition, to: GridDefinition, method: RegridMethod): RegridWeights {
  const id = `${method}\n${gridId(from)}\n${gridId(to)}`;
  let w = weightCache.get(id);
  if (!w) {
    w = regridWeights(latticeOf(from), latticeOf(to), method);
    if (weightCache.size >= 16) weightCache.delete(weightCache.keys().next().value as string);
    weightCache.set(id, w);
  }
  return w;
}

/** Inputs on `grid`: vector pairs turned earth-relative first when they must move, then regridded. */
export function bringOntoGrid(
  fields: Field[],
  grid: GridDefinition,
  method: RegridMethod | null,
): InputField[] {
  const target = gridId(grid);
  const moved = new Map<Field, Field>();
  for (const [xName, yName] of vectorPairs) {
    for (const x of fields) {
      if (x.key.param !== xName || x.grid.uvRelativeToGrid !== 1 || gridId(x.grid) === target) continue;
      const y = fields.find(
        (f) => f.key.param === yName && f.key.step === x.key.step && f.key.level === x.key.level,
      );
      if (!y) continue;
      const { u, v } = toEarthRelative(x.grid, x.values, y.values);
      moved.set(x, { ...x, values: u, grid: { ...x.grid, uvRelativeToGrid: 0 } });
      moved.set(y, { ...y, values: v, grid: { ...y.grid, uvRelativeToGrid: 0 } });
    }
  }
  return fields.map((original) => {
    const f = moved.get(original) ?? original;
    if (gridId(f.grid) === target) return f;
    const how = method ?? (isNearest(f.key.param) ? "nearest" : "bilinear");
    return {
      ...f,
      grid: { ...grid, uvRelativeToGrid: f.grid.uvRelativeToGrid },
      values: applyWeights(weightsFor(f.grid, grid, how), f.values),
    };
  });
}
