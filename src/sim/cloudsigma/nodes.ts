// The guests' insides: when a simulated server has booted, a real process runs for it, as cloud-init
// would run the server's user data on a VM. Each guest is its own process group, so that stopping or
// deleting the server (or stopping the simulator) kills everything the guest started, and has a root of
// its own (guest-root.ts) and an environment of its own, as a VM inherits nothing from the host.
//
// What runs:
//   --node-command CMD given: `sh -c CMD`, with the user data in the environment and a file;
//   else user data "#!..." (a script): the script itself, as cloud-init runs user scripts;
//   else user data "#cloud-config": its write_files written, then its runcmd in order under sh -e;
//   else: `cloudburst worker`.
// `cloudburst` is on the guest's PATH (a shim for this checkout's CLI), as it is on the golden image;
// `systemctl` fails, as in a container, so that user data falls back to running the worker itself.
// A guest whose cloud-config gives its VLAN NIC an address (a netplan file) runs in a network namespace
// of its own on the simulator's VLAN where the machine allows it (guest-network.ts); `netplan apply`
// then finds the NIC already set up from that file, as cloud-init's network stage would have.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliPath } from "../../system/processes.ts";
import { parseCloudConfig, shellQuote, userDataOf, vlanNicOf } from "./cloud-init.ts";
import { GuestNetwork, type GuestNic, type VlanIdentity } from "./guest-network.ts";
import { GuestRoot } from "./guest-root.ts";

export interface GuestSpec {
  uuid: string;
  name: string;
  meta: Record<string, string>;
}

export interface GuestProcess {
  uuid: string;
  pid: number;
  /** The process's start time (clock ticks since boot, /proc): a pid reused by another process differs. */
  startTime: string | null;
  command: string;
  startedAt: number;
  exited: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  log: string;
}

/**
 * What outlives the simulator's process, as a cloud's VMs and network outlive its API: each guest's
 * process group (its leader's pid and start time, and its network namespace), and the VLAN. Kept in
 * the state file, so that a simulator started again after a kill re-adopts them (see adopt).
 */
export interface Hypervisor {
  guests: Record<string, { pid: number; startTime: string | null; netns: string | null }>;
  vlan: VlanIdentity | null;
}

/** A guest's process: started here (child), or re-adopted after a restart (null: watched in /proc). */
interface GuestEntry {
  child: ChildProcess | null;
  info: GuestProcess;
  netns: string | null;
  ended: boolean;
}

