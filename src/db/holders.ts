// Who holds an embedded cluster: one file per open under dataDir/postgres.holders, named after the
// process and holding its start time, so that a pid the kernel has since given to another process is
// not taken for a holder. The watchdog stops a cluster nobody holds.
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive } from "../system/processes.ts";

function holdersDir(dataDir: string): string {
  return join(dataDir, "postgres.holders");
}

/** When process `pid` started (clock ticks since boot, /proc/PID/stat field 22), or null off Linux. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/** Registers this process as a holder of the cluster; returns the registration to release. */
export function registerHolder(dataDir: string): string {
  mkdirSync(holdersDir(dataDir), { recursive: true });
  const file = join(holdersDir(dataDir), `${process.pid}-${randomBytes(4).toString("hex")}`);
  writeFileSync(file, processStartTime(process.pid) ?? "");
  return file;
}

export function releaseHolder(registration: string): void {
  rmSync(registration, { force: true });
}

/** How many holders' processes still run; the registrations of those that died are removed. */
export function liveHolders(dataDir: string): number {
  let live = 0;
  let names: string[];
  try {
    names = readdirSync(holdersDir(dataDir));
  } catch {
    return 0;
  }
  for (const name of names) {
    const file = join(holdersDir(dataDir), name);
    const pid = Number(name.split("-")[0]);
    let started = "";
    try {
      started = readFileSync(file, "utf8");
    } catch {
      continue; // released meanwhile
    }
    if (pid > 0 && isAlive(pid) && (!started || processStartTime(pid) === started)) live++;
    else rmSync(file, { force: true });
  }
  return live;
}
