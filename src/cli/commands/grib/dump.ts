// `cloudburst grib dump`, grib_dump's default layout: per message the keys the definitions mark for
// dumping, in their order, code table entries as comments, read-only keys marked, arrays by their
// first hundred values five to a line. -j writes the same keys as one JSON object per message.

import { FLAG } from "../../../grib/definitions/ast.ts";
import { formatG } from "../../../grib/format.ts";
import type { GribKey, GribKeys } from "../../../grib/index.ts";
import { type Out, stdout } from "./stdout.ts";
import { type Field, parseWhere, reportUnreadable, walk } from "./tool.ts";

export interface DumpOptions {
  j?: boolean;
  json?: boolean;
  w?: string;
}

interface Dumpable extends GribKey {
  flags: number;
  cls: string;
  codeTable?(): { files: string[] } | null;
  entry?(): [number, string, string, string] | undefined;
}

/** Classes whose keys ecCodes marks read-only whatever their definition says. */
const READ_ONLY_CLASSES = new Set([
  "number_of_points",
  "number_of_values",
  "validity_date",
  "validity_time",
  "g2grid",
  "bit",
]);

function comment(a: Dumpable): string | undefined {
  if (a.cls !== "codetable" || !a.codeTable) return undefined;
  const table = a.codeTable();
  const row = a.entry?.();
  const text = row ? `${row[2]}${row[3] !== "unknown" ? ` (${row[3]}) ` : ""}` : "Unknown code table entry";
  return `  # ${text} (${table ? table.files.join(" , ") : ""})  `;
}

function arrayLines(name: string, values: ArrayLike<number>): string {
  const lines = [`  ${name}(${values.length}) =  {`];
  const shown = Math.min(values.length, 100);
  for (let i = 0; i < shown; i += 5) {
    const row: string[] = [];
    for (let k = i; k < Math.min(i + 5, shown); k++) row.push(formatG(values[k]!));
    lines.push(`  ${row.join(", ")}${i + 5 < shown ? ", " : ""}`);
  }
  if (values.length > shown) lines.push(`  ... ${values.length - shown} more values`);
  lines.push("  } ");
  return lines.join("\n");
}

function valueText(keys: GribKeys, name: string, a: Dumpable): string {
  if (keys.isMissing(name)) return "MISSING";
  const t = a.nativeType();
  if (t === "double") return formatG(a.double());
  if (t === "long") return String(a.long());
  return a.string();
}

function dumpKey(keys: GribKeys, name: string, a: Dumpable): string | undefined {
  try {
    if (a.count() > 1) return arrayLines(name, a.nativeType() === "long" ? a.longs() : a.doubles());
    const readOnly = (a.flags & FLAG.read_only) !== 0 || READ_ONLY_CLASSES.has(a.cls);
    const line = `  ${readOnly ? "#-READ ONLY- " : ""}${name} = ${valueText(keys, name, a)};`;
    const c = comment(a);
    return c ? `${c}\n${line}` : line;
  } catch {
    return undefined;
  }
}

function dumped(keys: GribKeys): Array<[string, Dumpable]> {
  return (keys.keys() as Array<[string, Dumpable]>).filter(
    ([, a]) => (a.flags & FLAG.dump) !== 0 && (a.flags & FLAG.hidden) === 0,
  );
}

function text(out: Out, f: Field): void {
  out.write(
    `#==============   MESSAGE ${f.count} ( length=${f.field.keys.bytes.length} )              ==============\nGRIB {\n`,
  );
  for (const [name, a] of dumped(f.field.keys)) {
    const line = dumpKey(f.field.keys, name, a);
    if (line !== undefined) out.write(`${line}\n`);
  }
  out.write("}\n");
}

function json(out: Out, f: Field, first: boolean): void {
  const obj: Record<string, unknown> = {};
  for (const [name, a] of dumped(f.field.keys)) {
    try {
      if (a.count() > 1) obj[name] = Array.from(a.nativeType() === "long" ? a.longs() : a.doubles());
      else
        obj[name] = f.field.keys.isMissing(name)
          ? "MISSING"
          : a.nativeType() === "string"
            ? a.string()
            : a.nativeType() === "double"
              ? a.double()
              : a.long();
    } catch {
      // a key that cannot be read is left out, as grib_dump -j does
    }
  }
  out.write(`${first ? "" : ",\n"}${JSON.stringify(obj)}`);
}

/** Runs grib_dump over `files`; returns the exit status. */
export async function dumpFiles(files: string[], o: DumpOptions): Promise<number> {
  const out = stdout();
  const asJson = !!(o.j || o.json);
  let count = 0;
  if (asJson) out.write('{ "messages" : [\n');
  const result = await walk(files, parseWhere(o.w), {
    fileStart: (file) => {
      if (!asJson) out.write(`***** FILE: ${file} \n`);
    },
    field: async (f) => {
      if (asJson) json(out, f, count === 0);
      else text(out, f);
      count++;
      await out.flushIfLarge();
    },
    unreadable: (file, e) => reportUnreadable(out, file, e),
  });
  if (asJson) out.write("\n]}\n");
  await out.flush();
  return result.error || (result.empty.length ? 1 : 0);
}
