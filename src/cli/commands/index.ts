// Every sub-command module of `cloudburst`, in the order `--help` lists them. A module is imported
// only when its command runs (or for the full help): a compute node's `worker` starts without loading
// the FTP server, the web server or the cloud simulators, and its boot is billed.
import type { Command } from "commander";

export type RegisterCommand = (program: Command) => void;

export interface CommandModule {
  /** The top-level commands the module registers. */
  commands: readonly string[];
  load(): Promise<RegisterCommand>;
}

export const commandModules: readonly CommandModule[] = [
  { commands: ["init"], load: async () => (await import("./init.ts")).registerInitCommand },
  { commands: ["demo"], load: async () => (await import("./demo.ts")).registerDemoCommand },
  { commands: ["plan"], load: async () => (await import("./plan.ts")).registerPlanCommand },
  { commands: ["server"], load: async () => (await import("./server.ts")).registerServerCommand },
  { commands: ["config"], load: async () => (await import("./config.ts")).registerConfigCommands },
  { commands: ["token"], load: async () => (await import("./token.ts")).registerTokenCommands },
  { commands: ["grib"], load: async () => (await import("./grib.ts")).registerGribCommands },
  { commands: ["fleet"], load: async () => (await import("./fleet.ts")).registerFleetCommands },
  { commands: ["suite"], load: async () => (await import("./suite.ts")).registerSuiteCommands },
  { commands: ["cycle"], load: async () => (await import("./cycle.ts")).registerCycleCommands },
  { commands: ["worker"], load: async () => (await import("./worker.ts")).registerWorkerCommand },
  { commands: ["upgrade"], load: async () => (await import("./upgrade.ts")).registerUpgradeCommand },
  { commands: ["child"], load: async () => (await import("./child.ts")).registerChildCommands },
  { commands: ["deliver"], load: async () => (await import("./deliver.ts")).registerDeliverCommand },
  { commands: ["sim"], load: async () => (await import("./sim.ts")).registerSimCommands },
  { commands: ["process"], load: async () => (await import("./process.ts")).registerProcessCommand },
  { commands: ["shims"], load: async () => (await import("./shims.ts")).registerShimsCommand },
  { commands: ["ingest", "ftp"], load: async () => (await import("./ingest.ts")).registerIngestCommands },
  {
    commands: ["fields", "cycles", "quarantine", "files", "catalogue"],
    load: async () => (await import("./catalogue.ts")).registerCatalogueCommands,
  },
];

/** The command a command line names (its first word that is not a global option), if any. */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "-c" || word === "--config") i++;
    else if (!word.startsWith("-")) return word;
  }
  return undefined;
}

/** The modules a command line needs: the one that owns its command, none for --version, or all (help, a mistyped command). */
export function modulesFor(argv: readonly string[]): readonly CommandModule[] {
  const word = commandWord(argv);
  if (word === undefined && (argv.includes("-V") || argv.includes("--version"))) return [];
  const owner = commandModules.find((m) => word !== undefined && m.commands.includes(word));
  return owner ? [owner] : commandModules;
}
