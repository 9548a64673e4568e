// Grid geometry for products: every supported grid as a projection plane plus a regular lattice on it,
// so that points go both ways (index -> latitude/longitude for wind turning and for targets, and
// latitude/longitude -> fractional index for regridding). Spherical earth (the radius the grid gives);
// an oblate earth uses its major axis, which moves points by far less than a grid length at NWP sizes.
import type { GridDefinition } from "../grib/types.ts";

const rad = Math.PI / 180;
const deg = 180 / Math.PI;

/** A map projection: plane coordinates (metres, or degrees for latitude/longitude grids) <-> geographic. */
interface Projection {
  toGeo(x: number, y: number): [lat: number, lon: number];
  fromGeo(lat: number, lon: number): [x: number, y: number];
  /**
   * Azimuth (degrees clockwise from true north) of the plane's +y direction at a point: turning a
   * grid-relative vector by it gives the earth-relative one.
   */
  gridNorthAzimuth(lat: number, lon: number): number;
  /** Plane x is longitude-like and wraps every 360 units (global latitude/longitude grids). */
  wrapsX: boolean;
}

/** A grid: a lattice on a projection plane, with GRIB's scanning order. */
export interface GridLattice {
  projection: Projection;
  ni: number;
  nj: number;
  /** Plane coordinates of the first point and the signed steps along i and j. */
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  /** Points are consecutive along j (column-major) instead of along i. */
  jConsecutive: boolean;
}

function earthRadius(grid: GridDefinition): number {
  return grid.earth.shape === "sphere" ? grid.earth.radius : grid.earth.majorAxis;
}

function normaliseLon(lon: number): number {
  let l = lon % 360;
  if (l >= 180) l -= 360;
  if (l < -180) l += 360;
  return l;
}

const plateCarree: Projection = {
  toGeo: (x, y) => [y, x],
  fromGeo: (lat, lon) => [lon, lat],
  gridNorthAzimuth: () => 0,
  wrapsX: true,
};

/** Rotated latitude/longitude: the sphere turned so that the south pole sits at (spLat, spLon). */
function rotatedProjection(spLat: number, spLon: number): Projection {
  const beta = (spLat + 90) * rad;
  const cb = Math.cos(beta);
  const sb = Math.sin(beta);
  const toGeo = (x: number, y: number): [number, number] => {
    const lr = x * rad;
    const pr = y * rad;
    const xr = Math.cos(pr) * Math.cos(lr);
    const yr = Math.cos(pr) * Math.sin(lr);
    const zr = Math.sin(pr);
    const xg = xr * cb - zr * sb;
    const zg = xr * sb + zr * cb;
    return [Math.asin(Math.max(-1, Math.min(1, zg))) * deg, normaliseLon(Math.atan2(yr, xg) * deg + spLon)];
  };
  const fromGeo = (lat: number, lon: number): [number, number] => {
    const l = (lon - spLon) * rad;
    const p = lat * rad;
    const xg = Math.cos(p) * Math.cos(l);
    const yg = Math.cos(p) * Math.sin(l);
    const zg = Math.sin(p);
    const xr = xg * cb + zg * sb;
    const zr = -xg * sb + zg * cb;
    return [Math.atan2(yg, xr) * deg, Math.asin(Math.max(-1, Math.min(1, zr))) * deg];
  };
  return {
    toGeo,
    fromGeo,
    // Numerically: where a small step north in the rotated frame goes on the earth.
    gridNorthAzimuth(lat, lon) {
      const [x, y] = fromGeo(lat, lon);
      const [lat2, lon2] = toGeo(x, y + 1e-4);
      return azimuth(lat, lon, lat2, lon2);
    },
    wrapsX: true,
  };
}

function azimuth(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const p1 = lat1 * rad;
  const p2 = lat2 * rad;
  const dl = (lon2 - lon1) * rad;
  return (
    Math.atan2(
      Math.sin(dl) * Math.cos(p2),
      Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl),
    ) * deg
  );
}

