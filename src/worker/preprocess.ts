// ecFlow's pre-processor: turns a task's .ecf script into the job text a shell runs. `%VAR%` and
// `%VAR:default%` substitution, `%%` for a literal micro character, `%include <f>` (ECF_INCLUDE search
// path, then ECF_HOME), `%include "f"` (ECF_HOME/SUITE/FAMILY/f), `%include /abs`, `%includeonce`,
// `%includenopp`, `%comment`/`%manual`/`%nopp` ... `%end`, and `%ecfmicro C`. Pure apart from the
// injected file reader, so it is tested without a disk.
import { isAbsolute, join } from "node:path";

export class PreprocessError extends Error {
  override name = "PreprocessError";
}

export interface PreprocessOptions {
  /** Every variable visible to the task (user, repeat and generated), already inherited. */
  variables: Record<string, string>;
  /** Reads a file; returns null when it does not exist. */
  readFile(path: string): string | null;
  /** Name of the script, for error messages. */
  fileName?: string;
}

interface Context {
  options: PreprocessOptions;
  micro: string;
  included: Set<string>;
  depth: number;
  out: string[];
}

const maxIncludeDepth = 50;
const directive = /^(include|includeonce|includenopp|comment|manual|nopp|end|ecfmicro)(?:\s+(.*))?$/;

/** The job text for `script`, or a PreprocessError naming the file, line and what is wrong. */
export function preprocess(script: string, options: PreprocessOptions): string {
  const micro = options.variables["ECF_MICRO"] || "%";
  const context: Context = { options, micro, included: new Set(), depth: 0, out: [] };
  processText(script, options.fileName ?? "script", context);
  return `${context.out.join("\n")}\n`;
}

function processText(text: string, file: string, context: Context): void {
  const lines = text.replace(/\r\n/g, "\n").replace(/\n$/, "").split("\n");
  // Inside %comment/%manual (dropped) or %nopp (kept verbatim) until %end.
  let skipping: "comment" | "manual" | "nopp" | null = null;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const where = `${file}:${index + 1}`;
    const m = context.micro;
    const isDirectiveLine = line.startsWith(m) && !line.startsWith(m + m);
    const parsed = isDirectiveLine ? directive.exec(line.slice(m.length).trimEnd()) : null;
    if (skipping) {
      if (parsed?.[1] === "end") skipping = null;
      else if (skipping === "nopp") context.out.push(line);
      continue;
    }
    if (!parsed) {
      context.out.push(substitute(line, where, context));
      continue;
    }
    const [, word, argument = ""] = parsed;
    switch (word) {
      case "comment":
      case "manual":
      case "nopp":
        skipping = word;
        break;
      case "end":
        throw new PreprocessError(`${where}: ${m}end without ${m}comment, ${m}manual or ${m}nopp`);
      case "ecfmicro": {
        const next = argument.trim();
        if (next.length !== 1) throw new PreprocessError(`${where}: ${m}ecfmicro needs one character`);
        context.micro = next;
        break;
      }
      default:
        include(word as "include" | "includeonce" | "includenopp", argument, where, context);
    }
  }
  if (skipping)
    throw new PreprocessError(`${file}: ${context.micro}${skipping} is never closed by ${context.micro}end`);
}

function include(
  word: "include" | "includeonce" | "includenopp",
  argument: string,
  where: string,
  context: Context,
): void {
  const spec = substitute(argument.trim(), where, context);
  const candidates = includeCandidates(spec, where, context.options.variables);
  let found: { path: string; text: string } | null = null;
  for (const path of candidates) {
    const text = context.options.readFile(path);
    if (text !== null) {
      found = { path, text };
      break;
    }
  }
  if (!found) {
    throw new PreprocessError(
      `${where}: cannot find include file ${spec} (looked in: ${candidates.join(", ") || "nowhere: set ECF_INCLUDE or ECF_HOME"})`,
    );
  }
  if (word === "includeonce") {
    if (context.included.has(found.path)) return;
    context.included.add(found.path);
  }
  if (word === "includenopp") {
    context.out.push(...found.text.replace(/\n$/, "").split("\n"));
    return;
  }
  if (context.depth >= maxIncludeDepth) {
    throw new PreprocessError(`${where}: includes nest deeper than ${maxIncludeDepth} (an include cycle?)`);
  }
  context.depth++;
  processText(found.text, found.path, context);
  context.depth--;
}

function includeCandidates(spec: string, where: string, variables: Record<string, string>): string[] {
  const home = variables["ECF_HOME"];
  if (spec.startsWith("<") && spec.endsWith(">")) {
    const name = spec.slice(1, -1).trim();
    if (isAbsolute(name)) return [name];
    const dirs = (variables["ECF_INCLUDE"] ?? "")
      .split(":")
      .map((d) => d.trim())
      .filter(Boolean);
    if (home) dirs.push(home);
    return dirs.map((dir) => join(dir, name));
  }
  if (spec.startsWith('"') && spec.endsWith('"')) {
    const name = spec.slice(1, -1).trim();
    if (isAbsolute(name)) return [name];
    if (!home) throw new PreprocessError(`${where}: ${spec} needs ECF_HOME`);
    const suite = variables["SUITE"] ?? "";
    const family = variables["FAMILY"] ?? "";
    return [join(home, suite, family, name)];
  }
  if (spec === "") throw new PreprocessError(`${where}: include needs a file name`);
  return [spec];
}

const variableSpec = /^([A-Za-z_][A-Za-z0-9_.]*)(?::(.*))?$/s;

/** Replaces %NAME% and %NAME:default% and %% in one line. */
function substitute(line: string, where: string, context: Context): string {
  const m = context.micro;
  if (!line.includes(m)) return line;
  let out = "";
  let i = 0;
  while (i < line.length) {
    const at = line.indexOf(m, i);
    if (at < 0) {
      out += line.slice(i);
      break;
    }
    out += line.slice(i, at);
    if (line.startsWith(m, at + m.length)) {
      out += m;
      i = at + 2 * m.length;
      continue;
    }
    const close = line.indexOf(m, at + m.length);
    const spec = close < 0 ? null : variableSpec.exec(line.slice(at + m.length, close));
    if (!spec) {
      // Not a variable reference (e.g. a lone % in `date +%d` style text): kept as written.
      out += m;
      i = at + m.length;
      continue;
    }
    const [, name, fallback] = spec;
    const value = context.options.variables[name!];
    if (value !== undefined) out += value;
    else if (fallback !== undefined) out += fallback;
    else
      throw new PreprocessError(
        `${where}: variable ${name} is not defined (define it with 'edit ${name} ...' or write ${m}${name}:default${m})`,
      );
    i = close + m.length;
  }
  return out;
}
