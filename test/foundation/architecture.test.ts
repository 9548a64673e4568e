// The architecture as the code must keep it (docs/architecture.md): dependencies between the folders
// of src/ point one way, only the composition root (src/app/) starts subsystems, no module keeps
// mutable state of its own outside it, and no function is too long to read.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

const src = resolve(import.meta.dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

const files = sourceFiles(src).map((path) => ({
  path,
  name: relative(src, path),
  folder: relative(src, path).split("/")[0]!,
  source: ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true),
}));

/** Generated tables are data, not code to read. */
const isGenerated = (name: string) => /(^|\/)tables\/.*-data\.ts$|\.generated\.ts$/.test(name);

/** Relative module specifiers a file imports or re-exports, statically or dynamically. */
function importsOf(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier)
      found.push((node.moduleSpecifier as ts.StringLiteral).text);
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    )
      found.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.filter((s) => s.startsWith("."));
}

/** Folder → folders it imports from, with one example import per edge. */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of files) {
    for (const spec of importsOf(file.source)) {
      const target = relative(src, resolve(dirname(file.path), spec)).split("/")[0]!;
      if (target === file.folder || target.startsWith("..")) continue;
      const edges = graph.get(file.folder) ?? new Map<string, string>();
      if (!edges.has(target)) edges.set(target, `${file.name} imports ${spec}`);
      graph.set(file.folder, edges);
    }
  }
  return graph;
}

/** A cycle in the graph as a list of edges, or null. */
function findCycle(graph: Map<string, Map<string, string>>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (state.get(next) === "open") {
        const loop = [...path.slice(path.indexOf(next)), next];
        return loop.slice(1).map((to, i) => graph.get(loop[i]!)!.get(to)!);
      }
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    path.pop();
    state.set(node, "done");
    return null;
  };
  for (const node of graph.keys())
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return found;
    }
  return null;
}

/** Module-level state: `let`/`var`, or a `const` holding an empty collection that can only grow. */
function moduleState(source: ts.SourceFile): string[] {
  const found: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const constant = (statement.declarationList.flags & ts.NodeFlags.Const) !== 0;
    for (const declaration of statement.declarationList.declarations) {
      const init = declaration.initializer;
      const readonlyType = declaration.type && /^(readonly |Readonly)/.test(declaration.type.getText());
      const emptyCollection =
        !!init &&
        !readonlyType &&
        ((ts.isNewExpression(init) &&
          /^(Map|Set|WeakMap|WeakSet|Array)$/.test(init.expression.getText()) &&
          (init.arguments?.length ?? 0) === 0) ||
          (ts.isArrayLiteralExpression(init) && init.elements.length === 0));
      if (!constant || emptyCollection) {
        const line = source.getLineAndCharacterOfPosition(declaration.getStart()).line + 1;
        found.push(`${relative(src, source.fileName)}:${line}: ${declaration.name.getText()}`);
      }
    }
  }
  return found;
}

function longFunctions(source: ts.SourceFile, limit: number): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (last - first + 1 > limit) {
        const name = node.name?.getText() ?? "(anonymous)";
        found.push(`${relative(src, source.fileName)}:${first + 1}: ${name}, ${last - first + 1} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/**
 * Module-level state that was reviewed and kept: memos of pure data (tables, compiled definitions,
 * parsed expressions), lazily loaded code, and process-wide facts. Anything else found is a service
 * or run state hidden in a module (what currentFleet() and cycleRuntime() were) and fails the test.
 */
const reviewedState: Record<string, string> = {
  "catalogue/lookups.ts: recentHashes": "a memo of recent grids' hashes (a file's fields share a few)",
  "cli/commands/grib/stdout.ts: quiet": "ecCodes tools' output mode for this one command process",
  "db/watchdog.ts: abandoned": "a program of its own: the watchdog process's loop",
  "flow/def/attributes.ts: withDefstatus": "a memo of parsed defstatus values",
  "flow/def/fields.ts: interned": "interned strings of parsed definitions (memory at 100,000 tasks)",
  "flow/def/parser.ts: NO_TOKENS": "a shared empty token list",
  "flow/logic/expr-parser.ts: parsed": "a memo of parsed trigger expressions (ecFlow's ExprDuplicate)",
  "flow/logic/paths.ts: childIndex": "a weak memo of node children by name",
  "grib/bits.ts: unrolled": "compiled bit readers, per width",
  "grib/definitions/build-coded.ts: tableCache": "code tables read once",
  "grib/definitions/builder.ts: joined": "a memo of joined key names",
  "grib/definitions/concept.ts: inlineTables": "concept tables read once",
  "grib/definitions/handle.ts: recent": "layouts of recent message shapes (ecCodes-like reuse)",
  "grib/definitions/load.ts: bundles": "compiled definitions loaded once",
  "grib/definitions/load.ts: files": "compiled definitions loaded once",
  "grib/metadata.ts: gridKeysMade": "a weak memo of the keys of grids layouts remember",
  "grib/packing/jpeg.ts: openjpeg": "the JPEG 2000 decoder, loaded on first use",
  "grib/values.ts: packingModule": "packing code loaded on first use",
  "products/grids.ts: weightCache": "interpolation weights per grid pair",
  "products/plugins/surface-pressure.ts: made": "a weak memo of surface pressure per input field",
  "sim/cloudsigma/guest-root.ts: isolation": "what this machine allows, probed once",
  "sim/ecmwf/fields.ts: lastTerms": "a memo of the last synthetic field's terms",
  "system/version.ts: version": "the release this process runs, read once",
};

/** Functions kept longer than the limit, with why: hot loops kept in one frame. */
const reviewedLength: Record<string, string> = {
  "grib/ccsds/encode.ts: ccsdsEncode": "the CCSDS encoder's hot loop, one frame for speed",
};

const unreviewed = (found: string[], reviewed: Record<string, string>) =>
  found.filter((f) => !(f.replace(/:\d+: (\S+?)(,.*)?$/, ": $1") in reviewed));

/** Functions and methods that start a subsystem's loops, listeners or processes. */
const starters =
  /\b(startIngest|startFleet|startAlertWatch|startEventRelay|startWorker|FlowEngine\.start)\s*\(/;

describe("architecture", () => {
  it("the folders of src/ import each other without a cycle", () => {
    const cycle = findCycle(folderGraph());
    assert.equal(cycle, null, `an import cycle between folders of src/:\n  ${cycle?.join("\n  ")}`);
  });

  it("only the composition root (src/app/) starts subsystems", () => {
    const outside = files.flatMap((file) => {
      if (file.folder === "app") return [];
      const text = file.source.getFullText();
      return text
        .split("\n")
        .flatMap((line, i) =>
          starters.test(line) &&
          !/^\s*(\/\/|\*|export (async )?function)/.test(line) &&
          !/static async start\(/.test(line)
            ? [`${file.name}:${i + 1}: ${line.trim()}`]
            : [],
        );
    });
    assert.deepEqual(outside, []);
  });

  it("no module keeps mutable state of its own outside src/app/ but reviewed memos", () => {
    const found = files.filter((f) => f.folder !== "app").flatMap((f) => moduleState(f.source));
    assert.deepEqual(
      unreviewed(found, reviewedState),
      [],
      "module-level state: move it into an object the composition root owns",
    );
  });

  it("no function in src/ is longer than 120 lines but generated tables and reviewed ones", () => {
    const found = files.filter((f) => !isGenerated(f.name)).flatMap((f) => longFunctions(f.source, 120));
    assert.deepEqual(unreviewed(found, reviewedLength), []);
  });
});
