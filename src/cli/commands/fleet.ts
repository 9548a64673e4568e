// `cloudburst fleet ls|up|down|reconcile|costs|inventory|golden`: the compute nodes on the configured provider.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { runbookFor } from "../../alerts/codes.ts";
import { serverCertificate } from "../../app/certificate.ts";
import type { Config } from "../../config/load.ts";
import type { Database } from "../../db/database.ts";
import { goldenImages, rollbackGolden, rotateGolden } from "../../fleet/cloudsigma/golden.ts";
import { CloudSigmaProvider } from "../../fleet/cloudsigma/provider.ts";
import type { FleetLogger, ReconcileReport } from "../../fleet/controller.ts";
import { ProviderError } from "../../fleet/errors.ts";
import { buildInventory, hostInventory } from "../../fleet/inventory.ts";
import { collectOrphans, leakCheck } from "../../fleet/leaks.ts";
import { cycleCosts } from "../../fleet/money.ts";
import type { FleetNode, Provider } from "../../fleet/provider.ts";
import { tagKeys } from "../../fleet/provider.ts";
import { createProvider, fleetConfig, ProviderSetupError } from "../../fleet/registry.ts";
import { alertsConfig, configuredWorkerAccess, createController } from "../../fleet/service.ts";
import { FleetStore } from "../../fleet/store.ts";
import type { WorkerAccess } from "../../fleet/userdata.ts";
import { stopSignals } from "../../system/processes.ts";
import { maskUrlsIn } from "../../system/secrets.ts";
import { parseTime } from "../arguments.ts";
import { commandConfig, requireInstallation, withDatabase } from "../context.ts";
import { UsageError, UserError } from "../errors.ts";
import { printJson, printTable } from "../output.ts";
import { registerUserData } from "./fleet-user-data.ts";
import { registerGoldenBuild } from "./golden-build.ts";

export interface ProviderOptions {
  provider?: string;
  apiUrl?: string;
}

export function withProviderOptions(command: Command): Command {
  return command
    .option("--provider <name>", "local or cloudsigma (default: fleet.provider)")
    .option(
      "--api-url <url>",
      "CloudSigma API base URL, e.g. https://zrh.cloudsigma.com/api/2.0/ (credentials: CLOUDSIGMA_USERNAME and CLOUDSIGMA_PASSWORD, or CLOUDSIGMA_TOKEN)",
    );
}

export function openProvider(config: Config, options: ProviderOptions): Provider {
  // Local nodes keep their state in the data directory: none is made in a directory that has none.
  if ((options.provider ?? fleetConfig(config).provider) === "local") requireInstallation(config);
  try {
    return createProvider(config, {
      ...(options.provider ? { provider: options.provider } : {}),
      ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
    });
  } catch (error) {
    if (error instanceof ProviderSetupError) throw new UserError(error.message, error.hint);
    throw error;
  }
}

/** A provider failure as the operator sees it: code, meaning, the provider's words, the runbook. */
export function providerFailure(error: unknown, config?: Config): never {
  if (error instanceof ProviderError) {
    const hint =
      error.status === 401
        ? "check CLOUDSIGMA_USERNAME/CLOUDSIGMA_PASSWORD or CLOUDSIGMA_TOKEN"
        : error.status === 402
          ? "top up the account: a start needs funds for 5 days of burst usage"
          : error.retryable
            ? "the provider is failing or unreachable; it was retried with backoff — try again later"
            : undefined;
    const alerts = config ? alertsConfig(config) : null;
    const runbook = alerts ? runbookFor(error.status, alerts.runbooks, alerts.defaultRunbook) : undefined;
    throw new UserError(
      `${error.message}\n  HTTP ${error.status || "-"}: ${error.meaning}${runbook ? `\n  runbook: ${runbook}` : ""}`,
      hint,
    );
  }
  throw error;
}

export function nodeRow(node: FleetNode): Array<string> {
  return [
    node.id,
    node.name,
    node.state,
    Object.entries(node.tags)
      .map(([k, v]) => (v ? `${k}=${v}` : k))
      .join(","),
    node.provider,
  ];
}

