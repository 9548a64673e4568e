// `cloudburst suite ...`: ecFlow-style suite commands. Minimal group created by the flow-def
// helper; the flow engine owns this file and adds load, show, begin, requeue, ... here.
import type { Command } from "commander";
import { registerSuiteCheckCommand } from "./suite-check.ts";

export function registerSuiteCommands(program: Command): void {
  const suite = program
    .command("suite")
    .description("ecFlow-style suites: check, load and operate definitions");
  registerSuiteCheckCommand(suite);
}
