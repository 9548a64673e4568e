// Latitude and longitude of every grid point, in the order the message stores its values (scanning
// mode applied), or normalised to +i, -j rows (west to east, north to south). Projections use the real
// formulas on the earth the grid names (sphere radius; the ellipsoid for Lambert and polar
// stereographic on an oblate earth).

import { GribError, type GridDefinition, type GridGeometry, type ScanningMode } from "./types.ts";

const RAD = Math.PI / 180;
const DEG = 180 / Math.PI;

/** Gaussian latitudes (degrees, north to south) for N lines between pole and equator, by Newton iteration. */
export function gaussianLatitudes(n: number): Float64Array {
  const count = 2 * n;
  const lats = new Float64Array(count);
  for (let i = 0; i < n; i++) {
    // First guess (Abramowitz & Stegun), then Newton on P_count(x).
    let x = Math.cos((Math.PI * (i + 0.75)) / (count + 0.5));
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= count; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      const dp = (count * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-15) break;
    }
    const lat = Math.asin(x) * DEG;
    lats[i] = lat;
    lats[count - 1 - i] = -lat;
  }
  return lats;
}

/**
 * Maps a point's storage index to its (i, j) indices on an nx × ny grid according to the scanning
 * mode, and calls `visit(k, i, j)` for every point where i counts along +x and j along +y in the grid's
 * own terms (i from the first point in the i direction, j likewise).
 */
function forEachPoint(
  nx: number,
  ny: number,
  mode: ScanningMode,
  visit: (k: number, i: number, j: number) => void,
): void {
  let k = 0;
  if (mode.jPointsAreConsecutive) {
    for (let i = 0; i < nx; i++) {
      const reverse = mode.alternativeRowScanning && i % 2 === 1;
      for (let jj = 0; jj < ny; jj++) visit(k++, i, reverse ? ny - 1 - jj : jj);
    }
  } else {
    for (let j = 0; j < ny; j++) {
      const reverse = mode.alternativeRowScanning && j % 2 === 1;
      for (let ii = 0; ii < nx; ii++) visit(k++, reverse ? nx - 1 - ii : ii, j);
    }
  }
}

/** Longitude increment and corrected first longitude as ecCodes' regular iterator sets them up. */
function lonAxis(
  ni: number,
  lon1: number,
  lon2: number,
  di: number | null,
  iNegative: boolean,
): Float64Array {
  // As ecCodes' iterator: the step spans first to last longitude (going round the globe when the
  // last one is "behind" the first), the increment only when the span says nothing.
  const first = !iNegative && lon1 > lon2 ? lon1 - 360 : lon1;
  let span = iNegative ? lon1 - lon2 : lon2 - first;
  if (span < 0) span += 360;
  const step = ni > 1 && span > 0 ? span / (ni - 1) : (di ?? 0);
  const lons = new Float64Array(ni);
  // Accumulated like ecCodes' iterator, so that printed coordinates agree to the last digit.
  let lon = first;
  for (let i = 0; i < ni; i++) {
    lons[i] = lon;
    lon += iNegative ? -step : step;
  }
  return lons;
}

function latAxis(
  nj: number,
  lat1: number,
  lat2: number,
  dj: number | null,
  jPositive: boolean,
): Float64Array {
  let step = dj ?? (nj > 1 ? Math.abs(lat2 - lat1) / (nj - 1) : 0);
  if (dj !== null && nj > 1) {
    const fromSpan = Math.abs(lat2 - lat1) / (nj - 1);
    if (Math.abs(fromSpan - dj) < 1e-3 * Math.max(1, dj)) step = fromSpan;
  }
  const lats = new Float64Array(nj);
  let lat = lat1;
  for (let j = 0; j < nj; j++) {
    lats[j] = lat;
    lat += jPositive ? step : -step;
  }
  return lats;
}

/** Rotated (lat, lon) to geographic, for a rotated grid whose south pole is at (spLat, spLon). */
export function unrotate(
  lat: number,
  lon: number,
  spLat: number,
  spLon: number,
  angle: number,
): [number, number] {
  const latr = lat * RAD;
  const lonr = (lon + angle) * RAD;
  const xd = Math.cos(lonr) * Math.cos(latr);
  const yd = Math.sin(lonr) * Math.cos(latr);
  const zd = Math.sin(latr);
  const t = -(90 + spLat) * RAD;
  const o = -spLon * RAD;
  const sinT = Math.sin(t);
  const cosT = Math.cos(t);
  const sinO = Math.sin(o);
  const cosO = Math.cos(o);
  const x = cosT * cosO * xd + sinO * yd + sinT * cosO * zd;
  const y = -cosT * sinO * xd + cosO * yd - sinT * sinO * zd;
  let z = -sinT * xd + cosT * zd;
  if (z > 1) z = 1;
  if (z < -1) z = -1;
  return [micro(Math.asin(z) * DEG), micro(Math.atan2(y, x) * DEG)];
}

