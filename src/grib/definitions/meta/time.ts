// Computed time keys as ecCodes computes them: dates and times, Julian days, validity date and time,
// and the steps (startStep, endStep, stepRange) in stepUnits. Like ecCodes, a step that cannot be
// written in stepUnits switches stepUnits to the message's own unit (so 15 minutes print as 15 with
// stepUnits 0, not as a wrong number of hours).
import { KeyError, type NativeType } from "../accessor.ts";
import { MetaAccessor, type MetaClass } from "./base.ts";

/** Seconds per unit of code table 4.4 (GRIB2) as ecCodes' u2s tables hold them; -1: no fixed length. */
const U2S = [60, 3600, 86400, 2592000, -1, -1, -1, -1, -1, -1, 10800, 21600, 43200, 1, 900, 1800];
/** GRIB1 table 4 (13 and 14 are 15 and 30 minutes there, 15 ecCodes' seconds). */
const U2S_GRIB1 = [60, 3600, 86400, 2592000, -1, -1, -1, -1, -1, -1, 10800, 21600, 43200, 900, 1800, 1];
/** Minutes per unit, for validity date and time. */
const U2M = [1, 60, 24 * 60, 24 * 60 * 30, -1, -1, -1, -1, -1, -1, 3 * 60, 6 * 60, 12 * 60, 1 / 60, 15, 30];

function decodingError(name: string, why: string): KeyError {
  return new KeyError("decoding", name, `${name}: ${why}`);
}

/** Julian day number of a yyyymmdd date (ecCodes' grib_date_to_julian). */
export function dateToJulian(date: number): number {
  const year = Math.trunc(date / 10000);
  const month = Math.trunc((date % 10000) / 100);
  const day = date % 100;
  const a = Math.trunc((14 - month) / 12);
  const y = year + 4800 - a;
  const m = month + 12 * a - 3;
  return (
    day +
    Math.trunc((153 * m + 2) / 5) +
    365 * y +
    Math.trunc(y / 4) -
    Math.trunc(y / 100) +
    Math.trunc(y / 400) -
    32045
  );
}

/** yyyymmdd of a Julian day number (ecCodes' grib_julian_to_date). */
export function julianToDate(jd: number): number {
  const a = jd + 32044;
  const b = Math.trunc((4 * a + 3) / 146097);
  const c = a - Math.trunc((146097 * b) / 4);
  const d = Math.trunc((4 * c + 3) / 1461);
  const e = c - Math.trunc((1461 * d) / 4);
  const m = Math.trunc((5 * e + 2) / 153);
  const day = e - Math.trunc((153 * m + 2) / 5) + 1;
  const month = m + 3 - 12 * Math.trunc(m / 10);
  const year = 100 * b + d - 4800 + Math.trunc(m / 10);
  return year * 10000 + month * 100 + day;
}

class G1Date extends MetaAccessor {
  override long(): number {
    const century = this.longOf(0);
    const year = this.longOf(1);
    const month = this.longOf(2);
    const day = this.longOf(3);
    return ((century - 1) * 100 + year) * 10000 + month * 100 + day;
  }
}

class G2Date extends MetaAccessor {
  override long(): number {
    return this.longOf(0) * 10000 + this.longOf(1) * 100 + this.longOf(2);
  }
}

/** `time(hour, minute, second)`: hhmm, printed with four digits. */
class Time extends MetaAccessor {
  override long(): number {
    return this.longOf(0) * 100 + this.longOf(1);
  }
  override string(): string {
    return String(this.long()).padStart(4, "0");
  }
}

class JulianDay extends MetaAccessor {
  override nativeType(): NativeType {
    return "double";
  }
  override double(): number {
    const date = this.longOf(0);
    const seconds = this.longOf(1) * 3600 + this.longOf(2) * 60 + this.longOf(3);
    return dateToJulian(date) - 0.5 + seconds / 86400;
  }
}

