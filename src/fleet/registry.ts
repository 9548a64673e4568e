// Which provider a command or the controller talks to: from the configuration, or overridden on the
// command line (`--provider cloudsigma --api-url URL`); credentials only from the environment.
import { dirname, resolve } from "node:path";
import type { Credentials } from "./cloudsigma/client.ts";
import { CloudSigmaProvider } from "./cloudsigma/provider.ts";
import { type FleetConfig, fleetEnvironmentKeys } from "./config.ts";
import type { ProviderError } from "./errors.ts";
import { LocalProvider, localUserData } from "./local/provider.ts";
import type { Provider } from "./provider.ts";
import {
  cloudInitUserData,
  type WorkerAccess,
  type WorkerLaunch,
  workerArguments,
  workerEnvironment,
} from "./userdata.ts";
import { type VlanAddress, vlanAddressOf } from "./vlan.ts";

export interface ProviderOverrides {
  provider?: string;
  apiUrl?: string;
}

export class ProviderSetupError extends Error {
  override name = "ProviderSetupError";
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

/** What the fleet reads of a loaded configuration (the whole configuration has these keys). */
export interface FleetSettings {
  /** The configuration file, for local workers to read the same one. */
  file: string | null;
  dataDir: string;
  /** The environment credentials are read from. */
  env: Readonly<NodeJS.ProcessEnv>;
  fleet: FleetConfig;
}

/** The fleet section of a loaded configuration. */
export function fleetConfig(config: FleetSettings): FleetConfig {
  return config.fleet;
}

export function cloudSigmaCredentials(env: NodeJS.ProcessEnv): Credentials {
  const token = env[fleetEnvironmentKeys.token]?.trim();
  if (token) return { token };
  const username = env[fleetEnvironmentKeys.username]?.trim();
  const password = env[fleetEnvironmentKeys.passwordVariable];
  if (username && password) return { username, password };
  throw new ProviderSetupError(
    "no CloudSigma credentials",
    `set ${fleetEnvironmentKeys.username} and ${fleetEnvironmentKeys.passwordVariable}, or ${fleetEnvironmentKeys.token}, in the environment`,
  );
}

export function createProvider(
  config: FleetSettings,
  overrides: ProviderOverrides = {},
  options: {
    env?: NodeJS.ProcessEnv;
    onRetry?: (error: ProviderError, attempt: number, delayMs: number) => void;
    /** Told about each failed API request (the metrics' count of API errors). */
    onError?: (error: ProviderError) => void;
  } = {},
): Provider {
  const fleet = fleetConfig(config);
  const env = options.env ?? config.env;
  const name = overrides.provider ?? fleet.provider;
  if (name === "local") {
    // Workers run where this process runs, with the same configuration file: same database, same store.
    return new LocalProvider({
      config: fleet.local,
      stateDir: resolve(config.dataDir, fleet.local.stateDir),
      ...(config.file ? { cwd: dirname(config.file), env: { CLOUDBURST_CONFIG: config.file } } : {}),
    });
  }
  if (name === "cloudsigma") {
    const apiUrl = overrides.apiUrl ?? env[fleetEnvironmentKeys.apiUrl] ?? fleet.cloudsigma.apiUrl;
    if (!apiUrl) {
      throw new ProviderSetupError(
        "no CloudSigma API URL",
        "set fleet.cloudsigma.apiUrl in the configuration or pass --api-url https://zrh.cloudsigma.com/api/2.0/",
      );
    }
    try {
      new URL(apiUrl);
    } catch {
      throw new ProviderSetupError(
        `not a URL: ${apiUrl}`,
        "pass --api-url like https://zrh.cloudsigma.com/api/2.0/",
      );
    }
    return new CloudSigmaProvider({
      apiUrl,
      credentials: cloudSigmaCredentials(env),
      config: fleet.cloudsigma,
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }
  throw new ProviderSetupError(`unknown provider "${name}"`, "use --provider local or --provider cloudsigma");
}

/** The user data a new node of `provider` gets: cloud-init for VMs, worker arguments for processes. */
export function userDataFor(
  provider: Provider,
  launch: WorkerLaunch,
  fleet: Pick<FleetConfig, "workerArgs" | "sshAuthorizedKeys">,
): string {
  return provider.capabilities.boot === "worker-arguments"
    ? localUserData(workerArguments(launch, fleet.workerArgs), workerEnvironment(launch))
    : cloudInitUserData(launch, fleet.sshAuthorizedKeys, fleet.workerArgs);
}

/** What stands for a node's token wherever its user data is shown: the token is a credential. */
export const redactedToken = "<redacted: the node's own worker token>";

/**
 * The user data a node boots with, as an operator may see it (`cloudburst fleet user-data`, the UI's
 * fleet view): all of it but the token, which `token` stands in for. `node.vlanAddress` is the node's
 * address on the private network (its row's), or, for a node not made yet, the one it would get.
 */
export function userDataPreview(
  provider: Provider,
  access: WorkerAccess,
  fleet: FleetConfig,
  node: { nodeName: string; cycle: string; vlan: VlanAddress | string | null },
  token = redactedToken,
): { userData: string; environment: Record<string, string> } {
  const vlan =
    typeof node.vlan === "string" ? (fleet.vlan ? vlanAddressOf(fleet.vlan, node.vlan) : null) : node.vlan;
  const launch: WorkerLaunch = {
    ...access,
    token,
    nodeName: node.nodeName,
    environment: fleet.environment,
    cycle: node.cycle,
    vlan,
  };
  return { userData: userDataFor(provider, launch, fleet), environment: workerEnvironment(launch) };
}