/**
 * ecCodes rounds unrotated coordinates to 1e-6 degree through a single-precision roundf; doing the same
 * keeps printed coordinates identical to grib_get_data's (the loss is under 1e-5 degree).
 */
function micro(v: number): number {
  const f = Math.fround(v * 1e6);
  return (f < 0 ? -Math.round(-f) : Math.round(f)) / 1e6;
}

function regularGeometry(
  ni: number,
  nj: number,
  lats: Float64Array,
  lons: Float64Array,
  mode: ScanningMode,
  transform?: (lat: number, lon: number) => [number, number],
): GridGeometry {
  const n = ni * nj;
  const latitudes = new Float64Array(n);
  const longitudes = new Float64Array(n);
  forEachPoint(ni, nj, mode, (k, i, j) => {
    if (transform) {
      const [la, lo] = transform(lats[j], lons[i]);
      latitudes[k] = la;
      longitudes[k] = lo;
    } else {
      latitudes[k] = lats[j];
      longitudes[k] = lons[i];
    }
  });
  return { latitudes, longitudes };
}

function reducedGeometry(
  rowLats: Float64Array,
  pl: number[],
  lon1: number,
  lon2: number,
  global: boolean,
): GridGeometry {
  const n = pl.reduce((a, c) => a + c, 0);
  const latitudes = new Float64Array(n);
  const longitudes = new Float64Array(n);
  let k = 0;
  for (let j = 0; j < pl.length; j++) {
    const count = pl[j];
    const step = count > 1 ? (lon2 - lon1) / (count - 1) : 0;
    for (let i = 0; i < count; i++) {
      latitudes[k] = rowLats[j];
      // a global row as ecCodes computes it, i * 360 / count (i * (360 / count) is a bit off at times)
      longitudes[k] = global ? lon1 + (i * 360) / count : lon1 + i * step;
      k++;
    }
  }
  return { latitudes, longitudes };
}

/** Inverse of a plane projection: (x, y) in metres -> [lat, lon] in degrees. */
type Inverse = (x: number, y: number) => [number, number];
type Forward = (lat: number, lon: number) => [number, number];

function projectedGeometry(
  nx: number,
  ny: number,
  dx: number,
  dy: number,
  lat1: number,
  lon1: number,
  mode: ScanningMode,
  forward: Forward,
  inverse: Inverse,
): GridGeometry {
  const [x0, y0] = forward(lat1, lon1);
  const sx = mode.iScansNegatively ? -dx : dx;
  const sy = mode.jScansPositively ? dy : -dy;
  const n = nx * ny;
  const latitudes = new Float64Array(n);
  const longitudes = new Float64Array(n);
  forEachPoint(nx, ny, mode, (k, i, j) => {
    const [la, lo] = inverse(x0 + i * sx, y0 + j * sy);
    latitudes[k] = la;
    longitudes[k] = lo;
  });
  return { latitudes, longitudes };
}

function normaliseLon(lon: number): number {
  let l = lon;
  while (l < 0) l += 360;
  while (l >= 360) l -= 360;
  return l;
}

