// `cloudburst suite check FILE.def [--print]`: parse and validate an ecFlow definition; errors as
// file:line:col: message on stderr (exit 1); --print writes the definition back as .def text.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { checkDefs } from "../../flow/def/check.ts";
import { printDefs } from "../../flow/def/printer.ts";
import { FlowDefinitionError } from "../../flow/logic/diagnostics.ts";
import { UserError } from "../errors.ts";

export function registerSuiteCheckCommand(suite: Command): void {
  suite
    .command("check")
    .description("parse and validate an ecFlow .def file; errors as file:line:col: message")
    .argument("<file>", "the definition file (.def)")
    .option("--print", "write the definition back as .def text on stdout")
    .action((file: string, options: { print?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (error) {
        throw new UserError(
          `cannot read ${file}: ${(error as Error).message}`,
          "give the path of an ecFlow .def file",
        );
      }
      try {
        const defs = checkDefs(text, file);
        if (options.print) process.stdout.write(printDefs(defs));
        else {
          let tasks = 0;
          let nodes = 0;
          const count = (n: { kind: string; children?: unknown[] }): void => {
            nodes++;
            if (n.kind === "task") tasks++;
            for (const c of (n.children ?? []) as { kind: string; children?: unknown[] }[]) count(c);
          };
          for (const s of defs.suites) count(s);
          process.stdout.write(
            `ok: ${file}: ${defs.suites.length} suite(s), ${nodes} nodes, ${tasks} tasks\n`,
          );
        }
      } catch (error) {
        if (!(error instanceof FlowDefinitionError)) throw error;
        process.stderr.write(`${error.message}\n`);
        process.exitCode = 1;
      }
    });
}