function minutesOf(step: number, units: number): number {
  if (units === 0) return step;
  if (units === 1) return step * 60;
  if (units === 13) return Math.trunc(step / 60);
  return Math.trunc(step * (U2M[units] ?? 0));
}

/** The step validity date and time use: `step`, or endStep (ecCodes' ECC-817). */
function stepFor(m: MetaAccessor & { ctx: MetaAccessor["ctx"] }, key: string): number {
  try {
    return m.ctx.long(key);
  } catch {
    return m.ctx.long("endStep");
  }
}

class ValidityDate extends MetaAccessor {
  override long(): number {
    if (this.hasArg(4)) return this.longOf(4) * 10000 + this.longOf(5) * 100 + this.longOf(6);
    let date = dateToJulian(this.longOf(0));
    const time = this.longOf(1);
    const step = stepFor(this, this.key(2));
    const mins = this.hasArg(3) ? minutesOf(step, this.longOf(3)) : 0;
    let hours = Math.trunc(time / 100) + Math.trunc(((time % 100) + mins) / 60);
    while (hours >= 24) {
      date++;
      hours -= 24;
    }
    while (hours < 0) {
      date--;
      hours += 24;
    }
    return julianToDate(date);
  }
}

class ValidityTime extends MetaAccessor {
  override long(): number {
    if (this.hasArg(4)) return this.longOf(4) * 100 + this.longOf(5);
    const time = this.longOf(1);
    const step = stepFor(this, this.key(2));
    const mins = this.hasArg(3) ? minutesOf(step, this.longOf(3)) : 0;
    const total = (time % 100) + mins;
    let hours = Math.trunc(time / 100) + Math.trunc(total / 60);
    if (hours > 0) hours %= 24;
    else while (hours < 0) hours += 24;
    return hours * 100 + (total % 60);
  }
}

/** `step_in_units(forecastTime, unitOfTimeRange, stepUnits)`: the step in stepUnits. */
class StepInUnits extends MetaAccessor {
  override long(): number {
    const codedUnits = this.longOf(1);
    const stepUnits = this.longOf(2);
    const codedStep = this.longOf(0);
    if (stepUnits === codedUnits) return codedStep;
    const seconds = codedStep * (U2S[codedUnits] ?? -1);
    const per = U2S[stepUnits] ?? -1;
    if (seconds < 0 || per <= 0) {
      const from = U2S[codedUnits] ?? -1;
      if (from % 60 || per % 60) throw decodingError(this.name, "step units cannot be converted");
      return Math.trunc((codedStep * (from / 60)) / (per / 60));
    }
    if (seconds % per !== 0) {
      this.ctx.setLong(this.key(2), codedUnits);
      return codedStep;
    }
    return seconds / per;
  }
}

/** `g2end_step(startStep, stepUnits, ... end of interval ..., unit, length, typeOfTimeIncrement, n)`. */
class G2EndStep extends MetaAccessor {
  override long(): number {
    const start = this.longOf(0);
    if (!this.hasArg(2)) return start;
    const ranges = this.longOf(17);
    const unit = this.longOf(1);
    if (ranges === 1) {
      const length = this.convert(unit, this.longOf(14), this.longOf(15));
      return this.longOf(16) === 1 ? start : start + length;
    }
    const types = this.ctx.find(this.key(16))?.longs() ?? [];
    const units = this.ctx.find(this.key(14))?.longs() ?? [];
    const lengths = this.ctx.find(this.key(15))?.longs() ?? [];
    const i = types.indexOf(2);
    if (i < 0) throw decodingError(this.name, "no time range specification with typeOfTimeIncrement = 2");
    return start + this.convert(unit, units[i]!, lengths[i]!);
  }