/** Lambert conformal conic (Snyder 15-1..15-5 on the sphere; 15-7..15-11 on the ellipsoid). */
function lambert(grid: Extract<GridDefinition, { gridType: "lambert" }>): [Forward, Inverse] {
  const phi1 = grid.Latin1InDegrees * RAD;
  const phi2 = grid.Latin2InDegrees * RAD;
  const phi0 = grid.LaDInDegrees * RAD;
  const lon0 = grid.LoVInDegrees * RAD;
  const earth = grid.earth;
  const a = earth.shape === "sphere" ? earth.radius : earth.majorAxis;
  const e =
    earth.shape === "sphere"
      ? 0
      : Math.sqrt(1 - (earth.minorAxis * earth.minorAxis) / (earth.majorAxis * earth.majorAxis));
  const mfn = (phi: number) => Math.cos(phi) / Math.sqrt(1 - e * e * Math.sin(phi) ** 2);
  const tfn = (phi: number) => {
    const es = e * Math.sin(phi);
    return Math.tan(Math.PI / 4 - phi / 2) / ((1 - es) / (1 + es)) ** (e / 2);
  };
  const m1 = mfn(phi1);
  const t1 = tfn(phi1);
  const n =
    Math.abs(phi1 - phi2) < 1e-10 ? Math.sin(phi1) : Math.log(m1 / mfn(phi2)) / Math.log(t1 / tfn(phi2));
  const F = m1 / (n * t1 ** n);
  const rho0 = a * F * tfn(phi0) ** n;
  const dlon = (lon: number) => {
    let d = lon * RAD - lon0;
    while (d > Math.PI) d -= 2 * Math.PI;
    while (d < -Math.PI) d += 2 * Math.PI;
    return d;
  };
  const forward: Forward = (lat, lon) => {
    const rho = a * F * tfn(lat * RAD) ** n;
    const theta = n * dlon(lon);
    return [rho * Math.sin(theta), rho0 - rho * Math.cos(theta)];
  };
  const inverse: Inverse = (x, y) => {
    const sign = n < 0 ? -1 : 1;
    const rho = sign * Math.sqrt(x * x + (rho0 - y) ** 2);
    const theta = Math.atan2(sign * x, sign * (rho0 - y));
    const t = (rho / (a * F)) ** (1 / n);
    let phi = Math.PI / 2 - 2 * Math.atan(t);
    if (e > 0) {
      for (let k = 0; k < 15; k++) {
        const es = e * Math.sin(phi);
        const next = Math.PI / 2 - 2 * Math.atan(t * ((1 - es) / (1 + es)) ** (e / 2));
        if (Math.abs(next - phi) < 1e-14) {
          phi = next;
          break;
        }
        phi = next;
      }
    }
    if (rho === 0) phi = (sign * Math.PI) / 2;
    return [phi * DEG, normaliseLon((theta / n + lon0) * DEG)];
  };
  return [forward, inverse];
}

/** Polar stereographic, true at LaD (Snyder 21; ellipsoid through the t function). */
function polarStereographic(
  grid: Extract<GridDefinition, { gridType: "polar_stereographic" }>,
): [Forward, Inverse] {
  // As ecCodes: the hemisphere is the sign of LaD (GRIB1's LaD is +-60 by the projection centre flag).
  const sign = grid.LaDInDegrees < 0 ? -1 : 1;
  const lon0 = grid.orientationOfTheGridInDegrees * RAD;
  const phiC = sign * grid.LaDInDegrees * RAD;
  const earth = grid.earth;
  const a = earth.shape === "sphere" ? earth.radius : earth.majorAxis;
  const e =
    earth.shape === "sphere"
      ? 0
      : Math.sqrt(1 - (earth.minorAxis * earth.minorAxis) / (earth.majorAxis * earth.majorAxis));
  const tfn = (phi: number) => {
    const es = e * Math.sin(phi);
    return Math.tan(Math.PI / 4 - phi / 2) / ((1 - es) / (1 + es)) ** (e / 2);
  };
  const mc = Math.cos(phiC) / Math.sqrt(1 - e * e * Math.sin(phiC) ** 2);
  const tc = tfn(phiC);
  // rho = a * mc * t / tc, i.e. true scale at LaD; at the pole itself (LaD = 90) use the limit.
  const scale =
    Math.abs(Math.abs(phiC) - Math.PI / 2) < 1e-10
      ? (2 * a) / Math.sqrt((1 + e) ** (1 + e) * (1 - e) ** (1 - e))
      : (a * mc) / tc;
  const forward: Forward = (lat, lon) => {
    const rho = scale * tfn(sign * lat * RAD);
    const d = lon * RAD - lon0;
    return [rho * Math.sin(d), -sign * rho * Math.cos(d)];
  };
  const inverse: Inverse = (x, y) => {
    const rho = Math.sqrt(x * x + y * y);
    const t = rho / scale;
    let phi = Math.PI / 2 - 2 * Math.atan(t);
    if (e > 0) {
      for (let k = 0; k < 15; k++) {
        const es = e * Math.sin(phi);
        const next = Math.PI / 2 - 2 * Math.atan(t * ((1 - es) / (1 + es)) ** (e / 2));
        if (Math.abs(next - phi) < 1e-14) {
          phi = next;
          break;
        }
        phi = next;
      }
    }
    const lon = rho === 0 ? lon0 : lon0 + Math.atan2(x, -sign * y);
    return [sign * phi * DEG, normaliseLon(lon * DEG)];
  };
  return [forward, inverse];
}

