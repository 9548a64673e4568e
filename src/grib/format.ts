// Numbers as C's printf prints them (ecCodes' tools print with "%g", "%.10e", "%9.3f", ...):
// JavaScript rounds exact ties away from zero, C to even, so a value that sits exactly on a tie at the
// last printed digit is looked at more closely. The common formats have fast paths (grib_get_data
// prints millions of values).

/** True when `x` lies exactly halfway and the kept digit is even: C keeps it, JavaScript rounds up. */
function evenTie(exact: string, keptEnd: number): boolean {
  const rest = exact.slice(keptEnd).replace(/e.*$/, "");
  if (!/^50*$/.test(rest)) return false;
  let i = keptEnd - 1;
  while (i >= 0 && !/\d/.test(exact[i]!)) i--;
  return i >= 0 && Number(exact[i]) % 2 === 0;
}

/** `x` with `digits` decimals, C's rounding. */
function fixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  const exact = x.toFixed(Math.min(100, digits + 30));
  const cut = exact.indexOf(".") + (digits ? digits + 1 : 0);
  if (!evenTie(exact, cut + (digits ? 0 : 1)) || digits >= 70) return s;
  return exact.slice(0, digits ? cut : exact.indexOf("."));
}

/** `x` in exponent form with `digits` decimals, C's rounding and a two-digit exponent at least. */
function exponential(x: number, digits: number, upper = false): string {
  let s = x.toExponential(digits);
  const exact = x.toExponential(Math.min(100, digits + 30));
  const cut = exact.indexOf(".") + (digits ? digits + 1 : 0);
  if (digits < 70 && evenTie(exact, cut + (digits ? 0 : 1))) {
    s = `${exact.slice(0, digits ? cut : exact.indexOf("."))}${exact.slice(exact.indexOf("e"))}`;
  }
  const e = s.indexOf("e");
  const exp = s.slice(e + 2);
  const out = `${s.slice(0, e)}e${s[e + 1]}${exp.length < 2 ? `0${exp}` : exp}`;
  return upper ? out.toUpperCase() : out;
}

/** C's %.<precision>g: the shorter of %e and %f, trailing zeros removed (kept with `alternate`). */
function general(x: number, precision: number, alternate = false): string {
  const p = precision === 0 ? 1 : precision;
  if (x === 0) return alternate ? `0.${"0".repeat(p - 1)}` : Object.is(x, -0) ? "-0" : "0";
  const rounded = exponential(x, p - 1);
  const exp = Number(rounded.slice(rounded.indexOf("e") + 1));
  let s = exp < -4 || exp >= p ? rounded : fixed(x, p - 1 - exp);
  if (!alternate) {
    const e = s.indexOf("e");
    const mantissa = e >= 0 ? s.slice(0, e) : s;
    const trimmed = mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa;
    s = e >= 0 ? trimmed + s.slice(e) : trimmed;
  }
  return s;
}

/** C's printf("%g"): six significant digits, trailing zeros removed. */
export function formatG(x: number): string {
  if (!Number.isFinite(x))
    return Number.isNaN(x) ? (Object.is(x, Number.NaN) ? "nan" : "-nan") : x > 0 ? "inf" : "-inf";
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return Object.is(x, -0) ? "-0" : String(x);
  return general(x, 6);
}

const SPEC = /%([-+ 0#]*)(\d*)(?:\.(\d*))?(l{0,2})([diouxXeEfFgG%])/g;

/** One conversion of a double: %e, %f, %g, %d (with flags, width and precision). */
function convert(
  x: number,
  flags: string,
  width: string,
  precision: string | undefined,
  type: string,
): string {
  const prec = precision === undefined ? 6 : Number(precision || 0);
  let body: string;
  if (!Number.isFinite(x)) body = Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  else if (type === "f" || type === "F") body = fixed(x, prec);
  else if (type === "e" || type === "E") body = exponential(x, prec, type === "E");
  else if (type === "g" || type === "G") body = general(x, prec, flags.includes("#"));
  else body = String(Math.trunc(x));
  if (flags.includes("+") && !body.startsWith("-")) body = `+${body}`;
  else if (flags.includes(" ") && !body.startsWith("-")) body = ` ${body}`;
  const w = Number(width || 0);
  if (body.length >= w) return body;
  if (flags.includes("-")) return body.padEnd(w);
  if (flags.includes("0") && Number.isFinite(x)) {
    const sign = /^[-+ ]/.test(body) ? body[0]! : "";
    return sign + body.slice(sign.length).padStart(w - sign.length, "0");
  }
  return body.padStart(w);
}

/** Formats one double with a printf format ("%g", "%.10e", "%9.3f", "x=%.2f m", ...). */
export function cFormat(format: string, x: number): string {
  return format.replace(
    SPEC,
    (_all, flags: string, width: string, precision: string | undefined, _l: string, type: string) =>
      type === "%" ? "%" : convert(x, flags, width, precision, type),
  );
}

/** "%.10e", fast: away from ties, toExponential is already C's result. */
export function formatE10(v: number): string {
  let s = v.toExponential(10);
  const a = Math.abs(v);
  const m = a === 0 ? 0 : a / 10 ** (Math.floor(Math.log10(a)) - 10);
  if (Math.abs(m - Math.floor(m) - 0.5) < 1e-3) s = exponential(v, 10);
  const e = s.indexOf("e");
  const exp = s.slice(e + 2);
  return exp.length < 2 ? `${s.slice(0, e)}e${s[e + 1]}0${exp}` : s;
}

/** "%9.3f", fast: away from a tie, rounding x*1000 to an integer is C's result. */
export function formatF9p3(x: number): string {
  const scaled = x * 1000;
  const r = Math.round(scaled);
  if (Math.abs(Math.abs(scaled - Math.trunc(scaled)) - 0.5) > 1e-6 && Math.abs(r) < 1e15) {
    const neg = r < 0 || (r === 0 && (x < 0 || Object.is(x, -0)));
    const n = Math.abs(r);
    const int = Math.floor(n / 1000);
    const dec = n - int * 1000;
    const str = `${neg ? "-" : ""}${int}.${dec < 10 ? "00" : dec < 100 ? "0" : ""}${dec}`;
    return str.length >= 9 ? str : " ".repeat(9 - str.length) + str;
  }
  let s = fixed(x, 3);
  if (s[0] !== "-" && (x < 0 || Object.is(x, -0)) && /^0\.0+$/.test(s)) s = `-${s}`;
  return s.padStart(9);
}
