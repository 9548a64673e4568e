// `cloudburst fleet ls|up|down|reconcile|costs|inventory`: the compute nodes on the configured provider.
import { type Command, InvalidArgumentError } from "commander";
import type { Config } from "../../config/load.ts";
import { ProviderError } from "../../fleet/errors.ts";
import type { FleetNode, Provider } from "../../fleet/provider.ts";
import { tagKeys } from "../../fleet/provider.ts";
import { createProvider, fleetConfig, ProviderSetupError } from "../../fleet/registry.ts";
import { commandConfig } from "../context.ts";
import { UserError } from "../errors.ts";
import { printJson, printTable } from "../output.ts";

interface ProviderOptions {
  provider?: string;
  apiUrl?: string;
}

function withProviderOptions(command: Command): Command {
  return command
    .option("--provider <name>", "local or cloudsigma (default: fleet.provider)")
    .option(
      "--api-url <url>",
      "CloudSigma API base URL, e.g. https://zrh.cloudsigma.com/api/2.0/ (credentials: CLOUDSIGMA_USERNAME and CLOUDSIGMA_PASSWORD, or CLOUDSIGMA_TOKEN)",
    );
}

export function openProvider(config: Config, options: ProviderOptions): Provider {
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

/** A provider failure as the operator sees it: code, meaning, the provider's words. */
export function providerFailure(error: unknown): never {
  if (error instanceof ProviderError) {
    const hint =
      error.status === 401
        ? "check CLOUDSIGMA_USERNAME/CLOUDSIGMA_PASSWORD or CLOUDSIGMA_TOKEN"
        : error.status === 402
          ? "top up the account: a start needs funds for 5 days of burst usage"
          : error.retryable
            ? "the provider is failing or unreachable; it was retried with backoff — try again later"
            : undefined;
    throw new UserError(`${error.message}\n  HTTP ${error.status || "-"}: ${error.meaning}`, hint);
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
      .catch(providerFailure);
    if (options.json) printJson(nodes);
    else printTable(["ID", "NAME", "STATE", "TAGS", "PROVIDER"], nodes.map(nodeRow));
  });
}