/** Mercator (Snyder 7), true at LaD, on the sphere. */
function mercator(grid: Extract<GridDefinition, { gridType: "mercator" }>): [Forward, Inverse] {
  const earth = grid.earth;
  const r = earth.shape === "sphere" ? earth.radius : earth.majorAxis;
  const k = r * Math.cos(grid.LaDInDegrees * RAD);
  const lon0 = grid.longitudeOfFirstGridPointInDegrees;
  const forward: Forward = (lat, lon) => [
    k * (lon - lon0) * RAD,
    k * Math.log(Math.tan(Math.PI / 4 + (lat * RAD) / 2)),
  ];
  const inverse: Inverse = (x, y) => [
    (2 * Math.atan(Math.exp(y / k)) - Math.PI / 2) * DEG,
    lon0 + (x / k) * DEG,
  ];
  return [forward, inverse];
}

/** Latitudes/longitudes of every point of `grid`, in storage order (or normalised). */
export function gridGeometry(grid: GridDefinition, options: { normalise?: boolean } = {}): GridGeometry {
  if (grid.gridType === "other") {
    throw new GribError(
      "unsupported",
      `no geometry for grid type ${grid.ecCodesGridType} (template ${grid.template})`,
      0,
    );
  }
  const points =
    grid.gridType === "reduced_gg" || grid.gridType === "reduced_ll"
      ? grid.pl.reduce((a, c) => a + c, 0)
      : "Ni" in grid
        ? grid.Ni * grid.Nj
        : grid.Nx * grid.Ny;
  if (points !== grid.numberOfDataPoints) {
    throw new GribError(
      "corrupt",
      `the grid describes ${points} points but the message has ${grid.numberOfDataPoints}`,
      0,
    );
  }
  const geometry = storageGeometry(grid);
  return options.normalise ? normaliseGeometry(grid, geometry) : geometry;
}

function storageGeometry(grid: GridDefinition): GridGeometry {
  const mode = grid.scanning;
  switch (grid.gridType) {
    case "regular_ll":
      return regularGeometry(grid.Ni, grid.Nj, latitudeAxis(grid), longitudeAxis(grid), mode);
    case "rotated_ll":
      return regularGeometry(
        grid.Ni,
        grid.Nj,
        latitudeAxis(grid),
        longitudeAxis(grid),
        mode,
        unrotation(grid),
      );
    case "regular_gg": {
      const lats = gaussianRowsOf(grid);
      const rotation = grid.rotation ? unrotation(grid.rotation) : undefined;
      return regularGeometry(grid.Ni, grid.Nj, lats, longitudeAxis(grid), mode, rotation);
    }
    case "reduced_gg":
      return reducedGeometryOf(grid, gaussianRowsOf(grid));
    case "reduced_ll":
      return reducedGeometryOf(grid, latitudeAxis(grid));
    case "lambert":
      return projectedGeometryOf(grid, [grid.Nx, grid.Ny], [grid.DxInMetres, grid.DyInMetres], lambert(grid));
    case "polar_stereographic":
      return projectedGeometryOf(
        grid,
        [grid.Nx, grid.Ny],
        [grid.DxInMetres, grid.DyInMetres],
        polarStereographic(grid),
      );
    case "mercator":
      return projectedGeometryOf(
        grid,
        [grid.Ni, grid.Nj],
        [grid.DiInMetres, grid.DjInMetres],
        mercator(grid),
      );
    case "other":
      throw new GribError("unsupported", `no geometry for grid type ${grid.ecCodesGridType}`, 0);
  }
}

interface FirstLast {
  latitudeOfFirstGridPointInDegrees: number;
  longitudeOfFirstGridPointInDegrees: number;
  latitudeOfLastGridPointInDegrees: number;
  longitudeOfLastGridPointInDegrees: number;
  scanning: GridDefinition["scanning"];
}

function longitudeAxis(
  grid: FirstLast & { Ni: number; iDirectionIncrementInDegrees: number | null },
): Float64Array {
  return lonAxis(
    grid.Ni,
    grid.longitudeOfFirstGridPointInDegrees,
    grid.longitudeOfLastGridPointInDegrees,
    grid.iDirectionIncrementInDegrees,
    grid.scanning.iScansNegatively === 1,
  );
}

function latitudeAxis(
  grid: FirstLast & { Nj: number; jDirectionIncrementInDegrees: number | null },
): Float64Array {
  return latAxis(
    grid.Nj,
    grid.latitudeOfFirstGridPointInDegrees,
    grid.latitudeOfLastGridPointInDegrees,
    grid.jDirectionIncrementInDegrees,
    grid.scanning.jScansPositively === 1,
  );
}

