// `cloudburst grib ls|get-data|split|compare|dump`: GRIB tools shaped like ecCodes' own.
import { once } from "node:events";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import {
  type DecodedMessage,
  decodeFields,
  fieldMessages,
  GribError,
  isGribError,
  pointOrder,
  reorder,
  scanFile,
} from "../../grib/index.ts";
import { ALL_KEYS, formatKey, getKey, jsonKey, LS_KEYS } from "../../grib/keys.ts";
import { UsageError, UserError } from "../errors.ts";

interface FieldAt {
  file: string;
  /** 1-based, counting fields (as ecCodes counts messages). */
  index: number;
  field: DecodedMessage;
  bytes: Uint8Array;
  /** Field number within its message (0 for all but multi-field GRIB2). */
  fieldInMessage: number;
  /** The message holds several fields. */
  fieldOfMany: boolean;
}

/** Every field of a file, reporting (not throwing) corrupt or truncated messages with their offsets. */
async function* fields(file: string, errors: { count: number }): AsyncGenerator<FieldAt> {
  let index = 0;
  try {
    // each message is consumed before the next is read: one buffer serves them all
    for await (const m of scanFile(file, { reuse: true })) {
      if (isGribError(m)) {
        errors.count++;
        process.stderr.write(`${file}: ${m.message}\n`);
        continue;
      }
      let decoded: DecodedMessage[];
      try {
        decoded = decodeFields(m.bytes, { offset: m.offset });
      } catch (e) {
        errors.count++;
        process.stderr.write(`${file}: ${(e as Error).message}\n`);
        continue;
      }
      for (let k = 0; k < decoded.length; k++) {
        yield {
          file,
          index: ++index,
          field: decoded[k],
          bytes: m.bytes,
          fieldInMessage: k,
          fieldOfMany: decoded.length > 1,
        };
      }
    }
  } catch (e) {
    // file system errors (ENOENT, EACCES, EISDIR, ...) are the operator's to fix
    const code = (e as NodeJS.ErrnoException).code;
    if (!isGribError(e) && typeof code === "string" && code.startsWith("E")) {
      throw new UserError(
        `cannot read ${file}: ${(e as Error).message}`,
        "check the path and its permissions",
      );
    }
    throw e;
  }
}

/** A reader that stopped reading (`| head`) ends the command quietly, like ecCodes' tools. */
function quietOnClosedPipe(): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
}

/** Buffered stdout that waits for the pipe to drain. */
function output() {
  quietOnClosedPipe();
  const parts: string[] = [];
  let size = 0;
  return {
    async write(s: string) {
      parts.push(s);
      size += s.length;
      if (size > 1 << 20) await this.flush();
    },
    async flush() {
      if (!parts.length) return;
      const ok = process.stdout.write(parts.join(""));
      parts.length = 0;
      size = 0;
      if (!ok) await once(process.stdout, "drain");
    },
  };
}

function parseKeys(option: string | undefined): string[] | undefined {
  return option
    ?.split(",")
    .map((k) => k.trim())
    .filter(Boolean);
}

// JavaScript's toFixed/toExponential round exact ties away from zero; C's printf rounds them to even.
// Where the exact expansion (toFixed/toExponential with 60 digits) shows a tie after an even digit, the
// value is truncated instead.

/** "%.10e" as C prints it. */
function formatValue(v: number): string {
  let s = v.toExponential(10);
  // Only a value whose 12th significant digit is about "5" can be a tie: look closer at those alone.
  const a = Math.abs(v);
  const m = a === 0 ? 0 : a / 10 ** (Math.floor(Math.log10(a)) - 10);
  const frac = m - Math.floor(m);
  if (Math.abs(frac - 0.5) < 1e-3) {
    const exact = v.toExponential(60);
    const digits = exact.replace("-", "").replace(".", "").split("e")[0];
    if (/^50*$/.test(digits.slice(11)) && Number(digits[10]) % 2 === 0) {
      s = `${exact.slice(0, exact.indexOf(".") + 11)}${exact.slice(exact.indexOf("e"))}`;
    }
  }
  const e = s.indexOf("e");
  const exp = s.slice(e + 2);
  return `${s.slice(0, e)}e${s[e + 1]}${exp.length < 2 ? `0${exp}` : exp}`;
}

/** "%9.3f" as C prints it (ties to even, negative zero kept). */
function pad9(x: number): string {
  // Fast path: away from a tie, rounding x*1000 to an integer is exact enough to be C's result.
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
  let s = x.toFixed(3);
  const longer = x.toFixed(4);
  if (longer.charCodeAt(longer.length - 1) === 53 /* "5": maybe a tie */) {
    const exact = x.toFixed(60);
    const dot = exact.indexOf(".");
    if (/^50*$/.test(exact.slice(dot + 4)) && Number(exact[dot + 3]) % 2 === 0) s = exact.slice(0, dot + 4);
  }
  if (s[0] !== "-" && (x < 0 || Object.is(x, -0)) && /^0\.0+$/.test(s)) s = `-${s}`;
  return s.padStart(9);
}

