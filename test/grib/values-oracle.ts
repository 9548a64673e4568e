// Issue 19's oracle: are our decoded values ecCodes' doubles to the last bit? For each GRIB file
// named (or found under a folder named) on the command line, `cloudburst grib get-data -F %.17g` and
// `grib_get_data -F %.17g` are compared message by message, value by value (17 significant digits
// tell every double apart), and the differing values are counted per packing type and decimal scale
// factor. usage: node test/grib/values-oracle.ts PATH...
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { run } from "./read-oracle.ts";

const cli = resolve(import.meta.dirname, "../../bin/cloudburst.js");

export interface MessageComparison {
  message: number;
  packingType: string;
  decimalScaleFactor: number;
  values: number;
  differing: number;
}

/** Each message's value column as printed at %.17g ("nan" for a missing point). */
function valueColumns(text: string): string[][] {
  const messages: string[][] = [];
  for (const line of text.split("\n")) {
    // a header starts each message: "Latitude Longitude Value", "Value" for spectral coefficients
    if (line.startsWith("Latitude") || line.startsWith("Value")) messages.push([]);
    else if (line) messages.at(-1)!.push(line.slice(line.lastIndexOf(" ") + 1));
  }
  return messages;
}

/** Our values against ecCodes', message by message, at %.17g. */
export function compareValues(file: string): MessageComparison[] {
  const args = ["-F", "%.17g", "-m", "nan", file];
  const ours = valueColumns(
    execFileSync(process.execPath, [cli, "grib", "get-data", ...args], {
      encoding: "utf8",
      maxBuffer: 1 << 30,
    }),
  );
  const theirs = valueColumns(run("grib_get_data", args));
  const keys = run("grib_get", ["-p", "packingType,decimalScaleFactor", file]).trim().split("\n");
  if (ours.length !== theirs.length)
    throw new Error(`${file}: ${ours.length} messages, ecCodes ${theirs.length}`);
  return theirs.map((expected, m) => {
    const got = ours[m]!;
    if (got.length !== expected.length)
      throw new Error(`${file} #${m + 1}: ${got.length} points, ecCodes ${expected.length}`);
    let differing = 0;
    for (let i = 0; i < expected.length; i++) if (got[i] !== expected[i]) differing++;
    const [packingType = "?", d = "0"] = keys[m]!.trim().split(/\s+/);
    return { message: m + 1, packingType, decimalScaleFactor: Number(d), values: expected.length, differing };
  });
}

function gribFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => {
      const p = join(path, name);
      return statSync(p).isDirectory() || /\.(grib2?|grb2?)$/.test(name) ? gribFiles(p) : [];
    });
}

if (import.meta.filename === resolve(process.argv[1] ?? "")) {
  const totals = new Map<
    string,
    { messages: number; values: number; differing: number; files: Set<string> }
  >();
  for (const file of process.argv.slice(2).flatMap(gribFiles)) {
    let comparisons: MessageComparison[];
    try {
      comparisons = compareValues(file);
    } catch (e) {
      console.log(`${file}: not compared: ${(e as Error).message.split("\n")[0]}`);
      continue;
    }
    for (const c of comparisons) {
      const key = `${c.packingType} D${c.decimalScaleFactor === 0 ? "=0" : "!=0"}`;
      const t = totals.get(key) ?? { messages: 0, values: 0, differing: 0, files: new Set<string>() };
      t.messages++;
      t.values += c.values;
      t.differing += c.differing;
      if (c.differing) t.files.add(file);
      totals.set(key, t);
    }
  }
  for (const [key, t] of [...totals].sort()) {
    const files = [...t.files].map((f) => f.split("/").slice(-2).join("/")).join(" ");
    console.log(
      `${key.padEnd(42)} ${t.messages} messages, ${t.differing}/${t.values} values differ ${files}`,
    );
  }
}
