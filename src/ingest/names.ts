// ECMWF dissemination file names: knowing the cycle and step from the name alone, before a byte is read.
//
// LEGACY   ccSMMDDHHIImmddhhiiE       A1D11240000112406001 (feed A1, stream D, base 11-24 00:00,
//          valid 11-24 06:00, expver 1). Step 0 of a forecast has minute "01" in the valid time;
//          seasonal products have "MM______" as valid time. The year is not in the name: it is the
//          year that puts the base time nearest to the reception time.
// ECMWF    dest_feed_model_class_stream_type_YYYYMMDDTHHMMSSZ_YYYYMMDDTHHMMSSZ_STEP(h|d)[_expver]
//          abc_a1_aifs-ens_ai_enfo_pf_20250725T000000Z_20250808T180000Z_354h
// WMO      W_location,model,dest+feed+class+stream+type+expver_C_CCCC_YYYYMMDDTHHMMSSZ_VALID_STEP_format.ext
//          W_xx-ecmwf-reading,aifs+single,abc+a1+ai+enfo+pf+0001_C_ECMF_20250725T000000Z_20250808T180000Z_354h_grib.bin

export type DisseminationTemplate = "legacy" | "ecmwf" | "wmo";

export interface DisseminationName {
  template: DisseminationTemplate;
  /** Feed name as defined in ECMWF's product requirements editor (e.g. "A1"). */
  feed: string;
  /** LEGACY: the stream indicator letter; ECMWF/WMO: the MARS stream ("oper", "enfo", ...). */
  stream: string;
  /** MARS stream and type the LEGACY indicator stands for, when known. */
  marsStream?: string;
  marsType?: string;
  baseTime: Date;
  /** null for seasonal products (valid month only). */
  validTime: Date | null;
  /** Forecast step in hours; null when not derivable (seasonal). */
  step: number | null;
  expver: string;
  destination?: string;
  model?: string;
  class?: string;
}

/** LEGACY stream indicators (ECMWF "Naming convention - IFS data"). */
const legacyStreams: Record<string, { marsStream: string; marsType?: string }> = {
  A: { marsStream: "oper", marsType: "wp" },
  B: { marsStream: "enfo", marsType: "wp" },
  C: { marsStream: "oper", marsType: "tf" },
  D: { marsStream: "oper" },
  E: { marsStream: "enfo" },
  F: { marsStream: "eefo" },
};

const legacyPattern =
  /^([A-Za-z0-9]{2})([A-Z])(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2}|__)(\d{2}|__)(\d{2}|__)(\w)$/;
const isoStamp = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const ecmwfPattern =
  /^(.+)_([^_]+)_([^_]+)_([^_]+)_([^_]+)_([^_]+)_(\d{8}T\d{6}Z)_(\d{8}T\d{6}Z)_(\d+)([hd])(?:_([^_.]+))?(?:\.[A-Za-z0-9]+)?$/;
const wmoPattern =
  /^W_([^,]+),([^,]+),([^_]+)_C_([A-Z]{4})_(\d{8}T\d{6}Z)_(\d{8}T\d{6}Z)_(\d+)([hd])_([A-Za-z0-9]+)\.[A-Za-z0-9]+$/;

/**
 * Parses a dissemination file name (the base name, without directories); null when it follows none of
 * the templates. `receivedAt` resolves the LEGACY template's missing year.
 */
export function parseDisseminationName(
  name: string,
  receivedAt: Date = new Date(),
): DisseminationName | null {
  return parseLegacy(name, receivedAt) ?? parseEcmwf(name) ?? parseWmo(name);
}

