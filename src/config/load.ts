// Loads and validates the configuration once, at start: the file (YAML), then the environment.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isMap, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { type ConfigFile, configSchema, environmentKeys } from "./schema.ts";

export const defaultConfigFile = "cloudburst.yaml";

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

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  // An empty CLOUDBURST_CONFIG (a variable cleared in a script) names no file.
  const named = options.file ?? (env[environmentKeys.configFile] || undefined);
  const file = resolve(cwd, named ?? defaultConfigFile);
  if (!existsSync(file)) {
    if (named)
      throw new ConfigError(file, ["the file does not exist (given by --config or CLOUDBURST_CONFIG)"]);
    return finish(parseWithSchema(file, {}, null), null, cwd, env);
  }
  const text = readFileSync(file, "utf8");
  return finish(parseYaml(file, text), file, dirname(file), env);
}

/** Validates configuration text; exported for tests and `config check`. */
export function parseConfigText(file: string, text: string, env: NodeJS.ProcessEnv = {}): Config {
  return finish(parseYaml(file, text), file, dirname(file), env);
}

function finish(parsed: ConfigFile, file: string | null, baseDir: string, env: NodeJS.ProcessEnv): Config {
  const databaseUrl = env[environmentKeys.databaseUrl]?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("environment", [
      `${environmentKeys.databaseUrl}: expected a postgres:// or postgresql:// URL`,
    ]);
  }
  return { ...parsed, file, dataDir: resolve(baseDir, parsed.dataDir), databaseUrl, env };
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
  return parseWithSchema(file, value, locate);
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

/** The configuration as `config show` prints it: secrets masked, the environment left out. */
export function maskedConfig(config: Config): Record<string, unknown> {
  const { env: _env, ...shown } = config;
  return {
    ...shown,
    databaseUrl: config.databaseUrl ? maskUrlPassword(config.databaseUrl) : null,
  };
}

export function maskUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "****";
    return parsed.toString();
  } catch {
    return "****";
  }
}
