// Where an installation is, found as git finds a repository: the configuration named by --config or
// CLOUDBURST_CONFIG, else the nearest directory, from the working directory up, that holds a
// `cloudburst.yaml` or a `.cloudburst/` data directory.
import { statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const defaultConfigFile = "cloudburst.yaml";
export const defaultDataDir = ".cloudburst";

export interface Installation {
  /** The directory the installation is rooted in (relative paths of a file-less one resolve there). */
  dir: string;
  /** Its configuration file, or null for a bare `.cloudburst/` that runs on the defaults. */
  file: string | null;
}

/** The nearest installation at or above `cwd`, or null when there is none up to the root. */
export function findInstallation(cwd: string): Installation | null {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const file = join(dir, defaultConfigFile);
    if (isA(file, "file")) return { dir, file };
    if (isA(join(dir, defaultDataDir), "directory")) return { dir, file: null };
    if (dir === dirname(dir)) return null;
  }
}

function isA(path: string, kind: "file" | "directory"): boolean {
  const stat = statSync(path, { throwIfNoEntry: false });
  return kind === "file" ? stat?.isFile() === true : stat?.isDirectory() === true;
}

/** Where `cloudburst demo` keeps its own installation, under the data directory of the one it ran in. */
export function demoDataDir(dataDir: string): string {
  return join(dataDir, "demo");
}

/** The name of the configuration the demo writes in its data directory. */
export const demoConfigName = "demo.yaml";

/** The demo's configuration file: a second terminal passes it with --config to reach the demo. */
export function demoConfigFile(dataDir: string): string {
  return join(demoDataDir(dataDir), demoConfigName);
}