export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 256)
    throw new InvalidArgumentError("expected a whole number 0-256");
  return n;
}

export function registerFleetCommands(program: Command): void {
  const fleet = program.command("fleet").description("provision, watch, cost and destroy compute nodes");

  withProviderOptions(
    fleet
      .command("ls")
      .description("list this environment's nodes (id, name, state, tags, provider); --all lists every node")
      .option("--all", "every node the provider has, not only this environment's")
      .option("--json", "print JSON"),
  ).action(async (options: ProviderOptions & { all?: boolean; json?: boolean }, command: Command) => {
    const config = commandConfig(command);
    const provider = openProvider(config, options);
    const environment = fleetConfig(config).environment;
    const nodes = await provider
      .listNodes(options.all ? undefined : { [tagKeys.environment]: environment })
      .catch((error: unknown) => providerFailure(error, config));
    if (options.json) printJson(nodes);
    else printTable(["ID", "NAME", "STATE", "TAGS", "PROVIDER"], nodes.map(nodeRow));
  });
  registerFleetOperations(fleet);
  registerGoldenCommands(fleet);
  registerUserData(fleet);
}

/** The default cycle of `fleet up` without --cycle: an ad-hoc burst. */
const manualCycle = "manual";

/** True when this process started the embedded PostgreSQL (it stops with us, under any workers). */
function ownsEmbeddedCluster(dataDir: string): boolean {
  try {
    const postmaster = Number(
      readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0],
    );
    const stat = readFileSync(`/proc/${postmaster}/stat`, "utf8");
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return parent === process.pid;
  } catch {
    return false;
  }
}

/**
 * What one pass did, and what went wrong: each failed create with its node and reason, each error. Any
 * failure, refusal or error makes the command exit 1.
 */
function printReport(report: ReconcileReport, json: boolean | undefined): void {
  if (report.failed.length || report.errors.length || report.refused.length) process.exitCode = 1;
  if (json) {
    printJson(report);
    return;
  }
  if (report.skipped) {
    process.stdout.write(
      "another process (the control server?) is reconciling this environment; it does the work\n",
    );
    return;
  }
  for (const want of report.wants) {
    process.stdout.write(
      `cycle ${want.cycle}: ${want.compute} compute node(s) wanted${want.dataServer ? ", data server up" : ""}\n`,
    );
  }
  const resolved = [
    report.adopted.length ? `adopted ${report.adopted.length}` : "",
    report.gaveUp.length ? `gave up ${report.gaveUp.length} lost request(s)` : "",
    report.found.length ? `found ${report.found.length} unrecorded` : "",
  ].filter(Boolean);
  process.stdout.write(
    `created ${report.created.length}, destroyed ${report.destroyed.length}, failed ${report.failed.length}` +
      `${report.refused.length ? `, refused ${report.refused.join(" ")}` : ""}` +
      `${resolved.length ? `; ${resolved.join(", ")}` : ""}\n`,
  );
  for (const failure of report.failed) process.stderr.write(`failed: ${failure}\n`);
  for (const error of report.errors) process.stderr.write(`error: ${error}\n`);
}

/** Log lines of `fleet reconcile --watch` on stderr: level, message, fields (a provider's URL masked). */
function logLine(prefix: string): FleetLogger["info"] {
  return (fields, message) =>
    process.stderr.write(`${prefix}${maskUrlsIn(`${message} ${JSON.stringify(fields)}`)}\n`);
}
const stderrLogger: FleetLogger = {
  info: logLine(""),
  warn: logLine("warning: "),
  error: logLine("error: "),
};

export function registerFleetOperations(fleet: Command): void {
  registerUp(fleet);
  registerDown(fleet);
  registerReconcile(fleet);
  registerCosts(fleet);
  registerLeaks(fleet);
  registerInventory(fleet);
}