async function ls(files: string[], options: { p?: string; json?: boolean }): Promise<void> {
  const keys = parseKeys(options.p);
  const errors = { count: 0 };
  const out = output();
  if (options.json) {
    await out.write('{ "messages" : [\n');
    let first = true;
    for (const file of files) {
      for await (const f of fields(file, errors)) {
        const obj: Record<string, unknown> = {};
        for (const k of keys ?? ALL_KEYS) {
          const v = getKey(f.field.metadata, k);
          if (!keys && v === undefined) continue;
          obj[k] = jsonKey(v);
        }
        await out.write(`${first ? "" : ",\n"}  ${JSON.stringify(obj)}`);
        first = false;
      }
    }
    await out.write("\n]}\n");
  } else {
    const cols = keys ?? LS_KEYS;
    let total = 0;
    for (const file of files) {
      const rows: string[][] = [];
      for await (const f of fields(file, errors))
        rows.push(cols.map((k) => formatKey(getKey(f.field.metadata, k))));
      const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)) + 2);
      await out.write(`${file}\n`);
      await out.write(
        `${cols
          .map((c, i) => c.padEnd(widths[i]))
          .join("")
          .trimEnd()}\n`,
      );
      for (const r of rows)
        await out.write(
          `${r
            .map((c, i) => c.padEnd(widths[i]))
            .join("")
            .trimEnd()}\n`,
        );
      await out.write(`${rows.length} of ${rows.length} messages in ${file}\n\n`);
      total += rows.length;
    }
    await out.write(`${total} of ${total} total messages in ${files.length} files\n`);
  }
  await out.flush();
  if (errors.count) process.exitCode = 1;
}

async function getData(file: string, options: { message?: string; missing?: string; skipMissing?: boolean }) {
  const wanted = options.message === undefined ? undefined : Number(options.message);
  if (wanted !== undefined && (!Number.isInteger(wanted) || wanted < 1)) {
    throw new UsageError(`--message must be a message number from 1, not "${options.message}"`);
  }
  const missing = options.missing ?? "9999";
  const errors = { count: 0 };
  const out = output();
  let seen = false;
  for await (const f of fields(file, errors)) {
    if (wanted !== undefined && f.index !== wanted) continue;
    seen = true;
    let values: Float64Array;
    let geometry: ReturnType<DecodedMessage["geometry"]>;
    try {
      values = f.field.values();
      geometry = f.field.geometry();
    } catch (e) {
      throw new UserError(`${file} message ${f.index}: ${(e as Error).message}`);
    }
    // ecCodes lists projected grids in rows west to east, south to north, whatever the scanning mode.
    const order = ["lambert", "polar_stereographic", "mercator"].includes(f.field.grid.gridType)
      ? pointOrder(f.field.grid, false)
      : null;
    const latitudes = reorder(geometry.latitudes, order);
    const longitudes = reorder(geometry.longitudes, order);
    values = reorder(values, order);
    await out.write("Latitude Longitude Value\n");
    let chunk = "";
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isNaN(v) && options.skipMissing) continue;
      chunk += `${pad9(latitudes[i])}${pad9(longitudes[i])} ${Number.isNaN(v) ? missing : formatValue(v)}\n`;
      if (chunk.length > 65536) {
        await out.write(chunk);
        chunk = "";
      }
    }
    await out.write(chunk);
    if (wanted !== undefined) break;
  }
  await out.flush();
  if (wanted !== undefined && !seen) throw new UserError(`${file} has no message ${wanted}`);
  if (errors.count) process.exitCode = 1;
}

/** Fills "[key]" placeholders from a field's metadata, as grib_copy names its outputs. */
function fileName(template: string, f: FieldAt): string {
  return template.replace(/\[([^\]]+)\]/g, (_all, key: string) => {
    const v = getKey(f.field.metadata, key);
    if (v === undefined) throw new UserError(`key "${key}" in the template is not in message ${f.index}`);
    return formatKey(v);
  });
}

async function split(file: string, dir: string, options: { template: string }): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const errors = { count: 0 };
  const handles = new Map<string, number>();
  let written = 0;
  try {
    for await (const f of fields(file, errors)) {
      // A field of a multi-field GRIB2 message is written as a message of its own, as grib_copy does.
      const bytes = f.fieldOfMany ? fieldMessages(f.bytes)[f.fieldInMessage] : f.bytes;
      const path = join(dir, fileName(options.template, f));
      let fd = handles.get(path);
      if (fd === undefined) {
        fd = openSync(path, "w");
        handles.set(path, fd);
      }
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      written++;
    }
  } finally {
    for (const fd of handles.values()) closeSync(fd);
  }
  process.stdout.write(`${written} messages from ${file} into ${handles.size} files in ${dir}\n`);
  if (errors.count) process.exitCode = 1;
}

const COMPARED_KEYS = [
  "edition",
  "centre",
  "dataDate",
  "dataTime",
  "stepRange",
  "stepType",
  "paramId",
  "shortName",
  "typeOfLevel",
  "level",
  "number",
  "gridType",
  "Ni",
  "Nj",
  "numberOfDataPoints",
  "latitudeOfFirstGridPointInDegrees",
  "longitudeOfFirstGridPointInDegrees",
];

