// `cloudburst sim ...`: simulators of the outside world the product talks to. Each simulator registers
// one sub-command; add another by appending its register function to `simSubcommands`.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { FaultSpecError, parseFaultSpec, startCloudSigmaSimulator } from "../../sim/cloudsigma/index.ts";
import { stopSignals } from "../../system/processes.ts";
import { commandConfig } from "../context.ts";
import { UserError } from "../errors.ts";
import { printJson } from "../output.ts";
import { parsePort } from "./server.ts";
import { registerSimEcmwfCommand } from "./sim-ecmwf.ts";

export type SimSubcommand = (sim: Command) => void;

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number");
  return n;
}

function finiteNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError("expected a number");
  return n;
}

interface CloudSigmaOptions {
  host: string;
  port: number;
  timeScale: number;
  faults?: string;
  json?: boolean;
  username?: string;
  password?: string;
  token?: string;
  nodeCommand?: string;
  guests: boolean;
  balance: number;
  state?: string;
  persist: boolean;
  seed: boolean;
}

export function registerCloudSigmaSim(sim: Command): void {
  sim
    .command("cloudsigma")
    .description(
      "run a CloudSigma REST API 2.0 simulator (servers, drives, tags, VLANs, IPs, subscriptions, billing) " +
        "with the thesis's provisioning latency and injectable faults; started servers run real `cloudburst worker`s",
    )
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0 picks one)", parsePort, 0)
    .option(
      "--time-scale <x>",
      "real seconds per simulated second (0.01: a 20-s provision takes 0.2 s)",
      positiveNumber,
      1,
    )
    .option(
      "--faults <spec>",
      "faults: JSON, a JSON file, or e.g. '503=0.1x3,outage=60+600:refuse,clone-slow=5,clone-fail=0.2,vlan-leak,capacity=8,seed=1'",
    )
    .addOption(new Option("--username <user>", "HTTP Basic user").env("CLOUDSIGMA_USERNAME"))
    .addOption(
      new Option("--password <password>", "HTTP Basic password (default: random, printed)").env(
        "CLOUDSIGMA_PASSWORD",
      ),
    )
    .addOption(
      new Option("--token <token>", "bearer token accepted too (default: random, printed)").env(
        "CLOUDSIGMA_TOKEN",
      ),
    )
    .option(
      "--node-command <cmd>",
      "what a started server runs (sh -c), with its user data in CLOUDBURST_USER_DATA(_FILE); " +
        "default: the user data itself (script or #cloud-config runcmd), else `cloudburst worker`",
    )
    .option("--no-guests", "run no process for started servers (API only)")
    .option("--balance <amount>", "opening balance of a new account (EUR)", finiteNumber, 1000)
    .option(
      "--state <file>",
      "JSON file that keeps the account across restarts (default: DATADIR/sim/cloudsigma/state.json)",
    )
    .option("--no-persist", "keep the account in memory only")
    .option("--no-seed", "start a new account empty (default: a golden server with a disk, and one VLAN)")
    .option("--json", "print the URL, credentials and seeded resources as JSON")
    .action(async (options: CloudSigmaOptions, command: Command) => {
      let faults: ReturnType<typeof parseFaultSpec> | undefined;
      if (options.faults) {
        const text = existsSync(options.faults) ? readFileSync(options.faults, "utf8") : options.faults;
        try {
          faults = parseFaultSpec(text);
        } catch (error) {
          if (error instanceof FaultSpecError) throw new UserError(`--faults: ${error.message}`);
          throw error;
        }
      }
      const dataDir = commandConfig(command).dataDir;
      const simDir = join(dataDir, "sim", "cloudsigma");
      const sim = await startCloudSigmaSimulator({
        host: options.host,
        port: options.port,
        timeScale: options.timeScale,
        ...(faults ? { faults } : {}),
        username: options.username ?? null,
        password: options.password ?? null,
        token: options.token ?? null,
        nodeCommand: options.nodeCommand ?? null,
        launchGuests: options.guests,
        balance: options.balance,
        stateFile: options.persist ? (options.state ?? join(simDir, "state.json")) : null,
        guestDir: simDir,
        seed: options.seed,
        log: options.json ? undefined : (line) => process.stderr.write(`sim: ${line}\n`),
      });
      const info = {
        url: sim.url,
        control: sim.controlUrl,
        username: sim.credentials.username,
        password: sim.credentials.password,
        token: sim.credentials.token,
        timeScale: options.timeScale,
        seeded: sim.state.data.seeded,
        // The simulated VLAN (as root): fleet.vlan's subnet, and the data role's address on it.
        vlan: sim.vlan,
      };
      if (options.json) printJson(info);
      else {
        process.stdout.write(
          [
            `CloudSigma simulator: ${info.url}  (time scale ${info.timeScale})`,
            `  user:     ${info.username}`,
            `  password: ${info.password}`,
            `  token:    ${info.token}`,
            ...(info.seeded ? [`  golden server: ${info.seeded.server}  VLAN: ${info.seeded.vlan}`] : []),
            `  guests:   ${sim.guestNetwork}`,
            `  try:      curl -u '${info.username}:${info.password}' '${info.url}servers/detail/?limit=0'`,
            `  control:  ${info.control}state (faults, outage, 503, balance, billing)`,
            "  (Ctrl-C stops it and every guest process)",
            "",
          ].join("\n"),
        );
      }
      await new Promise<void>((resolve) => {
        const onSignal = () => {
          for (const signal of stopSignals) process.off(signal, onSignal);
          resolve();
        };
        for (const signal of stopSignals) process.on(signal, onSignal);
      });
      await sim.stop();
    });
}

/** Simulators, in the order `cloudburst sim --help` lists them. */
export const simSubcommands: SimSubcommand[] = [registerCloudSigmaSim, registerSimEcmwfCommand];

export function registerSimCommands(program: Command, subcommands: SimSubcommand[] = simSubcommands): void {
  const sim = program
    .command("sim")
    .description("simulators of the services cloudburst talks to, for tests and demos");
  for (const register of subcommands) register(sim);
}