function registerUp(fleet: Command): void {
  withProviderOptions(
    fleet
      .command("up <n>")
      .description(
        "want N compute nodes for a cycle (default: an ad-hoc cycle starting now) and reconcile once",
      )
      .option("--cycle <name>", "the cycle (default: manual)")
      .option("--data-at <time>", "when the cycle's data is due (ISO 8601; default: now)", parseTime)
      .option("--json", "print JSON"),
  ).action(
    async (
      n: string,
      options: ProviderOptions & { cycle?: string; dataAt?: Date; json?: boolean },
      command: Command,
    ) => {
      const count = parseCount(n);
      const config = commandConfig(command);
      const provider = openProvider(config, options);
      const environment = fleetConfig(config).environment;
      const report = await withDatabase(config, async (db) => {
        if (provider.capabilities.sameMachine && db.embedded && ownsEmbeddedCluster(config.dataDir)) {
          throw new UserError(
            "workers on this machine need a database that outlives this command, and none is running",
            "start `cloudburst server` first (it keeps the database and runs the fleet loop), or set DATABASE_URL",
          );
        }
        const store = new FleetStore(db.pool);
        const cycle = options.cycle ?? manualCycle;
        const existing = await store.cycle(environment, cycle);
        await store.planCycle(environment, cycle, options.dataAt ?? existing?.dataAt ?? new Date(), count);
        if (existing && existing.state !== "planned" && existing.state !== "processing") {
          await store.setCycleState(environment, cycle, "planned");
        }
        return reconcileOnce(config, provider, db);
      });
      printReport(report, options.json);
    },
  );
}

function registerDown(fleet: Command): void {
  withProviderOptions(
    fleet
      .command("down")
      .description("end a cycle (default: every open cycle) and destroy its compute nodes")
      .option("--cycle <name>", "only this cycle")
      .option("--json", "print JSON"),
  ).action(async (options: ProviderOptions & { cycle?: string; json?: boolean }, command: Command) => {
    const config = commandConfig(command);
    const provider = openProvider(config, options);
    const environment = fleetConfig(config).environment;
    const report = await withDatabase(config, async (db) => {
      const store = new FleetStore(db.pool);
      const cycles = options.cycle ? [options.cycle] : (await store.cycles(environment)).map((c) => c.cycle);
      for (const cycle of cycles) await store.setCycleState(environment, cycle, "cancelled");
      return reconcileOnce(config, provider, db);
    });
    printReport(report, options.json);
  });
}

/** Where nodes this command starts find work: the configuration's data role, with its certificate's fingerprint. */
export function workerAccessOf(config: Config): WorkerAccess | null {
  return configuredWorkerAccess(config, serverCertificate(config)?.fingerprint ?? null);
}

/** One pass of a controller made for this command. */
async function reconcileOnce(config: Config, provider: Provider, db: Database): Promise<ReconcileReport> {
  const controller = createController(config, provider, db, { workerAccess: () => workerAccessOf(config) });
  try {
    return await controller.reconcile();
  } finally {
    controller.close();
  }
}

function registerReconcile(fleet: Command): void {
  withProviderOptions(
    fleet
      .command("reconcile")
      .description("bring the provider in line with what the cycles want (once, or --watch until SIGINT)")
      .option("--watch", "keep reconciling every fleet.reconcileIntervalSeconds")
      .option("--json", "print JSON"),
  ).action(async (options: ProviderOptions & { watch?: boolean; json?: boolean }, command: Command) => {
    const config = commandConfig(command);
    const provider = openProvider(config, options);
    await withDatabase(config, async (db) => {
      if (!options.watch) {
        printReport(await reconcileOnce(config, provider, db), options.json);
        return;
      }
      const controller = createController(config, provider, db, {
        log: stderrLogger,
        workerAccess: () => workerAccessOf(config),
      });
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      for (const signal of stopSignals) process.once(signal, onSignal);
      try {
        await controller.run(stop.signal);
      } finally {
        for (const signal of stopSignals) process.off(signal, onSignal);
        controller.close();
      }
    });
  });
}