async function compare(a: string, b: string, options: { abs?: string }): Promise<void> {
  const tolerance = options.abs === undefined ? 0 : Number(options.abs);
  if (!Number.isFinite(tolerance) || tolerance < 0)
    throw new UsageError(`--abs must be a number >= 0, not "${options.abs}"`);
  const errors = { count: 0 };
  const ia = fields(a, errors);
  const ib = fields(b, errors);
  let differences = 0;
  let n = 0;
  for (;;) {
    const [ra, rb] = await Promise.all([ia.next(), ib.next()]);
    if (ra.done || rb.done) {
      if (!ra.done || !rb.done) {
        process.stdout.write(`different number of messages: ${ra.done ? a : b} has fewer\n`);
        differences++;
      }
      break;
    }
    n++;
    const ma = ra.value.field.metadata;
    const mb = rb.value.field.metadata;
    const lines: string[] = [];
    for (const k of COMPARED_KEYS) {
      const va = formatKey(getKey(ma, k));
      const vb = formatKey(getKey(mb, k));
      if (va !== vb) lines.push(`  ${k}: [${va}] != [${vb}]`);
    }
    if (ma.numberOfDataPoints === mb.numberOfDataPoints) {
      const xa = ra.value.field.values();
      const xb = rb.value.field.values();
      let maxDiff = 0;
      let at = -1;
      let missingMismatch = 0;
      for (let i = 0; i < xa.length; i++) {
        const na = Number.isNaN(xa[i]);
        const nb = Number.isNaN(xb[i]);
        if (na || nb) {
          if (na !== nb) missingMismatch++;
          continue;
        }
        const d = Math.abs(xa[i] - xb[i]);
        if (d > maxDiff) {
          maxDiff = d;
          at = i;
        }
      }
      if (maxDiff > tolerance) {
        lines.push(
          `  values: max absolute difference ${formatKey(maxDiff)} > ${tolerance} at point ${at + 1}`,
        );
      }
      if (missingMismatch) lines.push(`  values: ${missingMismatch} points missing in one message only`);
    }
    if (lines.length) {
      differences++;
      process.stdout.write(
        `-- message ${n} (${ma.shortName} ${ma.typeOfLevel} ${ma.level} ${ma.stepRange}) --\n`,
      );
      process.stdout.write(`${lines.join("\n")}\n`);
    }
  }
  if (differences || errors.count) process.exitCode = 1;
}

async function dump(file: string, options: { json?: boolean }): Promise<void> {
  const errors = { count: 0 };
  const out = output();
  for await (const f of fields(file, errors)) {
    const m = f.field.metadata;
    if (options.json) {
      await out.write(`${JSON.stringify({ message: f.index, ...m, grid: f.field.grid })}\n`);
      continue;
    }
    await out.write(
      `#==============   MESSAGE ${f.index} ( length=${m.totalLength}, offset=${m.offset} )   ==============\n`,
    );
    for (const [k, v] of Object.entries(m)) {
      if (v === undefined || k === "pl") continue;
      await out.write(`${k} = ${formatKey(v as never)};\n`);
    }
    if (m.pl) await out.write(`pl(${m.pl.length}) = { ${m.pl.join(", ")} };\n`);
    await out.write(`earth = ${JSON.stringify(f.field.grid.earth)};\n`);
  }
  await out.flush();
  if (errors.count) process.exitCode = 1;
}

export function registerGribCommands(program: Command): void {
  const grib = program.command("grib").description("read GRIB files: list, values, split, compare, dump");
  grib
    .command("ls <files...>")
    .description("list messages like grib_ls; --json writes ecCodes key names and values")
    .option("-p <keys>", "comma-separated keys to print (ecCodes names)")
    .option("--json", "print JSON: { messages: [ one object per message ] }")
    .action((files: string[], options: { p?: string; json?: boolean }) => ls(files, options));
  grib
    .command("get-data <file>")
    .description("print latitude, longitude and value of every point, like grib_get_data")
    .option("--message <n>", "only message N (1-based, counting fields like ecCodes)")
    .option("--missing <text>", "text printed for missing values", "9999")
    .option("--skip-missing", "leave out missing points (grib_get_data's default without -m)")
    .action((file: string, options: { message?: string; missing?: string; skipMissing?: boolean }) =>
      getData(file, options),
    );
  grib
    .command("split <file> <dir>")
    .description("write each message to DIR under a name built from its keys, byte for byte like grib_copy")
    .option("--template <name>", "file name with [key] placeholders", "[shortName]_[level]_[step].grib")
    .action((file: string, dir: string, options: { template: string }) => split(file, dir, options));
  grib
    .command("compare <a> <b>")
    .description("compare two files message by message (keys and values); exit 1 if they differ")
    .option("--abs <tolerance>", "largest absolute difference of values accepted", "0")
    .action((a: string, b: string, options: { abs?: string }) => compare(a, b, options));
  grib
    .command("dump <file>")
    .description("print every key of every message")
    .option("--json", "one JSON object per message, with the grid definition")
    .action((file: string, options: { json?: boolean }) => dump(file, options));
}

export { GribError };