/** The environment cloud-init's commands run with on a fresh VM. */
const guestPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export class GuestLauncher {
  private readonly dir: string;
  private readonly nodeCommand: string | null;
  private readonly extraEnv: NodeJS.ProcessEnv;
  private readonly children = new Map<string, GuestEntry>();
  private watch: NodeJS.Timeout | null = null;
  /** The simulated VLAN; null where guests share the host's network (not root, no `ip`). */
  readonly network: GuestNetwork | null;
  /** Where guests' traffic goes: the simulated VLAN, or the host's network and why. */
  readonly networkNote: string;
  private readonly shimDir: string;
  private readonly onExit: (uuid: string, info: GuestProcess) => void;

  constructor(options: {
    dir: string;
    nodeCommand?: string | null;
    env?: NodeJS.ProcessEnv;
    onExit?: (uuid: string, info: GuestProcess) => void;
    log?: (message: string) => void;
    /** What a previous simulator with this state left running (its VLAN is taken over). */
    previous?: Hypervisor | null;
  }) {
    this.dir = options.dir;
    this.nodeCommand = options.nodeCommand ?? null;
    this.extraEnv = options.env ?? {};
    this.onExit = options.onExit ?? (() => {});
    this.shimDir = join(this.dir, "bin");
    mkdirSync(this.shimDir, { recursive: true });
    const shim = join(this.shimDir, "cloudburst");
    writeFileSync(shim, `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(cliPath)} "$@"\n`);
    chmodSync(shim, 0o755);
    // A guest is a container without systemd: user data that tries systemctl must not reach the host's.
    const systemctl = join(this.shimDir, "systemctl");
    writeFileSync(
      systemctl,
      '#!/bin/sh\necho "systemctl: systemd is not running in this simulated guest" >&2\nexit 1\n',
    );
    chmodSync(systemctl, 0o755);
    const network = GuestNetwork.open(options.previous?.vlan ?? null);
    this.network = typeof network === "string" ? null : network;
    this.networkNote =
      typeof network === "string"
        ? `simulated guests share this host's network, with no namespace of their own: ${network}`
        : `a guest with a VLAN address runs in a network namespace of its own on the simulated VLAN ${network.subnet} (the host is ${network.hostAddress})`;
    if (typeof network === "string") options.log?.(this.networkNote);
    // Never the host's netplan or ip: the simulator sets up a guest's VLAN NIC before it boots.
    const netplan = join(this.shimDir, "netplan");
    writeFileSync(
      netplan,
      this.network
        ? "#!/bin/sh\n# The simulator set up the VLAN NIC from /etc/netplan before the guest booted.\nexit 0\n"
        : `#!/bin/sh\necho "netplan: this simulated guest shares the host's network, its VLAN NIC is not set up (see the simulator's log)" >&2\nexit 0\n`,
    );
    chmodSync(netplan, 0o755);
  }

  /** Starts the guest's process (a no-op if one is already running for it). */
  launch(guest: GuestSpec): GuestProcess {
    const existing = this.children.get(guest.uuid);
    if (existing && !existing.info.exited) return existing.info;
    const guestDir = join(this.dir, "guests", guest.uuid);
    mkdirSync(guestDir, { recursive: true });
    const userData = userDataOf(guest.meta);
    const userDataFile = join(guestDir, "user-data");
    writeFileSync(userDataFile, userData ?? "");
    const env: NodeJS.ProcessEnv = {
      PATH: `${this.shimDir}:${guestPath}`,
      HOME: "/root",
      LANG: "C.UTF-8",
      ...this.extraEnv,
      CLOUDBURST_USER_DATA: userData ?? "",
      CLOUDBURST_USER_DATA_FILE: userDataFile,
      CLOUDSIGMA_SERVER_UUID: guest.uuid,
      CLOUDSIGMA_SERVER_NAME: guest.name,
      CLOUDSIGMA_SERVER_META: JSON.stringify(guest.meta),
    };
    const log = join(guestDir, "console.log");
    let plan: { file: string; args: string[]; command: string };
    let netns: string | null = null;
    try {
      const boot = this.#boot(guestDir, userData, userDataFile);
      plan = boot;
      if (boot.nic && this.network) {
        const attached = this.network.attach(boot.nic);
        netns = attached.name;
        plan = {
          ...boot,
          file: attached.enter[0]!,
          args: [...attached.enter.slice(1), boot.file, ...boot.args],
        };
      }
    } catch (error) {
      // What cloud-init would log on the console before giving up on the user data.
      plan = {
        file: "/bin/sh",
        args: ["-c", 'echo "cloud-init: $0" >&2; exit 1', (error as Error).message],
        command: "cloud-init failed",
      };
    }
    const { file, args, command } = plan;
    const out = openSync(log, "a");
    let child: ChildProcess;
    try {
      child = spawn(file, args, { cwd: "/", env, detached: true, stdio: ["ignore", out, out] });
    } catch (error) {
      if (netns) this.network?.detach(netns);
      throw error;
    } finally {
      closeSync(out);
    }
    const pid = child.pid ?? -1;
    const info: GuestProcess = {
      uuid: guest.uuid,
      pid,
      startTime: startTimeOf(pid),
      command,
      startedAt: Date.now(),
      exited: false,
      exitCode: null,
      signal: null,
      log,
    };
    child.on("error", () => {
      info.exited = true;
    });
    const entry: GuestEntry = { child, info, netns, ended: false };
    child.on("exit", (code, signal) => this.#ended(entry, code, signal));
    this.children.set(guest.uuid, entry);
    return info;
  }

  /** A guest's main process has ended: whatever it left behind in its group goes with it. */
  #ended(entry: GuestEntry, code: number | null, signal: NodeJS.Signals | null): void {
    if (entry.ended) return;
    entry.ended = true;
    const { info } = entry;
    Object.assign(info, { exited: true, exitCode: code, signal });
    killGroup(info.pid, "SIGKILL");
    if (entry.netns) this.network?.detach(entry.netns);
    this.onExit(info.uuid, info);
  }

  /**
   * Takes over a guest that a previous simulator (killed) left running: true when its process is still
   * the one recorded (same pid and start time), and then it is watched as if started here; false when
   * it is gone (the caller boots it again, as a VM whose hypervisor restarted).
   */
  adopt(uuid: string, record: Hypervisor["guests"][string], command: string): boolean {
    if (record.startTime === null || startTimeOf(record.pid) !== record.startTime) return false;
    const netns = record.netns ? (this.network?.adopted(record.netns) ?? null) : null;
    const info: GuestProcess = {
      uuid,
      pid: record.pid,
      startTime: record.startTime,
      command,
      startedAt: Date.now(),
      exited: false,
      exitCode: null,
      signal: null,
      log: join(this.dir, "guests", uuid, "console.log"),
    };
    this.children.set(uuid, { child: null, info, netns, ended: false });
    // Not our child: its end is seen in /proc (its exit status went to whoever reaped it).
    this.watch ??= setInterval(() => {
      for (const entry of this.children.values())
        if (entry.child === null && !entry.ended && startTimeOf(entry.info.pid) !== entry.info.startTime)
          this.#ended(entry, null, null);
    }, 250).unref();
    return true;
  }

  /** What must outlive this process for a successor to re-adopt it (saved with the account). */
  hypervisor(): Hypervisor {
    const guests: Hypervisor["guests"] = {};
    for (const { info, netns } of this.children.values())
      if (!info.exited) guests[info.uuid] = { pid: info.pid, startTime: info.startTime, netns };
    return { guests, vlan: this.network?.identity ?? null };
  }

  /**
   * What the guest runs, in its own root, with its cloud-config's files written first; and the address
   * its VLAN NIC is given, if any.
   */
  #boot(guestDir: string, userData: string | null, userDataFile: string) {
    const root = new GuestRoot(guestDir);
    const inRoot = (file: string, args: string[], command: string, nic: GuestNic | null = null) => ({
      ...root.command(file, args),
      command,
      nic,
    });
    if (this.nodeCommand) return inRoot("/bin/sh", ["-c", this.nodeCommand], this.nodeCommand);
    if (userData?.startsWith("#!")) {
      chmodSync(userDataFile, 0o755);
      return inRoot(userDataFile, [], `user-data script ${userDataFile}`);
    }
    const cloudConfig = userData ? parseCloudConfig(userData) : null;
    if (cloudConfig) {
      for (const file of cloudConfig.writeFiles) root.write(file);
      const script = join(guestDir, "runcmd.sh");
      writeFileSync(script, cloudConfig.runcmd ?? "");
      return inRoot("/bin/sh", ["-e", script], `cloud-config runcmd ${script}`, vlanNicOf(cloudConfig));
    }
    return inRoot(process.execPath, [cliPath, "worker"], "cloudburst worker");
  }

  get(uuid: string): GuestProcess | undefined {
    return this.children.get(uuid)?.info;
  }

  list(): GuestProcess[] {
    return [...this.children.values()].map((c) => c.info);
  }

  /** Sends `signal` to the guest's whole process group. */
  signal(uuid: string, signal: NodeJS.Signals): boolean {
    const entry = this.children.get(uuid);
    if (!entry || entry.info.exited) return false;
    killGroup(entry.info.pid, signal);
    return true;
  }

  /** Kills the guest's process group (SIGTERM, then SIGKILL after `graceMs`); resolves when it is gone. */
  async kill(uuid: string, graceMs = 3000): Promise<void> {
    const entry = this.children.get(uuid);
    if (!entry) return;
    const { child } = entry;
    if (!entry.info.exited && child) {
      const exited = new Promise<void>((done) => child.once("exit", () => done()));
      killGroup(entry.info.pid, graceMs > 0 ? "SIGTERM" : "SIGKILL");
      const timer = setTimeout(() => killGroup(entry.info.pid, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }
    killGroup(entry.info.pid, "SIGKILL");
    await groupGone(entry.info.pid, 5000);
    // An adopted guest has no exit event of ours: it ends here.
    if (!child) this.#ended(entry, null, "SIGKILL");
    this.children.delete(uuid);
  }

  async killAll(graceMs = 3000): Promise<void> {
    await Promise.all([...this.children.keys()].map((uuid) => this.kill(uuid, graceMs)));
  }

  /** Kills every guest, then removes the simulated VLAN: the launcher is done. */
  async close(graceMs = 3000): Promise<void> {
    if (this.watch) clearInterval(this.watch);
    try {
      await this.killAll(graceMs);
    } finally {
      this.network?.close();
    }
  }

  /** Last resort on process exit: SIGKILL every group and remove the VLAN, synchronously. */
  killAllNow(): void {
    for (const { info } of this.children.values()) killGroup(info.pid, "SIGKILL");
    this.network?.close();
  }
}

/** Live (not zombie) processes of a process group, from /proc. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // After "pid (command) ": state, ppid, pgrp, ...
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") members.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

/** Resolves once no live process of the group is left (or after `timeoutMs`). */
async function groupGone(pgid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (groupMembers(pgid).length > 0 && Date.now() < deadline) {
    killGroup(pgid, "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A process's start time (field 22 of /proc/PID/stat), null when no live process has that pid. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" ? null : (fields[19] ?? null);
  } catch {
    return null;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