/** Lambert conformal conic (north-pole centred), spherical. */
function lambertProjection(latin1: number, latin2: number, lov: number, radius: number): Projection {
  const p1 = latin1 * rad;
  const p2 = latin2 * rad;
  const t = (p: number) => Math.tan(Math.PI / 4 + p / 2);
  const n =
    Math.abs(latin1 - latin2) < 1e-9
      ? Math.sin(p1)
      : Math.log(Math.cos(p1) / Math.cos(p2)) / Math.log(t(p2) / t(p1));
  const F = (Math.cos(p1) * t(p1) ** n) / n;
  const rf = radius * F;
  return {
    toGeo(x, y) {
      const rho = Math.sign(n) * Math.hypot(x, y);
      const theta = n > 0 ? Math.atan2(x, -y) : Math.atan2(-x, y);
      const lat = (2 * Math.atan((rf / rho) ** (1 / n)) - Math.PI / 2) * deg;
      return [lat, normaliseLon(lov + theta / n / rad)];
    },
    fromGeo(lat, lon) {
      const rho = rf / t(lat * rad) ** n;
      const theta = n * normaliseLon(lon - lov) * rad;
      return [rho * Math.sin(theta), -rho * Math.cos(theta)];
    },
    gridNorthAzimuth: (_lat, lon) => n * normaliseLon(lon - lov),
    wrapsX: false,
  };
}

/** Polar stereographic, north or south pole centred, true at latitude `lad`, spherical. */
function polarStereographicProjection(
  lad: number,
  orientation: number,
  radius: number,
  south: boolean,
): Projection {
  const s = south ? -1 : 1;
  const k = radius * (1 + Math.sin(s * lad * rad));
  return {
    toGeo(x, y) {
      const rho = Math.hypot(x, y);
      const lat = s * (90 - 2 * Math.atan(rho / k) * deg);
      const lon = south ? Math.atan2(x, y) * deg : Math.atan2(x, -y) * deg;
      return [lat, normaliseLon(orientation + lon)];
    },
    fromGeo(lat, lon) {
      const rho = k * Math.tan(Math.PI / 4 - (s * lat * rad) / 2);
      const theta = normaliseLon(lon - orientation) * rad;
      return [rho * Math.sin(theta), -s * rho * Math.cos(theta)];
    },
    gridNorthAzimuth: (_lat, lon) => s * normaliseLon(lon - orientation),
    wrapsX: false,
  };
}

/** The lattice of a grid; throws for grids products cannot place (Gaussian, reduced, other). */
export function latticeOf(grid: GridDefinition): GridLattice {
  const jConsecutive = grid.scanning.jPointsAreConsecutive === 1;
  const iSign = grid.scanning.iScansNegatively ? -1 : 1;
  const jSign = grid.scanning.jScansPositively ? 1 : -1;
  switch (grid.gridType) {
    case "regular_ll":
    case "rotated_ll": {
      const di = grid.iDirectionIncrementInDegrees ?? spacing(grid, "i");
      const dj = grid.jDirectionIncrementInDegrees ?? spacing(grid, "j");
      const projection =
        grid.gridType === "regular_ll"
          ? plateCarree
          : rotatedProjection(grid.latitudeOfSouthernPoleInDegrees, grid.longitudeOfSouthernPoleInDegrees);
      return {
        projection,
        ni: grid.Ni,
        nj: grid.Nj,
        x0: grid.longitudeOfFirstGridPointInDegrees,
        y0: grid.latitudeOfFirstGridPointInDegrees,
        dx: iSign * di,
        dy: jSign * dj,
        jConsecutive,
      };
    }
    case "lambert": {
      if (grid.projectionCentreFlag & 0x80) throw new Error("south-pole Lambert grids are not supported");
      const projection = lambertProjection(
        grid.Latin1InDegrees,
        grid.Latin2InDegrees,
        grid.LoVInDegrees,
        earthRadius(grid),
      );
      const [x0, y0] = projection.fromGeo(
        grid.latitudeOfFirstGridPointInDegrees,
        grid.longitudeOfFirstGridPointInDegrees,
      );
      return {
        projection,
        ni: grid.Nx,
        nj: grid.Ny,
        x0,
        y0,
        dx: iSign * grid.DxInMetres,
        dy: jSign * grid.DyInMetres,
        jConsecutive,
      };
    }
    case "polar_stereographic": {
      const south = (grid.projectionCentreFlag & 0x80) !== 0;
      const projection = polarStereographicProjection(
        grid.LaDInDegrees,
        grid.orientationOfTheGridInDegrees,
        earthRadius(grid),
        south,
      );
      const [x0, y0] = projection.fromGeo(
        grid.latitudeOfFirstGridPointInDegrees,
        grid.longitudeOfFirstGridPointInDegrees,
      );
      return {
        projection,
        ni: grid.Nx,
        nj: grid.Ny,
        x0,
        y0,
        dx: iSign * grid.DxInMetres,
        dy: jSign * grid.DyInMetres,
        jConsecutive,
      };
    }
    default:
      throw new Error(`grid type ${grid.gridType} cannot be used by products (no regular lattice)`);
  }
}

