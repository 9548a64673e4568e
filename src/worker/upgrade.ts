// A node runs the release its server runs: at boot, before its worker starts, a node whose golden
// image holds another release installs the server's bundle (GET /api/worker/bundle) the way the
// playbook does (deploy/ansible): PREFIX/releases/BUNDLE, unpacked beside its place into
// PREFIX/VERSION, then PREFIX/current switched to it in one rename, so no half release is ever current.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { bundleAnswer } from "./protocol.ts";
import type { ServerClient } from "./server-client.ts";

export interface UpgradeOptions {
  client: ServerClient;
  /** Where releases live: PREFIX/VERSION, PREFIX/current, PREFIX/releases (the playbook's /opt/cloudburst). */
  prefix: string;
  /** The release this node runs now. */
  ownVersion: string;
}

export interface UpgradeOutcome {
  /** current: nothing to do; switched: already unpacked, made current; installed: downloaded too. */
  action: "current" | "switched" | "installed";
  version: string;
  /** PREFIX/VERSION, when the node was changed. */
  path?: string;
}

/** Why a node could not take its server's release: what went wrong and what to do. */
export class UpgradeError extends Error {
  override name = "UpgradeError";
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

function unpackedVersion(dir: string): string | null {
  try {
    return (
      (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: string }).version ?? null
    );
  } catch {
    return null;
  }
}

/** Points PREFIX/current at PREFIX/VERSION in one rename (a reader sees the old link or the new one). */
function makeCurrent(prefix: string, version: string): void {
  const next = join(prefix, `.current.${process.pid}`);
  rmSync(next, { force: true });
  symlinkSync(version, next);
  renameSync(next, join(prefix, "current"));
}

/** Unpacks `bundle` into PREFIX/VERSION through a partial directory beside it. */
function unpack(bundle: string, prefix: string, version: string): string {
  const target = join(prefix, version);
  const partial = join(prefix, `.${version}.partial`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    execFileSync("tar", ["-xzf", bundle, "--no-same-owner", "--strip-components=1", "-C", partial], {
      stdio: ["ignore", "ignore", "pipe"],
    });
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw new UpgradeError(`${bundle} could not be unpacked: ${(error as Error).message.trim()}`);
  }
  const inside = unpackedVersion(partial);
  if (inside !== version) {
    rmSync(partial, { recursive: true, force: true });
    throw new UpgradeError(
      `${bundle} holds cloudburst ${inside ?? "(no package.json)"}, not ${version} as the server says: nothing installed`,
    );
  }
  rmSync(target, { recursive: true, force: true });
  renameSync(partial, target);
  return target;
}

/** Downloads the server's bundle into PREFIX/releases, checked against the SHA-256 the server gave. */
async function download(client: ServerClient, prefix: string, name: string, sha256: string): Promise<string> {
  const releases = join(prefix, "releases");
  mkdirSync(releases, { recursive: true });
  const file = join(releases, name);
  const partial = `${file}.partial`;
  try {
    await client.download("bundle/file", partial);
    const got = await sha256Of(partial);
    if (got !== sha256)
      throw new UpgradeError(
        `the bundle from ${client.url} has SHA-256 ${got}, but the server says ${sha256}: nothing installed (a cut or altered download; the next boot tries again)`,
      );
    renameSync(partial, file);
    return file;
  } finally {
    rmSync(partial, { force: true });
  }
}

/** Makes PREFIX/current the server's release, downloading and unpacking it when the node lacks it. */
export async function installServerRelease(options: UpgradeOptions): Promise<UpgradeOutcome> {
  const { client, prefix, ownVersion } = options;
  const { version, bundle } = await client.document("bundle", bundleAnswer);
  if (version === ownVersion) return { action: "current", version };
  const target = join(prefix, version);
  if (unpackedVersion(target) === version) {
    makeCurrent(prefix, version);
    return { action: "switched", version, path: target };
  }
  if (!bundle)
    throw new UpgradeError(
      `the server runs cloudburst ${version} and this node ${ownVersion}, and the server has no bundle of ${version} to give: install the release on the server with the playbook (it keeps the bundle), or update the golden image`,
    );
  const file = await download(client, prefix, bundle.name, bundle.sha256);
  unpack(file, prefix, version);
  makeCurrent(prefix, version);
  return { action: "installed", version, path: target };
}
