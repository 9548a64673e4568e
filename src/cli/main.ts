// The `cloudburst` command: one sub-command module per subsystem, registered in commands/index.ts.
import { Command, CommanderError, Option } from "commander";
import { releaseVersion } from "../system/version.ts";
import { modulesFor } from "./commands/index.ts";
import { UsageError, UserError } from "./errors.ts";

/** The program with the commands `argv` needs (all of them when it names none). */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command("cloudburst")
    .description("On-demand, cloud-portable post-processing for numerical weather prediction")
    .version(releaseVersion(), "-V, --version", "the installed release")
    .option("-c, --config <file>", "configuration file (default: $CLOUDBURST_CONFIG or ./cloudburst.yaml)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  for (const register of await Promise.all(modulesFor(argv).map((m) => m.load()))) register(program);
  // Sub-commands inherit the override so that their usage errors are caught here too.
  for (const command of allCommands(program)) command.exitOverride();
  // ecCodes' tools have a -c of their own (grib compare -c keys): the program's options are read only
  // before the command, and every other command takes --config where it is given too.
  program.enablePositionalOptions();
  for (const command of allCommands(program))
    if (!command.commands.length && !command.options.some((o) => o.short === "-c" || o.long === "--config"))
      command.addOption(new Option("-c, --config <file>", "configuration file").hideHelp());
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((child) => [child, ...allCommands(child)]);
}

/** Runs the CLI and returns its exit code: 0 success, 1 failure, 2 usage error. */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
    if (error.code === "commander.help") return 0;
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`cloudburst: ${error.message}\n(run with --help for usage)\n`);
    return 2;
  }
  // by name: importing ConfigError would load the configuration's schema (zod, yaml) for every command
  if ((error instanceof Error && error.name === "ConfigError") || error instanceof UserError) {
    process.stderr.write(`cloudburst: ${error.message}\n`);
    if (error instanceof UserError && error.hint) process.stderr.write(`  what to do: ${error.hint}\n`);
    return 1;
  }
  process.stderr.write(
    `cloudburst: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 1;
}
