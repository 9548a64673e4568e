// Which provider a command or the controller talks to: from the configuration, or overridden on the
// command line (`--provider cloudsigma --api-url URL`); credentials only from the environment.
import { dirname, resolve } from "node:path";
import type { Config } from "../config/load.ts";
import type { Credentials } from "./cloudsigma/client.ts";
import { CloudSigmaProvider } from "./cloudsigma/provider.ts";
import { type FleetConfig, fleetConfigSchema, fleetEnvironmentKeys } from "./config.ts";
import type { ProviderError } from "./errors.ts";
import { LocalProvider, localUserData } from "./local/provider.ts";
import type { Provider } from "./provider.ts";
import { cloudInitUserData, type WorkerLaunch, workerArguments } from "./userdata.ts";

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

/** The fleet section of a loaded configuration (defaults when the file has none). */
export function fleetConfig(config: Config): FleetConfig {
  return (config as Config & { fleet?: FleetConfig }).fleet ?? fleetConfigSchema.parse(undefined);
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
  config: Config,
  overrides: ProviderOverrides = {},
  options: {
    env?: NodeJS.ProcessEnv;
    onRetry?: (error: ProviderError, attempt: number, delayMs: number) => void;
  } = {},
): Provider {
  const fleet = fleetConfig(config);
  const env = options.env ?? process.env;
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
    ? localUserData(
        workerArguments(launch, fleet.workerArgs),
        launch.databaseUrl ? { DATABASE_URL: launch.databaseUrl } : {},
      )
    : cloudInitUserData(launch, fleet.sshAuthorizedKeys, fleet.workerArgs);
}
