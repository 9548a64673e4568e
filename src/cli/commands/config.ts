// `cloudburst config check|show`
import type { Command } from "commander";
import { stringify } from "yaml";
import { maskedConfig } from "../../config/load.ts";
import { commandConfig } from "../context.ts";
import { printJson } from "../output.ts";

export function registerConfigCommands(program: Command): void {
  const config = program.command("config").description("check or show the configuration");
  config
    .command("check")
    .description("validate the configuration file and environment; exit 1 with the key path on error")
    .action((_options, command: Command) => {
      const loaded = commandConfig(command);
      process.stdout.write(`ok: ${loaded.file ?? "no configuration file; the defaults apply"}\n`);
    });
  config
    .command("show")
    .description("print the effective configuration, secrets masked")
    .option("--json", "print JSON")
    .action((options: { json?: boolean }, command: Command) => {
      const shown = maskedConfig(commandConfig(command));
      if (options.json) printJson(shown);
      else process.stdout.write(stringify(shown));
    });
}