function gaussianRowsOf(grid: FirstLast & { N: number; Nj: number }): Float64Array {
  return gaussianRows(
    gaussianLatitudes(grid.N),
    grid.latitudeOfFirstGridPointInDegrees,
    grid.Nj,
    grid.scanning.jScansPositively === 1,
  );
}

/** From the rotated grid's coordinates to geographic ones. */
function unrotation(pole: {
  latitudeOfSouthernPoleInDegrees: number;
  longitudeOfSouthernPoleInDegrees: number;
  angleOfRotationInDegrees: number;
}): (lat: number, lon: number) => [number, number] {
  const { latitudeOfSouthernPoleInDegrees: spLat, longitudeOfSouthernPoleInDegrees: spLon } = pole;
  const angle = pole.angleOfRotationInDegrees;
  return (lat, lon) => unrotate(lat, lon, spLat, spLon, angle);
}

function reducedGeometryOf(grid: FirstLast & { pl: number[] }, lats: Float64Array): GridGeometry {
  const span = grid.longitudeOfLastGridPointInDegrees - grid.longitudeOfFirstGridPointInDegrees;
  const global = span + 360 / Math.max(...grid.pl) >= 360 - 1e-3;
  return reducedGeometry(
    lats,
    grid.pl,
    grid.longitudeOfFirstGridPointInDegrees,
    grid.longitudeOfLastGridPointInDegrees,
    global,
  );
}

function projectedGeometryOf(
  grid: Pick<
    FirstLast,
    "latitudeOfFirstGridPointInDegrees" | "longitudeOfFirstGridPointInDegrees" | "scanning"
  >,
  [nx, ny]: [number, number],
  [dx, dy]: [number, number],
  [forward, inverse]: ReturnType<typeof lambert>,
): GridGeometry {
  return projectedGeometry(
    nx,
    ny,
    dx,
    dy,
    grid.latitudeOfFirstGridPointInDegrees,
    grid.longitudeOfFirstGridPointInDegrees,
    grid.scanning,
    forward,
    inverse,
  );
}

/** Rows of Gaussian latitudes starting at the one nearest lat1. */
function gaussianRows(all: Float64Array, lat1: number, nj: number, jPositive: boolean): Float64Array {
  let first = 0;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < all.length; i++) {
    const d = Math.abs(all[i] - lat1);
    if (d < best) {
      best = d;
      first = i;
    }
  }
  const rows = new Float64Array(nj);
  for (let j = 0; j < nj; j++) {
    const idx = jPositive ? first - j : first + j;
    rows[j] = all[Math.min(all.length - 1, Math.max(0, idx))];
  }
  return rows;
}

/**
 * Storage index of each point when the points are listed in rows along +i (west to east), rows going
 * -j (north to south; `northToSouth`, the normalised order) or +j (south to north, the order ecCodes'
 * iterators list projected grids in). Null when storage order already is that order or the grid is
 * reduced.
 */
export function pointOrder(grid: GridDefinition, northToSouth = true): Uint32Array | null {
  const mode = grid.scanning;
  if (grid.gridType === "reduced_gg" || grid.gridType === "reduced_ll" || grid.gridType === "other") {
    return null;
  }
  const nx = "Ni" in grid ? grid.Ni : grid.Nx;
  const ny = "Nj" in grid ? grid.Nj : grid.Ny;
  const jReversed = northToSouth ? mode.jScansPositively === 1 : mode.jScansPositively === 0;
  if (!mode.iScansNegatively && !jReversed && !mode.jPointsAreConsecutive && !mode.alternativeRowScanning) {
    return null;
  }
  const order = new Uint32Array(nx * ny);
  forEachPoint(nx, ny, mode, (k, i, j) => {
    const col = mode.iScansNegatively ? nx - 1 - i : i;
    const row = jReversed ? ny - 1 - j : j;
    order[row * nx + col] = k;
  });
  return order;
}

/** Storage index of each point in normalised order (+i, -j); null when storage order is normal. */
export function normalisationOrder(grid: GridDefinition): Uint32Array | null {
  return pointOrder(grid, true);
}

/** Reorders any per-point array into normalised order. */
export function reorder<T extends Float64Array>(values: T, order: Uint32Array | null): T {
  if (!order) return values;
  const out = new (values.constructor as new (n: number) => T)(values.length);
  for (let k = 0; k < order.length; k++) out[k] = values[order[k]];
  return out;
}

function normaliseGeometry(grid: GridDefinition, g: GridGeometry): GridGeometry {
  const order = normalisationOrder(grid);
  return { latitudes: reorder(g.latitudes, order), longitudes: reorder(g.longitudes, order) };
}
