// Computed grid keys: coordinates in degrees from coded integers (GRIB2's g2grid with its basic angle
// and subdivisions, GRIB1's increments computed when not given) and the number of points.

import { gaussianLatitudes } from "../../geometry.ts";
import { KeyError, MISSING_DOUBLE, MISSING_LONG, type NativeType } from "../accessor.ts";
import { MetaAccessor, type MetaClass } from "./base.ts";

function geocalculus(name: string, why: string): KeyError {
  return new KeyError("decoding", name, `${name}: ${why}`);
}

/** `g2grid(lat1, lon1, lat2, lon2, di, dj, basicAngle, subdivisions)`: six values in degrees. */
class G2Grid extends MetaAccessor {
  override nativeType(): NativeType {
    return "double";
  }
  override count(): number {
    return 6;
  }
  override double(): number {
    throw this.tooSmall();
  }
  override doubles(): number[] {
    let basic = this.longOf(6);
    let sub = this.longOf(7);
    if (sub === MISSING_LONG || sub === 0) sub = 1000000;
    if (basic === 0) basic = 1;
    const out: number[] = [];
    for (let i = 0; i < 6; i++) {
      const v = this.hasArg(i) && this.key(i) ? this.longOf(i) : MISSING_LONG;
      out.push(v === MISSING_LONG ? MISSING_DOUBLE : (v / sub) * basic);
    }
    return out;
  }
}

/** `g2latlon(g2grid, i, given)`: one of g2grid's values, missing when `given` is 0. */
class G2LatLon extends MetaAccessor {
  override nativeType(): NativeType {
    return "double";
  }
  private given(): boolean {
    return !this.hasArg(2) || this.longOf(2) !== 0;
  }
  override double(): number {
    if (!this.given()) return MISSING_DOUBLE;
    const grid = this.ctx.find(this.key(0));
    if (!grid) throw new KeyError("not_found", this.key(0), `${this.key(0)} not found`);
    return grid.doubles()[this.argLong(1)] ?? MISSING_DOUBLE;
  }
  override isMissing(): boolean {
    return !this.given() || this.double() === MISSING_DOUBLE;
  }
}

/** `g2lon(longitude)`: micro-degrees to degrees. */
class G2Lon extends MetaAccessor {
  override nativeType(): NativeType {
    return "double";
  }
  override double(): number {
    const v = this.longOf(0);
    return v === MISSING_LONG ? MISSING_DOUBLE : v / 1000000;
  }
}

/** `latlon_increment(given, increment, scansPositively, first, last, n, multiplier, divisor, isLongitude)`. */
class LatLonIncrement extends MetaAccessor {
  override nativeType(): NativeType {
    return "double";
  }
  override double(): number {
    const given = this.longOf(0);
    const scansPositively = this.longOf(2);
    const increment = this.longOf(1);
    const first = this.doubleOf(3);
    let last = this.doubleOf(4);
    const n = this.longOf(5);
    const multiplier = this.argLong(6);
    const divisor = this.argLong(7);
    if (this.hasArg(8) && this.argLong(8) && last < first && scansPositively) last += 360;
    if (!given && n !== MISSING_LONG) {
      if (n < 2) throw geocalculus(this.name, "Cannot compute lat/lon increments. Not enough points!");
      if (!scansPositively) return (first > last ? first - last : first + 360 - last) / (n - 1);
      return (last > first ? last - first : last + 360 - first) / (n - 1);
    }
    if (n === MISSING_LONG) return MISSING_DOUBLE;
    return (increment / divisor) * multiplier;
  }
  override isMissing(): boolean {
    return this.double() === MISSING_DOUBLE;
  }
}

/** `number_of_points(Ni, Nj, PLPresent, pl)` (and the Gaussian variant for global grids). */
class NumberOfPoints extends MetaAccessor {
  override long(): number {
    const ni = this.longOf(0);
    const nj = this.longOf(1);
    const plPresent = this.hasArg(2) ? this.longOf(2) : 0;
    if (nj === 0) throw geocalculus(this.name, "Nj is 0: no points");
    if (plPresent) {
      const pl = this.ctx.find(this.key(3))?.longs() ?? [];
      return pl.reduce((a, b) => a + b, 0);
    }
    return ni * nj;
  }
}

/** The largest row of a reduced grid's pl (its points at the equator). */
function maxPl(accessor: MetaAccessor, plKey: string): number {
  const pl = accessor.ctx.find(plKey)?.longs() ?? [];
  if (pl.length === 0) throw new KeyError("not_found", plKey, `${plKey} not found`);
  return pl.reduce((a, b) => Math.max(a, b));
}

/**
 * `global_gaussian(N, Ni, di, lat1, lon1, lat2, lon2, PLPresent, pl[, basicAngle, subdivisions])`: 1 when
 * the Gaussian grid covers the globe, as ecCodes' is_gaussian_global decides it.
 */
class GlobalGaussian extends MetaAccessor {
  override long(): number {
    let factor = 1000;
    if (this.hasArg(9) && this.hasArg(10)) {
      factor = 1_000_000;
      const [angle, subdivisions] = [this.longOf(9), this.longOf(10)];
      const set = (v: number) => v !== 0 && v !== MISSING_LONG;
      if (set(angle) || set(subdivisions)) return 0;
    }
    const n = this.longOf(0);
    let ni = this.longOf(1);
    const degrees = (i: number) => this.longOf(i) / factor;
    const [lat1, lon1, lat2, lon2] = [degrees(3), degrees(4), degrees(5), degrees(6)];
    if (n === 0) throw geocalculus(this.name, "N cannot be 0");
    const lats = gaussianLatitudes(n);
    const equator = this.longOf(7) ? maxPl(this, this.key(8)) : 4 * n;
    if (ni === MISSING_LONG) ni = equator;
    const d = Math.abs(lats[0]! - lats[1]!);
    const delta = 360 / ni;
    const lon2Diff = Math.abs(lon2 - (360 - delta)) - delta;
    const global =
      Math.abs(lat1 - lats[0]!) < d && Math.abs(lat2 + lats[0]!) < d && lon1 === 0 && lon2Diff <= 1 / factor;
    return global ? 1 : 0;
  }
}

/**
 * `octahedral_gaussian(N, Ni, PLPresent, pl)`: 1 for a reduced Gaussian grid whose rows grow by 4 to the
 * equator and shrink by 4 after it (ECMWF's O grids), as ecCodes' is_pl_octahedral reads the steps.
 */
class OctahedralGaussian extends MetaAccessor {
  override long(): number {
    this.longOf(0);
    if (this.longOf(1) !== MISSING_LONG || !this.longOf(2)) return 0;
    const pl = this.ctx.find(this.key(3))?.longs() ?? [];
    let previous = -1;
    for (let i = 1; i < pl.length; i++) {
      const step = pl[i]! - pl[i - 1]!;
      const first = i === 1;
      if (step === 0 || step === 4) {
        if (!(previous === 4 || first)) return 0;
      } else if (step === -4) {
        if (!(previous === -4 || previous === 0 || first)) return 0;
      } else return 0;
      previous = step;
    }
    return 1;
  }
}

export const gridClasses: Record<string, MetaClass> = {
  global_gaussian: GlobalGaussian,
  octahedral_gaussian: OctahedralGaussian,
  g2grid: G2Grid,
  g2latlon: G2LatLon,
  g2lon: G2Lon,
  latlon_increment: LatLonIncrement,
  number_of_points: NumberOfPoints,
  number_of_points_gaussian: NumberOfPoints,
};
