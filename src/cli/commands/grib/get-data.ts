// `cloudburst grib get-data`, as grib_get_data prints: "Latitude Longitude Value" and a line per
// point, latitude and longitude with -L ("%9.3f%9.3f"), the value with -F ("%.10e"), the keys of -p
// after it; missing points are left out unless -m gives the text to print for them. ecCodes lists
// projected grids in rows west to east, south to north whatever the scanning mode; so does this.
import { cFormat, formatE10, formatF9p3 } from "../../../grib/format.ts";
import { pointOrder, reorder } from "../../../grib/index.ts";
import { UsageError, UserError } from "../../errors.ts";
import { type Out, stdout } from "./stdout.ts";
import { applySets, type Field, keyValue, parseKeys, parseWhere, reportUnreadable, walk } from "./tool.ts";

export interface GetDataOptions {
  m?: string;
  F?: string;
  L?: string;
  p?: string;
  w?: string;
  s?: string;
  /** cloudburst's own: only field N (from 1), its missing points printed as `missing`. */
  message?: string;
  missing?: string;
  skipMissing?: boolean;
}

const PROJECTED = new Set(["lambert", "polar_stereographic", "mercator"]);

function latLonFormat(format: string | undefined): (lat: number, lon: number) => string {
  if (!format || format === "%9.3f%9.3f") return (lat, lon) => formatF9p3(lat) + formatF9p3(lon);
  const parts = format.match(/%[^%]*?[a-zA-Z]/g) ?? [];
  if (parts.length !== 2)
    throw new UsageError(`-L "${format}": expected two formats, for latitude and longitude`);
  const [a, b] = parts as [string, string];
  const i = format.indexOf(b, format.indexOf(a) + a.length);
  return (lat, lon) => cFormat(format.slice(0, i), lat) + cFormat(format.slice(i), lon);
}

async function printField(out: Out, f: Field, o: GetDataOptions, missing: string | undefined): Promise<void> {
  const keys = parseKeys(o.p);
  // spherical harmonics have coefficients, not points: ecCodes prints the values alone
  const spectral = f.field.keys.find("gridType")?.string() === "sh";
  let values: Float64Array;
  let geometry: ReturnType<Field["field"]["geometry"]> | undefined;
  try {
    values = f.field.values();
    if (!spectral) geometry = f.field.geometry();
  } catch (e) {
    throw new UserError(`${f.file} message ${f.count}: ${(e as Error).message}`);
  }
  const order = PROJECTED.has(f.field.grid.gridType) ? pointOrder(f.field.grid, false) : null;
  const lats = geometry && reorder(geometry.latitudes, order);
  const lons = geometry && reorder(geometry.longitudes, order);
  values = reorder(values, order);
  const latLon = latLonFormat(o.L);
  const point = (i: number) => (lats && lons ? `${latLon(lats[i]!, lons[i]!)} ` : "");
  const value = !o.F || o.F === "%.10e" ? formatE10 : (v: number) => cFormat(o.F!, v);
  const suffix = keys.length ? ` ${keys.map((k) => keyValue(f.field.keys, k)).join(" ")}` : "";
  const header = spectral ? "Value" : "Latitude Longitude Value";
  out.write(`${header}${keys.length ? ` ${keys.map((k) => k.name).join(" ")}` : ""}\n`);
  let chunk = "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const missingPoint = Number.isNaN(v);
    if (missingPoint && missing === undefined) continue;
    chunk += `${point(i)}${missingPoint ? missing : value(v)}${suffix}\n`;
    if (chunk.length > 65536) {
      out.write(chunk);
      chunk = "";
      await out.flushIfLarge();
    }
  }
  out.write(chunk);
}

/** Runs grib_get_data over `files`; returns the exit status. */
export async function getData(files: string[], o: GetDataOptions): Promise<number> {
  const wanted = o.message === undefined ? undefined : Number(o.message);
  if (wanted !== undefined && (!Number.isInteger(wanted) || wanted < 1)) {
    throw new UsageError(`--message must be a message number from 1, not "${o.message}"`);
  }
  // --message is cloudburst's own interface: its missing points print (as --missing), as before
  const missing = o.m ?? (wanted !== undefined && !o.skipMissing ? (o.missing ?? "9999") : undefined);
  const out = stdout();
  let seen = false;
  const result = await walk(files, parseWhere(o.w), {
    field: async (f) => {
      if (wanted !== undefined && f.count !== wanted) return;
      seen = true;
      applySets(f.field.keys, o.s);
      await printField(out, f, o, missing);
    },
    unreadable: (file, e) => reportUnreadable(out, file, e),
  });
  await out.flush();
  if (wanted !== undefined && !seen) throw new UserError(`${files.join(" ")} has no message ${wanted}`);
  return result.error || (result.empty.length ? 1 : 0);
}
