// Every sub-command module of `cloudburst`, in the order `--help` lists them.
import type { Command } from "commander";
import { registerCatalogueCommands } from "./catalogue.ts";
import { registerChildCommands } from "./child.ts";
import { registerConfigCommands } from "./config.ts";
import { registerCycleCommands } from "./cycle.ts";
import { registerDeliverCommand } from "./deliver.ts";
import { registerDemoCommand } from "./demo.ts";
import { registerFleetCommands } from "./fleet.ts";
import { registerGribCommands } from "./grib.ts";
import { registerIngestCommands } from "./ingest.ts";
import { registerProcessCommand } from "./process.ts";
import { registerServerCommand } from "./server.ts";
import { registerSimCommands } from "./sim.ts";
import { registerSuiteCommands } from "./suite.ts";
import { registerTokenCommands } from "./token.ts";
import { registerWorkerCommand } from "./worker.ts";

export type RegisterCommand = (program: Command) => void;

export const commandModules: RegisterCommand[] = [
  registerDemoCommand,
  registerServerCommand,
  registerConfigCommands,
  registerTokenCommands,
  registerGribCommands,
  registerFleetCommands,
  registerSuiteCommands,
  registerCycleCommands,
  registerWorkerCommand,
  registerChildCommands,
  registerDeliverCommand,
  registerSimCommands,
  registerProcessCommand,
  registerIngestCommands,
  registerCatalogueCommands,
];