function registerCosts(fleet: Command): void {
  withProviderOptions(
    fleet
      .command("costs")
      .description("node-seconds and cost per cycle, and the account balance")
      .option("--json", "print JSON"),
  ).action(async (options: ProviderOptions & { json?: boolean }, command: Command) => {
    const config = commandConfig(command);
    const provider = openProvider(config, options);
    const fleetSection = fleetConfig(config);
    const costs = await withDatabase(config, (db) =>
      cycleCosts(new FleetStore(db.pool), fleetSection.environment, fleetSection),
    );
    const balance = provider.capabilities.balance
      ? await provider.balance().catch((error: unknown) => providerFailure(error, config))
      : null;
    if (options.json) {
      printJson({ environment: fleetSection.environment, cycles: costs, balance });
      return;
    }
    printTable(
      ["CYCLE", "NODES", "LIVE", "PENDING", "NODE-HOURS", "COST"],
      costs.map((c) => [
        c.cycle,
        c.nodes,
        c.live,
        c.pending,
        (c.nodeSeconds / 3600).toFixed(3),
        `${c.cost.toFixed(4)} ${c.currency}`,
      ]),
    );
    const pending = costs.reduce((n, c) => n + c.pending, 0);
    if (pending)
      process.stdout.write(
        `${pending} node request(s) have no provider id yet and count as nothing: the next reconcile adopts the node made for each, or gives it up\n`,
      );
    if (balance) process.stdout.write(`balance: ${balance.amount.toFixed(2)} ${balance.currency}\n`);
  });
}

function registerLeaks(fleet: Command): void {
  withProviderOptions(
    fleet
      .command("leaks")
      .description("compare what we own with what the provider bills; --collect destroys the orphans")
      .option("--collect", "destroy orphaned servers and drives")
      .option("--json", "print JSON"),
  ).action(async (options: ProviderOptions & { collect?: boolean; json?: boolean }, command: Command) => {
    const config = commandConfig(command);
    const provider = openProvider(config, options);
    const fleetSection = fleetConfig(config);
    await withDatabase(config, async (db) => {
      const store = new FleetStore(db.pool);
      const report = await leakCheck(provider, store, fleetSection).catch((error: unknown) =>
        providerFailure(error, config),
      );
      const collected = options.collect ? await collectOrphans(provider, store, report) : null;
      if (report.leaks > 0 || (collected?.errors.length ?? 0) > 0) process.exitCode = 1;
      if (options.json) {
        printJson({ ...report, collected });
        return;
      }
      printTable(
        ["KIND", "ID", "NAME", "VERDICT", "WHY"],
        [
          ...report.items
            .filter((i) => i.verdict !== "foreign")
            .map((i) => [i.resource.kind, i.resource.id, i.resource.name, i.verdict, i.why]),
          ...report.unresolved.map((r) => [
            "request",
            "",
            r.name,
            "unresolved",
            `cycle ${r.cycle}: no server answers it; nothing bills (the next reconcile gives it up)`,
          ]),
        ],
      );
      process.stdout.write(
        `${report.orphans} orphan(s), ${report.leaks} leak(s), ${report.unresolved.length} unresolved request(s)\n`,
      );
      if (collected) {
        process.stdout.write(
          `destroyed ${collected.destroyed.length}; ${collected.errors.length} error(s)\n`,
        );
        for (const error of collected.errors) process.stderr.write(`error: ${error}\n`);
      }
    });
  });
}

