// General computed keys: arithmetic on other keys (evaluate, scale, bits, divdouble, ...), text
// (sprintf, code table titles and units, library version), checksums of sections (md5), where the
// message sits in its file, and the small classes the parameter and MARS definitions rely on.
import { createRequire } from "node:module";
import { readUnsigned } from "../../bits.ts";
import { KeyError, MISSING_DOUBLE, MISSING_LONG, type NativeType, printG } from "../accessor.ts";
import { CodetableAccessor } from "../coded.ts";
import { definitionsVersion } from "../load.ts";
import { MetaAccessor, type MetaClass } from "./base.ts";

const require = createRequire(import.meta.url);
/** node:crypto, loaded when a checksum is first asked for (it costs a process tens of milliseconds). */
const md5 = (bytes: Uint8Array) =>
  (require("node:crypto") as typeof import("node:crypto")).createHash("md5").update(bytes).digest("hex");

class Evaluate extends MetaAccessor {
  override long(): number {
    return this.argLong(0);
  }
}

/** `scale(value, multiplier, divisor)`: value * multiplier / divisor, MISSING when value is. */
class Scale extends MetaAccessor {
  override nativeType(): NativeType {
    return "double";
  }
  override double(): number {
    const divisor = this.argLong(2);
    const multiplier = this.argLong(1);
    const value = this.longOf(0);
    if (value === MISSING_LONG) return MISSING_DOUBLE;
    return (value * multiplier) / divisor;
  }
  override isMissing(): boolean {
    const a = this.ctx.find(this.key(0));
    return !!a && a.isMissing();
  }
}

class DivDouble extends MetaAccessor {
  override nativeType(): NativeType {
    return "double";
  }
  override double(): number {
    return this.doubleOf(0) / this.ctx.evaluateLong(this.args[1]!);
  }
}

/** `bits(owner, start, length)`: a bit field of another key's bytes. */
class Bits extends MetaAccessor {
  protected override readonly readsMessage = true;
  override long(): number {
    const owner = this.ctx.find(this.key(0));
    if (!owner) throw new KeyError("not_found", this.key(0), `${this.key(0)} not found`);
    const start = this.argLong(1);
    const length = this.argLong(2);
    let v = 0;
    for (let i = 0; i < length; i++) {
      const p = owner.offset * 8 + start + i;
      v = v * 2 + (((this.ctx.bytes[p >> 3] ?? 0) >> (7 - (p & 7))) & 1);
    }
    return v;
  }
}

/** `from_scale_factor_scaled_value(factor, value)`: value * 10^-factor. */
class FromScaleFactorScaledValue extends MetaAccessor {
  override nativeType(): NativeType {
    return "double";
  }
  override double(): number {
    let factor = this.longOf(0);
    const value = this.longOf(1);
    if (this.ctx.isMissing(this.key(1))) return MISSING_DOUBLE;
    if (this.ctx.isMissing(this.key(0))) factor = 0;
    let v = value;
    while (factor < 0) {
      v *= 10;
      factor++;
    }
    while (factor > 0) {
      v /= 10;
      factor--;
    }
    return v;
  }
  override isMissing(): boolean {
    return this.ctx.isMissing(this.key(0)) || this.ctx.isMissing(this.key(1));
  }
}

/** `sprintf(format, keys...)`: %d, %s, %g (a missing %d prints MISSING). */
class Sprintf extends MetaAccessor {
  override nativeType(): NativeType {
    return "string";
  }
  override string(): string {
    const format = this.stringOfArg(0);
    let arg = 1;
    return format.replace(/%(?:\.(\d+))?([dsg])/g, (_all, precision: string | undefined, type: string) => {
      const key = this.key(arg++);
      if (type === "d") {
        const v = this.ctx.long(key);
        if (this.ctx.isMissing(key)) return "MISSING";
        return precision ? String(v).padStart(Number(precision), "0") : String(v);
      }
      if (type === "g") return printG(this.ctx.double(key));
      return this.ctx.string(key);
    });
  }
  private stringOfArg(i: number): string {
    const e = this.args[i];
    return e !== undefined && typeof e === "object" && "s" in e ? e.s : "";
  }
}

/** `long_vector(key, i)` and `vector(key, i)`: the i-th value of an array key. */
class LongVector extends MetaAccessor {
  override long(): number {
    const a = this.ctx.find(this.key(0));
    if (!a) throw new KeyError("not_found", this.key(0), `${this.key(0)} not found`);
    const v = a.longs()[this.argLong(1)];
    if (v === undefined)
      throw new KeyError("decoding", this.name, `${this.name}: no element ${this.argLong(1)}`);
    return v;
  }
}

