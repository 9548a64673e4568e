// The `cloudburst` command: one sub-command module per subsystem, registered in commands/index.ts.
import { Command, CommanderError, Option } from "commander";
import { maskUrlsIn } from "../system/secrets.ts";
import { releaseVersion } from "../system/version.ts";
import { modulesFor } from "./commands/index.ts";
import { UsageError, UserError } from "./errors.ts";
import { endQuietlyOnBrokenPipe } from "./output.ts";

/** The program with the commands `argv` needs (all of them when it names none). */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command("cloudburst")
    .description("On-demand, cloud-portable post-processing for numerical weather prediction")
    .version(releaseVersion(), "-V, --version", "the installed release")
    .option(
      "-c, --config <file>",
      "configuration file (default: $CLOUDBURST_CONFIG, else the nearest cloudburst.yaml or .cloudburst/ up from here)",
    )
    .option("--debug", "print the stack trace of a failure")
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
  endQuietlyOnBrokenPipe();
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    return reportError(error, argv.includes("--debug") || Boolean(process.env["CLOUDBURST_DEBUG"]));
  }
}

function reportError(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
    if (error.code === "commander.help") return 0;
    return error.exitCode === 0 ? 0 : 2;
  }
  // Messages come from other systems too (a driver, a server's reply) and may quote a URL with a secret.
  const stack = debug && error instanceof Error && error.stack ? `${maskUrlsIn(error.stack)}\n` : "";
  if (error instanceof UsageError) {
    process.stderr.write(`cloudburst: ${maskUrlsIn(error.message)}\n(run with --help for usage)\n${stack}`);
    return 2;
  }
  // by name: importing ConfigError would load the configuration's schema (zod, yaml) for every command
  if ((error instanceof Error && error.name === "ConfigError") || error instanceof UserError) {
    process.stderr.write(`cloudburst: ${maskUrlsIn(error.message)}
`);
    if (error instanceof UserError && error.hint) process.stderr.write(`  what to do: ${error.hint}\n`);
    process.stderr.write(stack);
    return 1;
  }
  // A failure no command foresaw: still one line, with the stack for a bug report on request.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `cloudburst: ${maskUrlsIn(message)}\n${stack || "  (run again with --debug for the stack trace)\n"}`,
  );
  return 1;
}
