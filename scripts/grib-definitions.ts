// Compiles ecCodes' definitions (the directory `codes_info -d` prints, from Debian's libeccodes-data)
// into the JSON bundles under src/grib/definitions/generated/ that the GRIB codec interprets: the
// statement files that lay out GRIB1 and GRIB2 sections (every template, every centre's local
// sections), the concept files (paramId, shortName, name, units, typeOfLevel, MARS keys, ... of every
// centre) and the code tables. The output is committed with the ecCodes version it came from;
// test/grib/definitions-generated.test.ts regenerates it and checks that nothing changes.
//
// usage: node scripts/grib-definitions.ts [--definitions DIR] [--out DIR]
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type {
  CodeTableRow,
  ConceptFile,
  DefinitionsBundle,
  Expr,
  Statement,
} from "../src/grib/definitions/ast.ts";
import { conceptBundle, statementBundle, tableBundle } from "../src/grib/definitions/bundles.ts";
import { indexRows } from "../src/grib/definitions/concept-index.ts";
import { type ParsedStatement, parseConceptFile, parseStatements } from "./grib-definitions/parse.ts";

const root = resolve(import.meta.dirname, "..");

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function eccodesVersion(): string {
  const text = execFileSync("codes_info", ["-v"], { encoding: "utf8" }).trim();
  return text.split(/\s+/).at(-1)!;
}

function definitionsDir(): string {
  return option("--definitions") ?? execFileSync("codes_info", ["-d"], { encoding: "utf8" }).trim();
}

/** Every file under `dir`, as paths relative to `base`, sorted. */
function walk(dir: string, base: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, base));
    else out.push(relative(base, p));
  }
  return out;
}

/** The files a template path with [key] placeholders may name. */
function templateCandidates(pattern: string, all: string[]): string[] {
  const re = new RegExp(
    `^${pattern
      .split(/\[[^\]]*\]/)
      .map((part) => part.replace(/[.*+?^${}()|\\]/g, "\\$&"))
      .join("[^/]*")}$`,
  );
  return all.filter((f) => re.test(f));
}

class Compiler {
  readonly files = new Map<string, Statement[]>();
  readonly conceptNames = new Set<string>();
  private readonly all: string[];
  private readonly defs: string;
  constructor(defs: string) {
    this.defs = defs;
    this.all = walk(defs, defs);
  }

  compile(path: string): void {
    if (this.files.has(path)) return;
    this.files.set(path, []);
    this.files.set(path, this.resolve(this.parse(path)));
  }

  private parse(path: string): ParsedStatement[] {
    return parseStatements(readFileSync(join(this.defs, path), "utf8"), path);
  }

