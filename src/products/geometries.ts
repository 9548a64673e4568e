// himan's named target geometries (`target_geom_name`), as FMI's radon database defines them (its
// geom_* tables: first point, size, increments, scanning, south pole or orientation). A name not listed
// here leaves products on their source grid, as himan without a database would have no geometry at all.
import type { GridDefinition, ScanningMode } from "../grib/types.ts";

/** GRIB1's implied sphere (what ecCodes assumes for the latitude/longitude grids written in GRIB1). */
const grib1Earth = { shapeOfTheEarth: 0, earth: { shape: "sphere" as const, radius: 6367470 } };
/**
 * Radon's default earth for projected geometries, newbase's sphere of 6 371 220 m: himan places the
 * points of a stereographic target on it (his MTHIPS25 results match only then).
 */
const newbaseEarth = { shapeOfTheEarth: 1, earth: { shape: "sphere" as const, radius: 6371220 } };

function scanning(mode: "+x+y" | "+x-y"): ScanningMode {
  return {
    iScansNegatively: 0,
    jScansPositively: mode === "+x+y" ? 1 : 0,
    jPointsAreConsecutive: 0,
    alternativeRowScanning: 0,
  };
}

/** A (rotated) latitude/longitude geometry from its first point (lon, lat), size and increment. */
function latLon(
  first: [lon: number, lat: number],
  ni: number,
  nj: number,
  d: number,
  mode: "+x+y" | "+x-y",
  southPole?: [lon: number, lat: number],
): GridDefinition {
  const [lon0, lat0] = first;
  const lat1 = mode === "+x+y" ? lat0 + (nj - 1) * d : lat0 - (nj - 1) * d;
  const lon1 = lon0 + (ni - 1) * d;
  const common = {
    ...grib1Earth,
    uvRelativeToGrid: 0 as const,
    scanning: scanning(mode),
    numberOfDataPoints: ni * nj,
    Ni: ni,
    Nj: nj,
    latitudeOfFirstGridPointInDegrees: lat0,
    longitudeOfFirstGridPointInDegrees: lon0,
    latitudeOfLastGridPointInDegrees: Math.round(lat1 * 1e6) / 1e6,
    longitudeOfLastGridPointInDegrees: Math.round(lon1 * 1e6) / 1e6,
    iDirectionIncrementInDegrees: d,
    jDirectionIncrementInDegrees: d,
  };
  if (!southPole) return { gridType: "regular_ll", ...common };
  return {
    gridType: "rotated_ll",
    ...common,
    latitudeOfSouthernPoleInDegrees: southPole[1],
    longitudeOfSouthernPoleInDegrees: southPole[0],
    angleOfRotationInDegrees: 0,
  };
}

/** A north polar stereographic geometry (true at 60° N) from its first (south-west) point. */
function polar(
  first: [lon: number, lat: number],
  nx: number,
  ny: number,
  dx: number,
  dy: number,
  orientation: number,
): GridDefinition {
  return {
    gridType: "polar_stereographic",
    ...newbaseEarth,
    uvRelativeToGrid: 0,
    scanning: scanning("+x+y"),
    numberOfDataPoints: nx * ny,
    Nx: nx,
    Ny: ny,
    latitudeOfFirstGridPointInDegrees: first[1],
    longitudeOfFirstGridPointInDegrees: first[0],
    LaDInDegrees: 60,
    orientationOfTheGridInDegrees: orientation,
    DxInMetres: dx,
    DyInMetres: dy,
    projectionCentreFlag: 0,
  };
}

const rotatedEurope: [number, number] = [0, -30];
const rotatedEdit: [number, number] = [20, -30];

const geometries = new Map<string, GridDefinition>([
  ["AROME022", latLon([2.24, -2], 290, 594, 0.022, "+x+y", [13, -30])],
  ["HARMONIE022", latLon([-7.45, -6.4], 720, 800, 0.022, "+x+y", [20, -30])],
  ["RCR068", latLon([-33.5, -24], 1030, 816, 0.068, "+x+y", rotatedEurope)],
  ["ECEUR0100", latLon([-26, 22.5], 661, 576, 0.1, "+x-y", rotatedEurope)],
  ["ECEUR0125", latLon([-26, 22.5], 529, 461, 0.125, "+x-y", rotatedEurope)],
  ["ECEUR0200", latLon([-26, 22.6], 331, 289, 0.2, "+x-y", rotatedEurope)],
  ["ECEUR025", latLon([-18, 22.5], 233, 231, 0.25, "+x-y", rotatedEurope)],
  ["MTEUR0125", latLon([-18, -35], 465, 461, 0.125, "+x+y", rotatedEurope)],
  ["MTEUR025", latLon([-18, -35], 233, 231, 0.25, "+x+y", rotatedEurope)],
  ["ECEDIT100", latLon([-10, 13], 201, 221, 0.1, "+x-y", rotatedEdit)],
  ["ECEDIT125", latLon([-10, 13], 161, 177, 0.125, "+x-y", rotatedEdit)],
  ["MTEDIT125", latLon([-10, -9], 161, 177, 0.125, "+x+y", rotatedEdit)],
  ["ECGLO0100", latLon([0, 90], 3600, 1801, 0.1, "+x-y")],
  ["ECGLO0125", latLon([0, 90], 2880, 1441, 0.125, "+x-y")],
  ["ECGLO0200", latLon([0, 90], 1800, 901, 0.2, "+x-y")],
  ["ECNOR025", latLon([-180, 90], 1440, 361, 0.25, "+x-y")],
  ["GFS0250", latLon([0, 90], 1440, 721, 0.25, "+x-y")],
  ["GFS0500", latLon([0, 90], 720, 361, 0.5, "+x-y")],
  ["GEM0240", latLon([180, -90], 1500, 751, 0.24, "+x+y")],
  ["MTHIPS25", polar([-19.3, 24.9], 290, 225, 25000, 25000, 10)],
]);

/** The named geometry, or undefined when it is not one of radon's that we know. */
export function namedGeometry(name: string): GridDefinition | undefined {
  return geometries.get(name);
}

export function knownGeometryNames(): string[] {
  return [...geometries.keys()];
}
