// Every sub-command module of `cloudburst`, in the order `--help` lists them.
import type { Command } from "commander";
import { registerConfigCommands } from "./config.ts";
import { registerDemoCommand } from "./demo.ts";
import { registerServerCommand } from "./server.ts";
import { registerTokenCommands } from "./token.ts";

export type RegisterCommand = (program: Command) => void;

export const commandModules: RegisterCommand[] = [
  registerDemoCommand,
  registerServerCommand,
  registerConfigCommands,
  registerTokenCommands,
];