  /** Compiles every file an include or a template may name. */
  private resolve(statements: ParsedStatement[]): Statement[] {
    const out: Statement[] = [];
    for (const s of statements) {
      if (s.t === "block") continue;
      if (s.t === "include") this.compile(s.path);
      if (s.t === "template") {
        // GRIB only: boot.def also names BUFR, GTS, METAR, ... templates
        for (const f of templateCandidates(s.path, this.all))
          if (/^(grib[12]|mars|common)\//.test(f)) this.compile(f);
      }
      if (s.t === "concept" && s.file) this.conceptNames.add(s.file);
      if (s.t === "if") {
        out.push({
          ...s,
          body: this.resolve(s.body as ParsedStatement[]),
          ...(s.orelse ? { orelse: this.resolve(s.orelse as ParsedStatement[]) } : {}),
        });
      } else if (s.t === "list") out.push({ ...s, body: this.resolve(s.body as ParsedStatement[]) });
      else out.push(s);
    }
    return out;
  }

  /** Every concept file of the names used, in every directory (master, each centre's, MARS). */
  concepts(): Map<string, ConceptFile> {
    const out = new Map<string, ConceptFile>();
    for (const f of this.all) {
      const name = f.slice(f.lastIndexOf("/") + 1);
      if (!this.conceptNames.has(name) || !/^(grib1|grib2|mars)\//.test(f)) continue;
      const rows = parseConceptFile(readFileSync(join(this.defs, f), "utf8"), f);
      const index = indexRows(rows);
      out.set(f, index ? { rows, index } : { rows });
    }
    return out;
  }

  /** Every code table, parsed as ecCodes' codetable accessor reads it. */
  tables(): Map<string, CodeTableRow[]> {
    const out = new Map<string, CodeTableRow[]>();
    for (const f of this.all) {
      if (!f.endsWith(".table") || !/^(grib1|grib2|common|mars)\/|^[^/]+$/.test(f)) continue;
      out.set(f, parseCodeTable(readFileSync(join(this.defs, f), "latin1")));
    }
    return out;
  }
}

/**
 * A code table file: "code abbreviation title (units)" lines, as ecCodes 2.28 reads them: the units
 * are in the last parentheses, the title is what comes before them ("Wind direction (from which
 * blowing) (degree true)").
 */
function parseCodeTable(text: string): CodeTableRow[] {
  const rows: CodeTableRow[] = [];
  const seen = new Set<number>();
  for (const raw of text.split("\n")) {
    const line = raw.trimStart().replace(/\r$/, "");
    if (!line || line.startsWith("#") || !/^\d/.test(line)) continue;
    const m = /^(\d+)\s*(\S*)\s*(.*)$/.exec(line)!;
    const code = Number(m[1]);
    if (seen.has(code)) continue; // the first row of a code wins, as in ecCodes
    seen.add(code);
    const rest = m[3]!;
    const open = rest.lastIndexOf("(");
    const title = (open >= 0 ? rest.slice(0, open) : rest).trimEnd();
    const units = open >= 0 ? rest.slice(open + 1).split(")")[0]! : "unknown";
    rows.push([code, m[2]!, title, units]);
  }
  return rows;
}

/** JSON with one top-level entry per line, keys sorted: stable and readable in diffs. */
function stableJson(bundle: DefinitionsBundle): string {
  const lines: string[] = [`{"eccodes":${JSON.stringify(bundle.eccodes)}`];
  for (const field of ["files", "concepts", "tableIndex"] as const) {
    const record = bundle[field];
    if (!record) continue;
    const keys = Object.keys(record).sort();
    lines.push(`,${JSON.stringify(field)}:{`);
    keys.forEach((k, i) => {
      lines.push(`${i ? "," : ""}${JSON.stringify(k)}:${JSON.stringify(record[k])}`);
    });
    lines.push("}");
  }
  if (bundle.tables) {
    lines.push(',"tables":[');
    bundle.tables.forEach((t, i) => {
      lines.push(`${i ? "," : ""}${JSON.stringify(t)}`);
    });
    lines.push("]");
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

function group<T>(entries: Map<string, T>, bundleOf: (path: string) => string): Map<string, Map<string, T>> {
  const out = new Map<string, Map<string, T>>();
  for (const [path, value] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const b = bundleOf(path);
    if (!out.has(b)) out.set(b, new Map());
    out.get(b)!.set(path, value);
  }
  return out;
}

/** Writes every bundle into `out` (emptied first); returns the names written. */
export function generate(defs: string, out: string, eccodes: string): string[] {
  const compiler = new Compiler(defs);
  compiler.compile("boot.def");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  const write = (name: string, bundle: DefinitionsBundle) => {
    writeFileSync(join(out, `${name}.json`), stableJson(bundle));
    written.push(name);
  };
  for (const [name, files] of group(compiler.files, statementBundle)) {
    write(name, { eccodes, files: Object.fromEntries(files) });
  }
  for (const [name, concepts] of group(compiler.concepts(), conceptBundle)) {
    write(name, { eccodes, concepts: Object.fromEntries(concepts) });
  }
  for (const [name, tables] of group(compiler.tables(), tableBundle)) {
    // identical tables (most of them, across GRIB2 versions) are stored once
    const unique: CodeTableRow[][] = [];
    const ids = new Map<string, number>();
    const index: Record<string, number> = {};
    for (const [path, rows] of tables) {
      const key = JSON.stringify(rows);
      let id = ids.get(key);
      if (id === undefined) {
        id = unique.length;
        unique.push(rows);
        ids.set(key, id);
      }
      index[path] = id;
    }
    write(name, { eccodes, tableIndex: index, tables: unique });
  }
  return written;
}

/** Keys named anywhere in an expression (for checks and statistics). */
export function keysOf(e: Expr): string[] {
  if (typeof e === "number") return [];
  if ("k" in e) return [e.k];
  if ("a" in e) return e.a.flatMap(keysOf);
  return [];
}

if (import.meta.main) {
  const out = resolve(option("--out") ?? join(root, "src/grib/definitions/generated"));
  const names = generate(definitionsDir(), out, eccodesVersion());
  process.stdout.write(`${names.length} bundles from ecCodes ${eccodesVersion()}'s definitions in ${out}\n`);
}
