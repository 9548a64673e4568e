// The release this installation runs: package.json's version, next to src/ in the package, and the
// release bundle of that version where `npm run release` or the playbook (deploy/ansible) put it.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const packageRoot = resolve(import.meta.dirname, "../..");

let version: string | undefined;

/**
 * Read once: a process runs one release (an upgrade installs the next beside it and a new process runs
 * it), and a worker names its release in every call to its server.
 */
export function releaseVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string })
    .version;
  return version;
}

/** The bundle's name for a version on this machine's CPU architecture, as `npm run release` names it. */
export function releaseBundleName(version: string): string {
  return `cloudburst-${version}-linux-${process.arch}.tar.gz`;
}

/**
 * The release bundle of the version running here, where it is found: dist/ of a checkout after
 * `npm run release`, or /opt/cloudburst/releases on a host the playbook installed (PREFIX/VERSION
 * runs, PREFIX/releases keeps the bundle); null when neither has it.
 */
export function releaseBundlePath(): string | null {
  const name = releaseBundleName(releaseVersion());
  return (
    [join(packageRoot, "dist", name), join(packageRoot, "..", "releases", name)].find(existsSync) ?? null
  );
}
