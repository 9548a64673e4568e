// The data server's boot, both sides. The control role hands it its settings (config/handover.ts) when
// it asks with the token of its cycle from its user data; the data server, given only the control
// role's URL, the fingerprint it pins and that token, takes them and runs the data role with them.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fetch } from "undici";
import {
  configFromSettings,
  type DataRoleSettings,
  dataDatabaseUrlVariable,
  dataRoleSettings,
  handedEnvironment,
} from "../config/handover.ts";
import type { Config } from "../config/load.ts";
import type { WorkerAccess } from "../fleet/userdata.ts";
import { pinnedDispatcher, type ServerCertificate } from "../system/tls.ts";
import { releaseVersion } from "../system/version.ts";

/**
 * The databases as the data server reaches them: the control host's environment's, else these (the
 * demo's, relayed onto the simulated VLAN), else the control role's own.
 */
export interface DataServerReach {
  databaseUrl?: string | undefined;
  destinationCatalogueUrl?: string | null | undefined;
}

/** What the control role hands the data server: built on each demand, from its own configuration. */
export function dataRoleSettingsOf(
  config: Config,
  parts: {
    databaseUrl: string;
    destinationCatalogueUrl: string | null;
    reach: DataServerReach;
    tls: ServerCertificate | null;
    access: () => WorkerAccess | null;
  },
): () => DataRoleSettings {
  // Read at start like the configuration itself: what the control role runs with, not a later edit.
  const configText = config.file ? readFileSync(config.file, "utf8") : "";
  return () => {
    const access = parts.access();
    if (!access)
      throw new Error(
        "the data role's address is not configured (fleet.workerServerUrl): the data server would not know where to listen",
      );
    const url = new URL(access.serverUrl);
    const databaseUrl =
      config.env[dataDatabaseUrlVariable]?.trim() ||
      parts.reach.databaseUrl ||
      config.databaseUrl ||
      parts.databaseUrl;
    return {
      version: releaseVersion(),
      configText,
      environment: handedEnvironment(config, databaseUrl),
      listen: {
        host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: Number(url.port) || (url.protocol === "https:" ? 443 : 80),
      },
      certificate: parts.tls ? { cert: parts.tls.cert, key: parts.tls.key } : null,
      destinationCatalogueUrl: parts.reach.destinationCatalogueUrl ?? parts.destinationCatalogueUrl,
    };
  };
}

/** Where the data server's user data says the control role is, and its token (data.env). */
export interface ControlAccess {
  controlUrl: string;
  fingerprint: string | null;
  token: string;
}

/** The variables of the data server's /etc/cloudburst/data.env. */
export const controlAccessKeys = {
  controlUrl: "CLOUDBURST_CONTROL_URL",
  fingerprint: "CLOUDBURST_CONTROL_FINGERPRINT",
  token: "CLOUDBURST_DATA_TOKEN",
} as const;

/** The control role's address from the environment; null when it names none (a plain data role). */
export function controlAccessFromEnv(env: NodeJS.ProcessEnv): ControlAccess | null {
  const controlUrl = env[controlAccessKeys.controlUrl];
  if (!controlUrl) return null;
  const token = env[controlAccessKeys.token];
  if (!token)
    throw new Error(
      `${controlAccessKeys.controlUrl} is set but ${controlAccessKeys.token} is not: the data server's token comes in its user data (/etc/cloudburst/data.env)`,
    );
  return { controlUrl, fingerprint: env[controlAccessKeys.fingerprint] || null, token };
}

/** Takes the data role's settings from the control role (its certificate pinned). */
export async function takeSettings(access: ControlAccess, signal?: AbortSignal): Promise<DataRoleSettings> {
  const url = `${access.controlUrl.replace(/\/+$/, "")}/api/data-role/settings`;
  const dispatcher = access.fingerprint ? pinnedDispatcher(access.fingerprint) : undefined;
  try {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${access.token}` },
      signal: AbortSignal.any([AbortSignal.timeout(30_000), ...(signal ? [signal] : [])]),
      ...(dispatcher ? { dispatcher } : {}),
    });
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const message = (body as { message?: string } | null)?.message ?? response.statusText;
      throw new Error(
        `the control role at ${access.controlUrl} refused the data server's settings (${response.status}): ${message}`,
      );
    }
    const parsed = dataRoleSettings.safeParse(body);
    if (!parsed.success)
      throw new Error(
        `the control role at ${access.controlUrl} answered settings this release cannot read: ${parsed.error.message}`,
      );
    return parsed.data;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause)
      throw new Error(
        `the control role at ${access.controlUrl} cannot be reached: ${cause.code ?? cause.message}`,
      );
    throw error;
  } finally {
    await dispatcher?.close();
  }
}

/** The data role's configuration from its settings, its certificate written where the server reads it. */
export function dataRoleConfig(settings: DataRoleSettings, home?: string): Config {
  const config = configFromSettings(settings, home);
  if (settings.certificate) {
    // The generated certificate's place: the server loads it from there instead of making one.
    const dir = join(config.dataDir, "tls");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, "server.key"), settings.certificate.key, { mode: 0o600 });
    writeFileSync(join(dir, "server.crt"), settings.certificate.cert);
    config.server.tls.certFile = join(dir, "server.crt");
    config.server.tls.keyFile = join(dir, "server.key");
  }
  return config;
}
