// Computed grid keys: coordinates in degrees from coded integers (GRIB2's g2grid with its basic angle
// and subdivisions, GRIB1's increments computed when not given) and the number of points.
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

export const gridClasses: Record<string, MetaClass> = {
  g2grid: G2Grid,
  g2latlon: G2LatLon,
  g2lon: G2Lon,
  latlon_increment: LatLonIncrement,
  number_of_points: NumberOfPoints,
  number_of_points_gaussian: NumberOfPoints,
};
