// `cloudburst suite check FILE.def [--print] [--state]`: parse and validate an ecFlow definition as
// ecflow_server 5.9 would; errors (and warnings: what ecFlow accepts but ignores) as
// file:line:col: message on stderr, exit 1 on errors; --print writes the definition back as
// `ecflow_client --get` prints it, --state with its saved state as `--migrate` does.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { checkDefs } from "../../flow/def/check.ts";
import { printDefs } from "../../flow/def/printer.ts";
import { FlowDefinitionError, formatDiagnostic } from "../../flow/logic/diagnostics.ts";
import type { Defs } from "../../flow/model/types.ts";
import { UserError } from "../errors.ts";
import { tuneV8ForOnePass } from "../one-pass.ts";

function summary(file: string, defs: Defs): string {
  let tasks = 0;
  let nodes = 0;
  const count = (n: { kind: string; children?: unknown[] }): void => {
    nodes++;
    if (n.kind === "task") tasks++;
    for (const c of (n.children ?? []) as { kind: string; children?: unknown[] }[]) count(c);
  };
  for (const s of defs.suites) count(s);
  const state = defs.state ? `, with saved state (${defs.state.style})` : "";
  return `ok: ${file}: ${defs.suites.length} suite(s), ${nodes} nodes, ${tasks} tasks${state}\n`;
}

export function registerSuiteCheckCommand(suite: Command): void {
  suite
    .command("check")
    .description("parse and validate an ecFlow .def file; errors as file:line:col: message")
    .argument("<file>", "the definition file (.def)")
    .option("--print", "write the definition back as .def text on stdout (as ecflow_client --get prints it)")
    .option("--state", "with --print: also the saved state of a --migrate definition")
    .action((file: string, options: { print?: boolean; state?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (error) {
        throw new UserError(
          `cannot read ${file}: ${(error as Error).message}`,
          "give the path of an ecFlow .def file",
        );
      }
      tuneV8ForOnePass(text.length);
      try {
        const defs = checkDefs(text, file);
        for (const w of defs.warnings ?? [])
          process.stderr.write(`${formatDiagnostic({ ...w, message: `warning: ${w.message}` })}\n`);
        process.stdout.write(
          options.print ? printDefs(defs, { withState: options.state === true }) : summary(file, defs),
        );
      } catch (error) {
        if (!(error instanceof FlowDefinitionError)) throw error;
        process.stderr.write(`${error.message}\n`);
        process.exitCode = 1;
      }
    });
}