function parseLegacy(name: string, receivedAt: Date): DisseminationName | null {
  const m = legacyPattern.exec(name);
  if (!m) return null;
  const [, feed, stream, bMonth, bDay, bHour, bMinute, vMonth, vDay, vHour, vMinute, expver] =
    m as unknown as string[];
  const baseTime = nearestYear(Number(bMonth), Number(bDay), Number(bHour), Number(bMinute), receivedAt);
  if (!baseTime) return null;
  const known = legacyStreams[stream!];
  const common = {
    template: "legacy" as const,
    feed: feed!,
    stream: stream!,
    ...(known ? { marsStream: known.marsStream } : {}),
    ...(known?.marsType ? { marsType: known.marsType } : {}),
    baseTime,
    expver: expver!,
  };
  if (vDay === "__") return { ...common, validTime: null, step: null };
  if (vHour === "__" || vMinute === "__") return null;
  // Step 0 of a forecast is marked with minute 01: the valid time is the base time itself.
  const stepZero = vMinute === "01" && Number(vMonth) === Number(bMonth) && vDay === bDay && vHour === bHour;
  let validTime = stepZero
    ? new Date(baseTime)
    : utc(baseTime.getUTCFullYear(), Number(vMonth), Number(vDay), Number(vHour), Number(vMinute));
  if (!validTime) return null;
  // A forecast valid in January of a December run is valid in the next year.
  if (validTime < baseTime) {
    validTime = utc(
      baseTime.getUTCFullYear() + 1,
      Number(vMonth),
      Number(vDay),
      Number(vHour),
      Number(vMinute),
    );
    if (!validTime) return null;
  }
  return { ...common, validTime, step: hoursBetween(baseTime, validTime) };
}

function parseEcmwf(name: string): DisseminationName | null {
  const m = ecmwfPattern.exec(name);
  if (!m) return null;
  const [, destination, feed, model, klass, stream, type, base, valid, step, unit, expver] =
    m as unknown as string[];
  const baseTime = parseIso(base!);
  const validTime = parseIso(valid!);
  if (!baseTime || !validTime) return null;
  return {
    template: "ecmwf",
    destination: destination!,
    feed: feed!,
    model: model!,
    class: klass!,
    stream: stream!,
    marsStream: stream!,
    marsType: type!,
    baseTime,
    validTime,
    step: Number(step) * (unit === "d" ? 24 : 1),
    expver: expver ?? "1",
  };
}

function parseWmo(name: string): DisseminationName | null {
  const m = wmoPattern.exec(name);
  if (!m) return null;
  const [, , model, product, , base, valid, step, unit] = m as unknown as string[];
  // destination+feed+class+stream+type+expver
  const parts = product!.split("+");
  if (parts.length < 5) return null;
  const [destination, feed, klass, stream, type, expver] = parts as string[];
  const baseTime = parseIso(base!);
  const validTime = parseIso(valid!);
  if (!baseTime || !validTime) return null;
  return {
    template: "wmo",
    destination: destination!,
    feed: feed!,
    model: model!,
    class: klass!,
    stream: stream!,
    marsStream: stream!,
    marsType: type!,
    baseTime,
    validTime,
    step: Number(step) * (unit === "d" ? 24 : 1),
    expver: expver ? String(Number(expver)) : "1",
  };
}

function parseIso(stamp: string): Date | null {
  const m = isoStamp.exec(stamp);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return utc(y!, mo!, d!, h!, mi!, s!);
}

/** A UTC date, or null when the parts do not form a real date (e.g. 02-30). */
function utc(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second = 0,
): Date | null {
  if (hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : null;
}

function nearestYear(month: number, day: number, hour: number, minute: number, near: Date): Date | null {
  const year = near.getUTCFullYear();
  let best: Date | null = null;
  for (const candidate of [year - 1, year, year + 1]) {
    const date = utc(candidate, month, day, hour, minute);
    if (
      date &&
      (!best || Math.abs(date.getTime() - near.getTime()) < Math.abs(best.getTime() - near.getTime()))
    )
      best = date;
  }
  return best;
}

function hoursBetween(a: Date, b: Date): number {
  return (b.getTime() - a.getTime()) / 3_600_000;
}
