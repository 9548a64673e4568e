// The CloudSigma simulator as a process of its own (`cloudburst sim cloudsigma`), as a cloud's API is to
// us: something that can die (SIGKILL) and come back on the same port with the same state file, which
// is what an API outage looks like from here (connections refused, then the same servers again).

import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { spawnCli, stopChild, waitForOutput } from "./cli.ts";

export interface SimProcessOptions {
  cwd: string;
  /** A fixed port (a restart must come back on it). */
  port: number;
  stateFile: string;
  timeScale: number;
  /** `--node-command` (default: the guests run their user data). */
  nodeCommand?: string;
  /** Lines of the simulator's log are passed here (it logs its events on stderr). */
  onLog?: (text: string) => void;
}

/** What `sim cloudsigma --json` prints. */
export interface SimInfo {
  url: string;
  username: string;
  password: string;
  vlan: { subnet: string; hostAddress: string } | null;
}

/**
 * The account's credentials: random, made once a test process, so that a restarted simulator accepts
 * what its clients hold.
 */
export const simCredentials = {
  username: "faults@cloudburst.invalid",
  password: randomBytes(18).toString("base64url"),
};
const { username, password } = simCredentials;

export class SimProcess {
  readonly #options: SimProcessOptions;
  #child: ChildProcess;
  #info: SimInfo;

  private constructor(options: SimProcessOptions, child: ChildProcess, info: SimInfo) {
    this.#options = options;
    this.#child = child;
    this.#info = info;
  }

  static async start(options: SimProcessOptions): Promise<SimProcess> {
    const { child, info } = await launch(options);
    return new SimProcess(options, child, info);
  }

  get info(): SimInfo {
    return this.#info;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get authorization(): string {
    return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  }

  /** SIGKILL: no handler of the simulator runs (its guests, VLAN and state file stay as they are). */
  async kill(): Promise<void> {
    await stopChild(this.#child, "SIGKILL");
  }

  /** The simulator again, on its port with its state file; retried while the port is still held. */
  async restart(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        ({ child: this.#child, info: this.#info } = await launch(this.#options));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  }

  /** SIGTERM, as an operator stops it (every guest is killed with it); its exit code. */
  stop(): Promise<number | null> {
    return stopChild(this.#child, "SIGTERM");
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** A call of the API (`servers/?limit=0`) or of the control endpoint (`/_sim/state`), its answer parsed. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = path.startsWith("/_sim/") ? new URL(path, this.#info.url).href : this.#info.url + path;
    const res = await fetch(url, {
      method,
      headers: { Authorization: this.authorization, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  /** The guests' process groups the state file records (what a kill of the simulator leaves running). */
  recordedGuests(): number[] {
    try {
      const state = JSON.parse(readFileSync(this.#options.stateFile, "utf8")) as {
        hypervisor?: { guests: Record<string, { pid: number }> };
      };
      return Object.values(state.hypervisor?.guests ?? {}).map((g) => g.pid);
    } catch {
      return [];
    }
  }
}

async function launch(options: SimProcessOptions): Promise<{ child: ChildProcess; info: SimInfo }> {
  const child = spawnCli(
    [
      ...["sim", "cloudsigma", "--json", "--port", String(options.port)],
      ...["--state", options.stateFile, "--time-scale", String(options.timeScale)],
      ...(options.nodeCommand ? ["--node-command", options.nodeCommand] : []),
    ],
    { cwd: options.cwd, env: { CLOUDSIGMA_USERNAME: username, CLOUDSIGMA_PASSWORD: password } },
  );
  child.stdin!.end();
  try {
    const info = JSON.parse(await waitForOutput(child, /\{[\s\S]*\n\}/)) as SimInfo;
    // Both pipes drained from here on, so that the simulator never blocks on a full one.
    child.stderr!.on("data", (d: Buffer) => options.onLog?.(d.toString()));
    child.stdout!.resume();
    return { child, info };
  } catch (error) {
    await stopChild(child, "SIGKILL");
    throw error;
  }
}
