// Where a fault run's compute nodes come from (harness.ts): the local provider's worker processes, or
// the CloudSigma simulator run as a process of its own, whose servers' guests run the workers and
// which can itself be killed (the "provider" fault: a cloud API outage, see killProvider).
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { loadConfig } from "../../src/config/load.ts";
import { LocalProvider } from "../../src/fleet/local/provider.ts";
import { freePort, isAlive } from "../../src/system/processes.ts";
import { SimProcess, simCredentials } from "../helpers/sim-process.ts";

export type FleetKind = "local" | "cloudsigma";

/** What a fault run asks of its fleet, whichever provider it is. */
export interface RunFleet {
  /** The configuration's `fleet:` settings that name the provider (merged into the run's). */
  readonly config: Record<string, unknown>;
  /** Environment the server needs for the provider (credentials). */
  readonly env: NodeJS.ProcessEnv;
  /** The address the server listens on: where its nodes reach it. */
  readonly serverHost: string;
  /** The process groups running workers now (a worker kill takes one). */
  workers(): number[];
  /** Kills the provider's API process and brings it back; a note of what happened. */
  killProvider(): Promise<string>;
  /** Compute resources the provider still holds at the end of the run (none may be left). */
  leftAtProvider(): Promise<string[]>;
  /** Stops what the fleet itself runs (the simulator), saying whether it stopped cleanly. */
  stop(): Promise<string[]>;
  /** Last resort: kills whatever the fleet ran, stopped cleanly or not. */
  cleanUp(): Promise<void>;
}

type Config = ReturnType<typeof loadConfig>;