/** Increment from the first and last points when the message leaves it missing. */
function spacing(
  grid: { Ni: number; Nj: number } & Record<
    | "latitudeOfFirstGridPointInDegrees"
    | "latitudeOfLastGridPointInDegrees"
    | "longitudeOfFirstGridPointInDegrees"
    | "longitudeOfLastGridPointInDegrees",
    number
  >,
  axis: "i" | "j",
): number {
  if (axis === "j") {
    return (
      Math.abs(grid.latitudeOfLastGridPointInDegrees - grid.latitudeOfFirstGridPointInDegrees) / (grid.Nj - 1)
    );
  }
  let span = grid.longitudeOfLastGridPointInDegrees - grid.longitudeOfFirstGridPointInDegrees;
  if (span < 0) span += 360;
  return span / (grid.Ni - 1);
}

export function pointCount(lattice: GridLattice): number {
  return lattice.ni * lattice.nj;
}

/** Index of point (i, j) in the message's value order. */
export function pointIndex(lattice: GridLattice, i: number, j: number): number {
  return lattice.jConsecutive ? i * lattice.nj + j : j * lattice.ni + i;
}

/** Latitude and longitude of every point, in the message's value order. */
export function latLons(lattice: GridLattice): { lats: Float64Array; lons: Float64Array } {
  const n = pointCount(lattice);
  const lats = new Float64Array(n);
  const lons = new Float64Array(n);
  for (let j = 0; j < lattice.nj; j++) {
    const y = lattice.y0 + j * lattice.dy;
    for (let i = 0; i < lattice.ni; i++) {
      const [lat, lon] = lattice.projection.toGeo(lattice.x0 + i * lattice.dx, y);
      const k = pointIndex(lattice, i, j);
      lats[k] = lat;
      lons[k] = lon;
    }
  }
  return { lats, lons };
}

/**
 * Fractional lattice position (i, j) of a geographic point; NaN when it is off the lattice's plane.
 * Longitude-like axes are brought into the lattice's range (a global grid's seam included).
 */
export function fractionalIndex(lattice: GridLattice, lat: number, lon: number): [number, number] {
  let [x, y] = lattice.projection.fromGeo(lat, lon);
  if (lattice.projection.wrapsX) {
    // Bring x within [x0, x0 + 360) in the direction the grid runs.
    const sign = Math.sign(lattice.dx);
    let off = (x - lattice.x0) * sign;
    off = ((off % 360) + 360) % 360;
    x = lattice.x0 + off * sign;
  }
  return [(x - lattice.x0) / lattice.dx, (y - lattice.y0) / lattice.dy];
}

/** True when the lattice closes around the globe in i (the point after the last is the first). */
export function isGlobalInI(lattice: GridLattice): boolean {
  return lattice.projection.wrapsX && Math.abs(Math.abs(lattice.dx) * lattice.ni - 360) < 1e-6;
}

/** Azimuth of grid north at every point (degrees clockwise from true north), in value order. */
export function gridNorthAzimuths(lattice: GridLattice): Float64Array {
  const { lats, lons } = latLons(lattice);
  const out = new Float64Array(lats.length);
  for (let k = 0; k < lats.length; k++) out[k] = lattice.projection.gridNorthAzimuth(lats[k], lons[k]);
  return out;
}