class Vector extends MetaAccessor {
  override nativeType(): NativeType {
    return "double";
  }
  override double(): number {
    const a = this.ctx.find(this.key(0));
    if (!a) throw new KeyError("not_found", this.key(0), `${this.key(0)} not found`);
    const v = a.doubleAt(this.argLong(1));
    if (v === undefined)
      throw new KeyError("decoding", this.name, `${this.name}: no element ${this.argLong(1)}`);
    return v;
  }
}

class Size extends MetaAccessor {
  override long(): number {
    const a = this.ctx.find(this.key(0));
    if (!a) throw new KeyError("not_found", this.key(0), `${this.key(0)} not found`);
    return a.count();
  }
}

/** `sum(array)`: the sum of an array key's values (GRIB1 second order's countOfGroupLengths). */
class Sum extends MetaAccessor {
  override long(): number {
    const a = this.ctx.find(this.key(0));
    if (!a) throw new KeyError("not_found", this.key(0), `${this.key(0)} not found`);
    let total = 0;
    for (const v of a.longs()) total += v;
    return total;
  }
}

/**
 * `spectral_truncation(J, K, M, T)`: the number of coefficients of a triangular, rhomboidal or trapezoidal
 * truncation, -1 for another; like ecCodes, the key fails when T cannot be read.
 */
class SpectralTruncation extends MetaAccessor {
  override long(): number {
    const [j, k, m] = [this.longOf(0), this.longOf(1), this.longOf(2)];
    let coefficients = -1;
    if (j === k && k === m) coefficients = (m + 1) * (m + 2);
    if (k === j + m) coefficients = 2 * j * m;
    if (j === k && k > m) coefficients = m * (2 * j - m);
    this.longOf(3);
    return coefficients;
  }
}

/** The value of the first argument (gds_is_present, check_internal_version, ...). */
class FirstArgument extends MetaAccessor {
  override long(): number {
    return this.longOf(0);
  }
}

class Zero extends MetaAccessor {
  override long(): number {
    return 0;
  }
}

class One extends MetaAccessor {
  override long(): number {
    return 1;
  }
}

class G2BitmapPresent extends MetaAccessor {
  override long(): number {
    return this.longOf(0) === 255 ? 0 : 1;
  }
}

class LibraryVersion extends MetaAccessor {
  override nativeType(): NativeType {
    return "string";
  }
  override string(): string {
    return definitionsVersion();
  }
}

class OffsetFile extends MetaAccessor {
  protected override readonly readsMessage = true;
  override nativeType(): NativeType {
    return "double";
  }
  override double(): number {
    return this.ctx.fileOffset;
  }
}

class CountFile extends MetaAccessor {
  protected override readonly readsMessage = true;
  override long(): number {
    return this.ctx.messageNumber;
  }
}

/** `md5(offset, length, blacklisted keys...)`: MD5 of a stretch of the message, blacklisted keys zeroed. */
class Md5 extends MetaAccessor {
  protected override readonly readsMessage = true;
  override nativeType(): NativeType {
    return "string";
  }
  override string(): string {
    const offset = this.longOf(0);
    const length = this.argLong(1);
    const bytes = this.ctx.bytes;
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      throw new KeyError(
        "decoding",
        this.name,
        `${this.name}: ${length} bytes at ${offset} run past the message`,
      );
    }
    const copy = bytes.slice(offset, offset + length);
    for (let i = 2; i < this.args.length; i++) {
      const b = this.ctx.find(this.key(i));
      if (!b) throw new KeyError("not_found", this.key(i), `${this.key(i)} not found`);
      copy.fill(0, b.offset - offset, b.offset - offset + b.length);
    }
    return md5(copy);
  }
}

/** `codetable_title(key)` and `codetable_units(key)`: the code table row of a codetable key. */
class CodetableText extends MetaAccessor {
  override nativeType(): NativeType {
    return "string";
  }
  override string(): string {
    const a = this.ctx.find(this.key(0));
    if (!(a instanceof CodetableAccessor))
      throw new KeyError("not_found", this.key(0), `${this.key(0)} is not a code table`);
    const row = a.entry();
    if (!row) return String(a.long());
    return this.cls === "codetable_units" ? row[3] : row[2];
  }
}

/** `mars_param(paramId, table, param)`: "param.table". */
class MarsParam extends MetaAccessor {
  override nativeType(): NativeType {
    return "string";
  }
  override string(): string {
    const table = this.hasArg(1) ? this.longOf(1) : 0;
    const param = this.hasArg(2) ? this.longOf(2) : 0;
    return `${param}.${table}`;
  }
}