  private convert(stepUnits: number, codedUnit: number, length: number): number {
    if (codedUnit === stepUnits) return length;
    let seconds = length * (U2S[codedUnit] ?? -1);
    let per = U2S[stepUnits] ?? -1;
    if (seconds < 0) {
      if ((U2S[codedUnit] ?? -1) % 60 || per % 60)
        throw decodingError(this.name, "cannot convert the time range");
      seconds = length * ((U2S[codedUnit] ?? 0) / 60);
      per /= 60;
    }
    if (per <= 0 || seconds % per !== 0)
      throw new KeyError(
        "wrong_step_unit",
        this.name,
        `${this.name}: unable to convert endStep in stepUnits`,
      );
    return seconds / per;
  }
}

/** `g2step_range(startStep, endStep)`: "6" or "0-6". */
class G2StepRange extends MetaAccessor {
  override nativeType(): NativeType {
    return "string";
  }
  override string(): string {
    const start = this.longOf(0);
    if (!this.hasArg(1)) return String(start);
    const end = this.longOf(1);
    return start === end ? String(end) : `${start}-${end}`;
  }
  override long(): number {
    return this.hasArg(1) ? this.longOf(1) : this.longOf(0);
  }
}

const RANGE_TYPES = new Set([
  "accum",
  "avg",
  "min",
  "max",
  "rms",
  "diff",
  "avgas",
  "avgad",
  "avgid",
  "varas",
  "varad",
]);
const START_TYPES = new Set(["instant", "avgfc", "avgua", "avgia", "varins"]);

/** `g1step_range(P1, P2, timeRangeIndicator, unit, stepUnits, stepType)`: GRIB1's stepRange. */
class G1StepRange extends MetaAccessor {
  override nativeType(): NativeType {
    return "string";
  }
  private steps(): [number, number] {
    const stepUnit = this.hasArg(4) ? this.longOf(4) : 1;
    let unit = this.longOf(3);
    if (unit === 254) unit = 15;
    const p1 = this.longOf(0);
    const p2 = this.longOf(1);
    let tri = this.longOf(2);
    if (this.ctx.long("timeRangeIndicatorFromStepRange") === 10) tri = 10;
    const stepType = this.hasArg(5) ? this.stringOf(5) : "unknown";
    let start = p1;
    let end = p2;
    if (tri === 10) start = end = p1 * 256 + p2;
    else if (stepType === "instant") start = end = p1;
    else if (stepType === "accum" && tri === 0) [start, end] = [0, p1];
    const from = U2S_GRIB1[unit] ?? -1;
    const to = U2S[stepUnit] ?? -1;
    if (from === to || (start === 0 && end === 0)) return [start, end];
    const s = start * from;
    const e = end * from;
    if (s < 0 || e < 0 || to <= 0 || s % to !== 0 || e % to !== 0) {
      // ecCodes switches stepUnits to the message's unit and reports the step as not representable
      this.ctx.setLong(this.key(4), unit);
      throw decodingError(this.name, `unable to represent the step in ${this.ctx.string(this.key(4))}`);
    }
    return [s / to, e / to];
  }

  override string(): string {
    const [start, end] = this.steps();
    const stepType = this.hasArg(5) ? this.stringOf(5) : "unknown";
    if (START_TYPES.has(stepType)) return String(start);
    if (RANGE_TYPES.has(stepType)) return start === end ? String(end) : `${start}-${end}`;
    throw new KeyError("not_implemented", this.name, `Unknown stepType=[${stepType}]`);
  }

  override longs(): number[] {
    const s = this.string();
    const m = /^(-?\d+)(?:-(-?\d+))?/.exec(s);
    const start = m ? Number(m[1]) : 0;
    return [start, m?.[2] !== undefined ? Number(m[2]) : start];
  }

  override long(): number {
    return this.longs()[1]!;
  }
}

export const timeClasses: Record<string, MetaClass> = {
  g1date: G1Date,
  g2date: G2Date,
  time: Time,
  julian_day: JulianDay,
  validity_date: ValidityDate,
  validity_time: ValidityTime,
  step_in_units: StepInUnits,
  g2end_step: G2EndStep,
  g2step_range: G2StepRange,
  g1step_range: G1StepRange,
};