function registerInventory(fleet: Command): void {
  withProviderOptions(
    fleet
      .command("inventory")
      .description("Ansible dynamic inventory: --list, or --host NAME")
      .option("--list", "every group and host")
      .option("--host <name>", "one host's variables"),
  ).action(async (options: ProviderOptions & { list?: boolean; host?: string }, command: Command) => {
    if (!options.list && options.host === undefined) throw new UsageError("give --list or --host NAME");
    const config = commandConfig(command);
    const provider = openProvider(config, options);
    const fleetSection = fleetConfig(config);
    const all = await provider.listNodes().catch((error: unknown) => providerFailure(error, config));
    const dataName = provider.dataServer;
    const dataServer = dataName ? (all.find((n) => n.id === dataName || n.name === dataName) ?? null) : null;
    const ours = all.filter((n) => n.tags[tagKeys.environment] === fleetSection.environment);
    // The nodes' VLAN addresses are the fleet's rows' (the provider knows nothing of them).
    const vlanAddresses = fleetSection.vlan
      ? await withDatabase(config, async (db) => {
          const rows = await new FleetStore(db.pool).liveNodes(fleetSection.environment);
          return new Map(
            rows.flatMap((row) => (row.vlanAddress ? [[row.name, row.vlanAddress] as const] : [])),
          );
        })
      : new Map<string, string>();
    const inventory = buildInventory(ours, fleetSection, dataServer, vlanAddresses);
    printJson(options.list ? inventory : hostInventory(inventory, options.host!));
  });
}

function goldenProvider(
  config: Config,
  options: ProviderOptions,
): { provider: CloudSigmaProvider; base: string } {
  const provider = openProvider(config, options);
  if (!(provider instanceof CloudSigmaProvider)) {
    throw new UserError(
      "golden images are managed on CloudSigma only",
      "pass --provider cloudsigma or set fleet.provider",
    );
  }
  const base = fleetConfig(config).cloudsigma.goldenServer;
  if (!base) throw new UserError("no golden image name", "set fleet.cloudsigma.goldenServer (a server name)");
  return { provider, base };
}

export function registerGoldenCommands(fleet: Command): void {
  const golden = fleet
    .command("golden")
    .description("golden images by name: list, update (keeping K backups), roll back");
  withProviderOptions(
    golden.command("ls").description("the golden image and its backups").option("--json", "print JSON"),
  ).action(async (options: ProviderOptions & { json?: boolean }, command: Command) => {
    const config = commandConfig(command);
    const { provider, base } = goldenProvider(config, options);
    const images = await goldenImages(provider, base).catch((error: unknown) =>
      providerFailure(error, config),
    );
    if (options.json) printJson(images);
    else
      printTable(
        ["ROLE", "ID", "NAME", "STATE"],
        [
          ...(images.current
            ? [["golden", images.current.id, images.current.name, images.current.state]]
            : []),
          ...images.backups.map((b) => ["backup", b.id, b.name, b.state]),
        ],
      );
  });
  withProviderOptions(
    golden
      .command("update <server>")
      .description("make SERVER (uuid or name, stopped) the golden image; the previous one becomes a backup")
      .option("--keep <k>", "backups to keep (default: fleet.cloudsigma.goldenKeep)", parseCount),
  ).action(async (server: string, options: ProviderOptions & { keep?: number }, command: Command) => {
    const config = commandConfig(command);
    const { provider, base } = goldenProvider(config, options);
    const keep = options.keep ?? fleetConfig(config).cloudsigma.goldenKeep;
    const result = await rotateGolden(provider, base, server, keep).catch((error: unknown) => {
      if (error instanceof ProviderError) providerFailure(error, config);
      throw new UserError((error as Error).message);
    });
    process.stdout.write(
      `golden: ${result.golden.id}${result.backup ? `; previous kept as ${result.backup.name}` : ""}` +
        `${result.destroyed.length ? `; destroyed ${result.destroyed.join(", ")}` : ""}\n`,
    );
  });
  registerGoldenBuild(golden);
  withProviderOptions(
    golden.command("rollback <backup>").description("put a backup (name or uuid) back as the golden image"),
  ).action(async (backup: string, options: ProviderOptions, command: Command) => {
    const config = commandConfig(command);
    const { provider, base } = goldenProvider(config, options);
    const result = await rollbackGolden(provider, base, backup).catch((error: unknown) => {
      if (error instanceof ProviderError) providerFailure(error, config);
      throw new UserError((error as Error).message);
    });
    process.stdout.write(
      `golden: ${result.golden.id}${result.backup ? `; replaced one kept as ${result.backup.name}` : ""}\n`,
    );
  });
}
