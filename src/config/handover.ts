// What the control role hands the data server at its boot (GET /api/data-role/settings, with the data
// server's token of its cycle): the configuration the control role reads, the secrets it names, where
// to listen and the certificate nodes pin. The data server's user data carries only the token, so that
// the provider's metadata holds nothing that outlives the cycle; the secrets cross once, over TLS with
// the control role's certificate pinned, and stay in the data role's memory.
import { join } from "node:path";
import { z } from "zod";
import { type Config, parseConfigText } from "./load.ts";

export const dataRoleSettings = z.strictObject({
  /** The control role's release: the data role runs the same (it installs it first when not). */
  version: z.string().min(1),
  /** The control role's configuration file (YAML) as it reads it; "" for the defaults. */
  configText: z.string(),
  /** The environment the configuration takes its secrets from: DATABASE_URL and the variables it names. */
  environment: z.record(z.string(), z.string()),
  /** Where the data role listens: the host and port of the URL nodes are given. */
  listen: z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }),
  /** The certificate nodes pin (PEM), null without TLS. */
  certificate: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).nullable(),
  /** The destination's catalogue that delivery replicates product rows to, when the control role has one. */
  destinationCatalogueUrl: z.string().min(1).nullable(),
});
export type DataRoleSettings = z.infer<typeof dataRoleSettings>;

/** The variable on the control host naming the PostgreSQL URL the data server connects to. */
export const dataDatabaseUrlVariable = "CLOUDBURST_DATA_DATABASE_URL";

/** Where a data server keeps its state (store, certificate) when it was given its settings. */
export const dataRoleHome = "/var/lib/cloudburst";

/** The variables a data role's configuration reads secrets from (FTP users, delivery). */
export function secretVariables(config: Config): string[] {
  const ftpUsers = config.ingest.ftp?.users ?? [];
  return [
    ...ftpUsers.flatMap((u) => (u.passwordEnv ? [u.passwordEnv] : [])),
    "DELIVERY_PASSWORD",
    "DELIVERY_TOKEN",
  ];
}

/** The environment handed over: the data server's database URL and the secrets the configuration names. */
export function handedEnvironment(config: Config, databaseUrl: string): Record<string, string> {
  const environment: Record<string, string> = { DATABASE_URL: databaseUrl };
  for (const name of secretVariables(config)) {
    const value = config.env[name];
    if (value !== undefined) environment[name] = value;
  }
  return environment;
}

/**
 * The data role's configuration from its settings: the control role's, its state kept under `home`
 * (never a path of the control host's), listening where nodes are told it is.
 */
export function configFromSettings(settings: DataRoleSettings, home = dataRoleHome): Config {
  const config = parseConfigText(join(home, "cloudburst.yaml"), settings.configText, {
    ...settings.environment,
  });
  config.dataDir = join(home, "data");
  config.server.host = settings.listen.host;
  config.server.port = settings.listen.port;
  config.server.tls.enabled = settings.certificate !== null;
  return config;
}
