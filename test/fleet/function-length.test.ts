// No function in the fleet or the CloudSigma simulator is longer than 120 lines (issue 16): each one
// can be read at once. Counted from the TypeScript syntax tree, as the lines from a function's first
// token to its last.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { projectRoot } from "../helpers/cli.ts";

const limit = 120;
const folders = ["src/fleet", "src/sim/cloudsigma", "src/cli/commands/fleet.ts"];

function sourceFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return path.endsWith(".ts") ? [path] : [];
  return readdirSync(path).flatMap((name) => sourceFiles(join(path, name)));
}

/** "file:line name (N lines)" for every function longer than `max` lines. */
function longFunctions(file: string, max: number): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const long: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (last - first + 1 > max) {
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : "(anonymous)";
        long.push(`${relative(projectRoot, file)}:${first + 1} ${name} (${last - first + 1} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return long;
}

test(`no function in ${folders.join(", ")} is longer than ${limit} lines`, () => {
  const files = folders.flatMap((f) => sourceFiles(join(projectRoot, f)));
  assert.ok(files.length > 20, "the folders were read");
  assert.deepEqual(
    files.flatMap((f) => longFunctions(f, limit)),
    [],
  );
});

test("the measure finds a long function", () => {
  const file = join(projectRoot, "src/sim/cloudsigma/servers.ts");
  assert.ok(longFunctions(file, 20).length > 0);
});