/** Alive and not a zombie: a killed worker stays in the process table until its parent reaps it. */
export function running(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** The local provider's worker processes, found through its state directory. */
export class LocalFleet implements RunFleet {
  readonly config = { provider: "local" };
  readonly env = {};
  readonly serverHost = "127.0.0.1";
  readonly #dataDir: string;
  readonly #settings: () => Config;

  constructor(dataDir: string, settings: () => Config) {
    this.#dataDir = dataDir;
    this.#settings = settings;
  }

  workers(): number[] {
    const dir = join(this.#dataDir, "fleet", "local");
    let entries: string[] = [];
    try {
      entries = readdirSync(dir).filter((f) => f.endsWith(".json"));
    } catch {
      return [];
    }
    const pids: number[] = [];
    for (const entry of entries) {
      try {
        const pid = (JSON.parse(readFileSync(join(dir, entry), "utf8")) as { pid: number | null }).pid;
        if (pid && running(pid)) pids.push(pid);
      } catch {
        // a record being written or removed
      }
    }
    return pids;
  }

  killProvider(): Promise<string> {
    return Promise.resolve("no provider process (local nodes)");
  }

  async leftAtProvider(): Promise<string[]> {
    const provider = new LocalProvider({
      config: this.#settings().fleet.local,
      stateDir: join(this.#dataDir, "fleet", "local"),
    });
    return (await provider.listNodes()).map(
      (n) => `compute node ${n.name} still at the provider (${n.state})`,
    );
  }

  stop(): Promise<string[]> {
    return Promise.resolve([]);
  }

  async cleanUp(): Promise<void> {}
}

/** How long the simulated cloud's API stays away when killed (connections refused meanwhile). */
const outageMs = 2000;

interface Listing {
  objects: Array<{ uuid: string; name?: string; status?: string }>;
}
const kinds = ["servers", "drives", "tags", "ips"] as const;

/**
 * The CloudSigma simulator as a process of its own, its servers' guests running the workers. Its
 * account is what it was seeded with at the start (the golden server, its disk, a VLAN): anything
 * more at the end is a resource the fleet left behind.
 */
export class SimulatedCloud implements RunFleet {
  readonly #sim: SimProcess;
  readonly #baseline: Set<string>;

  private constructor(sim: SimProcess, baseline: Set<string>) {
    this.#sim = sim;
    this.#baseline = baseline;
  }

  /** `timeScale`: real seconds per simulated second (the cycle's schedule is compressed as much). */
  static async start(dir: string, timeScale: number): Promise<SimulatedCloud> {
    mkdirSync(dir, { recursive: true });
    let sim: SimProcess | null = null;
    // A free port may be taken again before the simulator binds it (a busy machine's outgoing
    // connections use the same range): another one then.
    for (let attempt = 1; !sim; attempt++) {
      try {
        sim = await SimProcess.start({
          cwd: dir,
          port: await freePort(),
          stateFile: join(dir, "state.json"),
          timeScale,
        });
      } catch (error) {
        if (attempt === 3 || !/is in use/.test((error as Error).message)) throw error;
      }
    }
    const cloud = new SimulatedCloud(sim, new Set());
    for (const resource of await cloud.#resources()) cloud.#baseline.add(resource.key);
    return cloud;
  }

  get config(): Record<string, unknown> {
    const { url, vlan } = this.#sim.info;
    const base = vlan ? vlan.subnet.slice(0, vlan.subnet.lastIndexOf(".")) : "";
    return {
      provider: "cloudsigma",
      cloudsigma: { apiUrl: url, goldenServer: "cloudburst-golden", pollIntervalMs: 100 },
      // As root the guests are on the simulated VLAN and reach the server at the host's address there.
      ...(vlan
        ? {
            vlan: {
              subnet: vlan.subnet,
              dataAddress: vlan.hostAddress,
              nodeRange: { first: `${base}.10`, last: `${base}.250` },
            },
          }
        : {}),
    };
  }

  get env(): NodeJS.ProcessEnv {
    return { CLOUDSIGMA_USERNAME: simCredentials.username, CLOUDSIGMA_PASSWORD: simCredentials.password };
  }

  get serverHost(): string {
    return this.#sim.info.vlan?.hostAddress ?? "127.0.0.1";
  }

  workers(): number[] {
    return this.#sim.recordedGuests().filter(running);
  }

  /**
   * SIGKILL of the simulator's process, and the same simulator again on its port and state file after
   * a short outage: as a cloud's API outage looks to us (refused, then back with the same servers),
   * while its VMs (the guests) run on and are re-adopted.
   */
  async killProvider(): Promise<string> {
    const pid = this.#sim.pid;
    await this.#sim.kill();
    const guests = this.workers().length;
    await sleep(outageMs);
    await this.#sim.restart();
    return `provider ${pid} killed (${guests} guests ran on), back after ${outageMs / 1000} s`;
  }

  async #resources(): Promise<Array<{ key: string; what: string }>> {
    const found: Array<{ key: string; what: string }> = [];
    for (const kind of kinds) {
      const listing = await this.#sim.get<Listing>(`${kind}/${kind === "tags" ? "" : "detail/"}?limit=0`);
      for (const o of listing.objects)
        found.push({
          key: `${kind} ${o.uuid}`,
          what: `${kind.slice(0, -1)} ${o.name ?? o.uuid} (${o.status ?? "-"})`,
        });
    }
    return found;
  }

  async leftAtProvider(): Promise<string[]> {
    return (await this.#resources())
      .filter((r) => !this.#baseline.has(r.key))
      .map((r) => `cloud ${r.what} left at the simulated CloudSigma`);
  }

  /** The simulator must still run at the end (guests left running are the harness's finding), and stop on SIGTERM. */
  async stop(): Promise<string[]> {
    if (!this.#sim.running) return ["the simulated CloudSigma was not running at the end"];
    const code = await this.#sim.stop();
    return code === 0 ? [] : [`the simulated CloudSigma exited ${code} on SIGTERM`];
  }

  async cleanUp(): Promise<void> {
    if (this.#sim.running) await this.#sim.stop();
    for (const pid of this.#sim.recordedGuests().filter(running))
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
  }
}
