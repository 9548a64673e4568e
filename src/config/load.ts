// Loads and validates the configuration once, at start: the file (YAML), then the environment.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isMap, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { hasUrlPassword, maskUrl, maskUrlsIn } from "../system/secrets.ts";
import { findInstallation } from "./installation.ts";
import { type ConfigFile, configSchema, environmentKeys } from "./schema.ts";

/** A configuration that cannot be used; the message names the file, the key path and what was expected. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`invalid configuration in ${file}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

export interface Config extends ConfigFile {
  /** The file it came from, or null when no file exists and the defaults apply. */
  file: string | null;
  /**
   * The directory of the installation: the file's, or the one holding the `.cloudburst/` found up the
   * tree; null when none was found (then dataDir is where `cloudburst init` would make one).
   */
  installation: string | null;
  /** dataDir resolved to an absolute path. */
  dataDir: string;
  /** From DATABASE_URL; when unset, an embedded PostgreSQL runs in dataDir. */
  databaseUrl: string | null;
  /** The environment the configuration was loaded with: secrets named by `...Env` keys are read here. */
  env: Readonly<NodeJS.ProcessEnv>;
}

export interface LoadOptions {
  /** The --config option. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * The configuration named by --config or CLOUDBURST_CONFIG, else that of the nearest installation up
 * from the working directory, else the defaults rooted in the working directory.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  // An empty CLOUDBURST_CONFIG (a variable cleared in a script) names no file.
  const named = options.file ?? (env[environmentKeys.configFile] || undefined);
  if (named) {
    const file = resolve(cwd, named);
    if (!existsSync(file))
      throw new ConfigError(file, ["the file does not exist (given by --config or CLOUDBURST_CONFIG)"]);
    return parseConfigText(file, readFileSync(file, "utf8"), env);
  }
  const found = findInstallation(cwd);
  if (found?.file) return parseConfigText(found.file, readFileSync(found.file, "utf8"), env);
  return finish(parseWithSchema("(defaults)", {}, null), null, found?.dir ?? cwd, env, found !== null);
}

/** Validates configuration text; exported for tests and `config check`. */
export function parseConfigText(file: string, text: string, env: NodeJS.ProcessEnv = {}): Config {
  return finish(parseYaml(file, text), file, dirname(file), env, true);
}

function finish(
  parsed: ConfigFile,
  file: string | null,
  baseDir: string,
  env: NodeJS.ProcessEnv,
  found: boolean,
): Config {
  const databaseUrl = env[environmentKeys.databaseUrl]?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("environment", [
      `${environmentKeys.databaseUrl}: expected a postgres:// or postgresql:// URL`,
    ]);
  }
  return {
    ...parsed,
    file,
    installation: found ? baseDir : null,
    dataDir: resolve(baseDir, parsed.dataDir),
    databaseUrl,
    env,
  };
}

function parseYaml(file: string, text: string): ConfigFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const at = lineCounter.linePos(e.pos[0]);
        return `${file}:${at.line}:${at.col}: YAML syntax: ${e.message.split("\n")[0]}`;
      }),
    );
  }
  const value: unknown = doc.toJS() ?? {};
  const locate = (path: PropertyKey[]): string => {
    const node = doc.getIn(path as Array<string | number>, true) as { range?: [number, number] } | undefined;
    const offset = node?.range?.[0] ?? (isMap(doc.contents) ? undefined : 0);
    if (offset === undefined) return file;
    const at = lineCounter.linePos(offset);
    return `${file}:${at.line}:${at.col}`;
  };
  const parsed = parseWithSchema(file, value, locate);
  const passwords = urlPasswordPaths(value).map((path) => describePassword(path, locate(path)));
  if (passwords.length > 0) throw new ConfigError(file, passwords);
  return parsed;
}

/** Where the password of a URL-valued key comes from instead of the file. */
const passwordVariables: Record<string, string> = {
  "cycle.destination": "DELIVERY_PASSWORD",
  "fleet.cloudsigma.apiUrl": "CLOUDSIGMA_PASSWORD (the user in CLOUDSIGMA_USERNAME)",
};

/** Key paths of the file's strings that are URLs with a password in them. */
function urlPasswordPaths(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value === "string") return hasUrlPassword(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => urlPasswordPaths(item, [...path, i]));
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([key, item]) => urlPasswordPaths(item, [...path, key]));
  return [];
}

function describePassword(path: Array<string | number>, where: string): string {
  const key = path.join(".");
  const variable = passwordVariables[key];
  const instead = variable
    ? `put it in ${variable}`
    : "secrets come from the environment (README.md lists the variables)";
  return `${where}: ${key}: a password in a URL would be printed and logged; remove it from the URL and ${instead}`;
}

function parseWithSchema(
  file: string,
  value: unknown,
  locate: ((path: PropertyKey[]) => string) | null,
): ConfigFile {
  const result = configSchema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigError(
    file,
    result.error.issues.map((issue) => describeIssue(issue, locate?.(issue.path) ?? file)),
  );
}

function describeIssue(issue: z.core.$ZodIssue, where: string): string {
  const path = issue.path.map(String).join(".") || "(top level)";
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((k) => (path === "(top level)" ? k : `${path}.${k}`));
    return `${where}: ${keys.join(", ")}: unknown key; check the spelling against the configuration reference in README.md`;
  }
  return `${where}: ${path}: ${issue.message.replace(/^Invalid input: /, "")}`;
}

/**
 * The configuration as `config show` prints it: the environment left out, URL passwords and secret
 * query values masked, and the alert webhook's URL down to its origin (its path is the secret).
 */
export function maskedConfig(config: Config): Record<string, unknown> {
  const { env: _env, ...shown } = config;
  const masked = maskStrings(shown) as Omit<Config, "env">;
  const { webhook } = config.alerts;
  if (webhook) masked.alerts.webhook = { ...webhook, url: maskUrl(webhook.url, { path: true }) };
  return masked as unknown as Record<string, unknown>;
}

function maskStrings(value: unknown): unknown {
  if (typeof value === "string") return maskUrlsIn(value);
  if (Array.isArray(value)) return value.map(maskStrings);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskStrings(item)]));
  return value;
}