/** `ifs_param(paramId, type)`: IFS's parameter number for a paramId. */
class IfsParam extends MetaAccessor {
  override long(): number {
    const p = this.longOf(0);
    if (p >= 129000 && p <= 129999) return p - 129000;
    if (p >= 200000 && p <= 200999) return p - 200000;
    if (p >= 211000 && p <= 211999) return p - 1000;
    return p;
  }
}

const CHEMICAL = [
  [40, 41, 42, 43],
  [57, 58, 67, 68],
  [76, 77, 78, 79],
];
const AEROSOL = [
  [44, 45, 46, 47, 48, 49, 80, 81, 82, 83, 84, 85],
  [48, 49, 80, 81, 82, 83, 84, 85],
];

/** `g2_chemical(pdtn, stepType, kind)` and `g2_aerosol`: whether the product template is of that kind. */
class TemplateKind extends MetaAccessor {
  override long(): number {
    const pdtn = this.longOf(0);
    const kind = this.hasArg(2) ? this.argLong(2) : 0;
    const lists = this.cls === "g2_chemical" ? CHEMICAL : AEROSOL;
    return lists[kind]?.includes(pdtn) ? 1 : 0;
  }
}

/** A whole number of octets in another key (ecCodes' octet_number, unsigned_bits as meta, ...). */
class RawBytes extends MetaAccessor {
  override long(): number {
    const a = this.ctx.find(this.key(0));
    if (!a || a.length === 0) throw new KeyError("not_found", this.key(0), `${this.key(0)} not found`);
    return readUnsigned(this.ctx.bytes, a.offset, Math.min(6, a.length));
  }
}

/** `g2level(type, scaleFactor, scaledValue, pressureUnits)`: the level, hPa for pressure (rounded half up). */
class G2Level extends MetaAccessor {
  override nativeType(): NativeType {
    return "long";
  }
  override double(): number {
    const type = this.longOf(0);
    let scale = this.longOf(1);
    const value = this.longOf(2);
    const units = this.stringOf(3);
    if (value === MISSING_LONG) return 0;
    let v = value;
    if (scale !== MISSING_LONG) {
      if (type === 109) scale -= 6;
      while (scale < 0 && v !== 0) {
        v *= 10;
        scale++;
      }
      while (scale > 0 && v !== 0) {
        v /= 10;
        scale--;
      }
    }
    if (type === 100 && units === "hPa") v /= 100;
    return v;
  }
  override long(): number {
    return Math.trunc(this.double() + 0.5);
  }
  override isMissing(): boolean {
    return this.ctx.isMissing(this.key(1)) || this.ctx.isMissing(this.key(2));
  }
}

/** `g2_mars_labeling(i, marsClass, marsType, marsStream, ...)`: class, type or stream of ECMWF's local section. */
class MarsLabeling extends MetaAccessor {
  private target(): string {
    return this.key(this.argLong(0) + 1);
  }
  override nativeType(): NativeType {
    return this.ctx.find(this.target())?.nativeType() ?? "string";
  }
  override string(): string {
    return this.ctx.string(this.target());
  }
  override long(): number {
    return this.ctx.long(this.target());
  }
}

/** Product templates of ensemble forecasts (ecCodes' grib2_is_PDTN_EPS). */
const EPS = new Set([
  1, 2, 3, 4, 11, 12, 13, 14, 33, 34, 41, 43, 45, 47, 49, 54, 56, 58, 59, 60, 61, 63, 68, 71, 73, 77, 79, 81,
  83, 85, 92, 94, 96, 98,
]);

class G2Eps extends MetaAccessor {
  override long(): number {
    return EPS.has(this.longOf(0)) ? 1 : 0;
  }
}

export const basicClasses: Record<string, MetaClass> = {
  evaluate: Evaluate,
  scale: Scale,
  divdouble: DivDouble,
  bits: Bits,
  from_scale_factor_scaled_value: FromScaleFactorScaledValue,
  sprintf: Sprintf,
  long_vector: LongVector,
  vector: Vector,
  size: Size,
  sum: Sum,
  spectral_truncation: SpectralTruncation,
  gds_is_present: FirstArgument,
  check_internal_version: FirstArgument,
  headers_only: Zero,
  select_step_template: One,
  g2bitmap_present: G2BitmapPresent,
  library_version: LibraryVersion,
  offset_file: OffsetFile,
  count_file: CountFile,
  count_total: CountFile,
  md5: Md5,
  codetable_title: CodetableText,
  codetable_units: CodetableText,
  mars_param: MarsParam,
  ifs_param: IfsParam,
  g2_chemical: TemplateKind,
  g2_aerosol: TemplateKind,
  octet_number: RawBytes,
  g2level: G2Level,
  g2_mars_labeling: MarsLabeling,
  g2_eps: G2Eps,
};
