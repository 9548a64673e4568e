// The guests' insides: when a simulated server has booted, a real process runs for it, as cloud-init
// would run the server's user data on a VM. Each guest is its own process group, so that stopping or
// deleting the server (or stopping the simulator) kills everything the guest started.
//
// What runs:
//   --node-command CMD given: `sh -c CMD`, with the user data in the environment and a file;
//   else user data "#!..." (a script): the script itself, as cloud-init runs user scripts;
//   else user data "#cloud-config" with runcmd: those commands, in order, under sh -e;
//   else: `cloudburst worker`.
// `cloudburst` is on the guest's PATH (a shim for this checkout's CLI), as it is on the golden image;
// `systemctl` fails, as in a container, so that user data falls back to running the worker itself.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { cliPath } from "../../system/processes.ts";

export interface GuestSpec {
  uuid: string;
  name: string;
  meta: Record<string, string>;
}

export interface GuestProcess {
  uuid: string;
  pid: number;
  command: string;
  startedAt: number;
  exited: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  log: string;
}

/** The server's cloud-init user data: meta `cloudinit-user-data`, base64-decoded when listed in `base64_fields`. */
export function userDataOf(meta: Record<string, string>): string | null {
  const raw = meta["cloudinit-user-data"];
  if (raw === undefined) return null;
  const base64Fields = (meta["base64_fields"] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return base64Fields.includes("cloudinit-user-data") ? Buffer.from(raw, "base64").toString("utf8") : raw;
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Shell lines for a #cloud-config's runcmd (strings run as-is, lists are quoted words); null if none. */
export function runcmdScript(userData: string): string | null {
  let config: unknown;
  try {
    config = parseYaml(userData);
  } catch {
    return null;
  }
  const runcmd = (config as { runcmd?: unknown } | null)?.runcmd;
  if (!Array.isArray(runcmd) || runcmd.length === 0) return null;
  const lines = runcmd.map((entry) =>
    Array.isArray(entry) ? entry.map((w) => shellQuote(String(w))).join(" ") : String(entry),
  );
  return `${lines.join("\n")}\n`;
}

export class GuestLauncher {
  private readonly dir: string;
  private readonly nodeCommand: string | null;
  private readonly extraEnv: NodeJS.ProcessEnv;
  private readonly children = new Map<string, { child: ChildProcess; info: GuestProcess }>();
  private readonly shimDir: string;
  private readonly onExit: (uuid: string, info: GuestProcess) => void;

  constructor(options: {
    dir: string;
    nodeCommand?: string | null;
    env?: NodeJS.ProcessEnv;
    onExit?: (uuid: string, info: GuestProcess) => void;
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
      ...process.env,
      ...this.extraEnv,
      PATH: `${this.shimDir}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
      CLOUDBURST_USER_DATA: userData ?? "",
      CLOUDBURST_USER_DATA_FILE: userDataFile,
      CLOUDSIGMA_SERVER_UUID: guest.uuid,
      CLOUDSIGMA_SERVER_NAME: guest.name,
      // A real guest's hostname is its server's name (cloud-init reads the server context); here the
      // worker learns it from its environment, as from the local provider.
      CLOUDBURST_NODE_NAME: guest.name,
      CLOUDSIGMA_SERVER_META: JSON.stringify(guest.meta),
    };
    let file: string;
    let args: string[];
    let command: string;
    if (this.nodeCommand) {
      file = "/bin/sh";
      args = ["-c", this.nodeCommand];
      command = this.nodeCommand;
    } else if (userData?.startsWith("#!")) {
      chmodSync(userDataFile, 0o755);
      file = userDataFile;
      args = [];
      command = `user-data script ${userDataFile}`;
    } else if (userData?.startsWith("#cloud-config") && runcmdScript(userData)) {
      const script = join(guestDir, "runcmd.sh");
      writeFileSync(script, runcmdScript(userData)!);
      file = "/bin/sh";
      args = ["-e", script];
      command = `cloud-config runcmd ${script}`;
    } else {
      file = process.execPath;
      args = [cliPath, "worker"];
      command = "cloudburst worker";
    }
    const log = join(guestDir, "console.log");
    const out = openSync(log, "a");
    let child: ChildProcess;
    try {
      child = spawn(file, args, { cwd: guestDir, env, detached: true, stdio: ["ignore", out, out] });
    } finally {
      closeSync(out);
    }
    const info: GuestProcess = {
      uuid: guest.uuid,
      pid: child.pid ?? -1,
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
    child.on("exit", (code, signal) => {
      info.exited = true;
      info.exitCode = code;
      info.signal = signal;
      // Whatever the guest's main process left behind in its group goes with it.
      killGroup(info.pid, "SIGKILL");
      this.onExit(guest.uuid, info);
    });
    this.children.set(guest.uuid, { child, info });
    return info;
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
    if (!entry.info.exited) {
      const exited = new Promise<void>((done) => entry.child.once("exit", () => done()));
      killGroup(entry.info.pid, graceMs > 0 ? "SIGTERM" : "SIGKILL");
      const timer = setTimeout(() => killGroup(entry.info.pid, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }
    killGroup(entry.info.pid, "SIGKILL");
    await groupGone(entry.info.pid, 5000);
    this.children.delete(uuid);
  }

  async killAll(graceMs = 3000): Promise<void> {
    await Promise.all([...this.children.keys()].map((uuid) => this.kill(uuid, graceMs)));
  }

  /** Last resort on process exit: SIGKILL every group, synchronously. */
  killAllNow(): void {
    for (const { info } of this.children.values()) killGroup(info.pid, "SIGKILL");
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

function killGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
