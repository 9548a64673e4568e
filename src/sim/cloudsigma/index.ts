// A CloudSigma REST API 2.0 simulator for tests, benchmarks and demos:
//
//   const sim = await startCloudSigmaSimulator({ timeScale: 0.01, faults: "503=0.1x3" });
//   // sim.url = "http://127.0.0.1:PORT/api/2.0/", sim.credentials = { username, password, token }
//   ...
//   await sim.stop();   // kills every guest process group
//
// See engine.ts (the account, with a module per resource: servers.ts, drives.ts, tags.ts,
// subscriptions.ts, jobs.ts, billing.ts), http.ts (auth, errors, faults on requests, /_sim/ control
// endpoint), routes.ts and listing.ts (the API, paging, filters), nodes.ts (the guests' processes),
// faults.ts (fault specs).
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudSigmaEngine, type EngineOptions } from "./engine.ts";
import { type FaultSpec, parseFaultSpec } from "./faults.ts";
import { CloudSigmaHttp } from "./http.ts";

export { CloudSigmaEngine } from "./engine.ts";
export { type FaultSpec, FaultSpecError, parseFaultSpec } from "./faults.ts";
export { type LatencyModel, thesisLatency } from "./latency.ts";

export interface SimulatorOptions extends Omit<EngineOptions, "guestDir" | "faults"> {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** HTTP Basic user and password; default user sim@cloudburst.invalid with a random password. */
  username?: string | null;
  password?: string | null;
  /** Bearer token accepted besides Basic; default a random one. */
  token?: string | null;
  /** Fault spec: object, JSON text or the compact form (see faults.ts). */
  faults?: FaultSpec | string;
  /** Where guests keep their user data and console logs; default a new temporary directory. */
  guestDir?: string;
}

export interface RunningSimulator {
  /** API base URL, e.g. http://127.0.0.1:41234/api/2.0/ */
  url: string;
  /** The control endpoint, e.g. http://127.0.0.1:41234/_sim/ (same auth). */
  controlUrl: string;
  credentials: { username: string; password: string; token: string };
  /** The live simulated account (resources, faults, clock); see CloudSigmaEngine. */
  state: CloudSigmaEngine;
  /** A summary of servers, guests, drives, VLANs, balance and faults (as GET /_sim/state answers). */
  snapshot(): ReturnType<CloudSigmaHttp["state"]>;
  /**
   * The simulated VLAN (root only): its subnet and the host's address on it, where a data role on this
   * host listens for guests; null when guests share the host's network.
   */
  vlan: { subnet: string; hostAddress: string } | null;
  /** Where guests' traffic goes: the simulated VLAN, or the host's network and why (for summaries). */
  guestNetwork: string;
  /** Basic-auth header value for the simulator's credentials. */
  authorization: string;
  stop(): Promise<void>;
}

export async function startCloudSigmaSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const faults = typeof options.faults === "string" ? parseFaultSpec(options.faults) : options.faults;
  const { faults: _given, ...engineOptions } = options;
  const engine = new CloudSigmaEngine({
    ...engineOptions,
    guestDir: options.guestDir ?? mkdtempSync(join(tmpdir(), "cb-sim-cloudsigma-")),
    ...(faults ? { faults } : {}),
  });
  const credentials = {
    username: options.username ?? "sim@cloudburst.invalid",
    password: options.password ?? randomBytes(12).toString("base64url"),
    token: options.token ?? randomBytes(24).toString("base64url"),
  };
  const http = new CloudSigmaHttp(engine, credentials);
  const host = options.host ?? "127.0.0.1";
  let port: number;
  try {
    port = await http.listen(host, options.port ?? 0);
  } catch (error) {
    await engine.stop();
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new Error(`port ${options.port} on ${host} is in use: stop what uses it, or pass another --port`);
    throw error;
  }
  engine.start();
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const onExit = () => engine.killGuestsNow();
  process.on("exit", onExit);
  let stopping: Promise<void> | null = null;
  return {
    url: `${origin}/api/2.0/`,
    controlUrl: `${origin}/_sim/`,
    credentials,
    state: engine,
    snapshot: () => http.state(),
    vlan: engine.launcher?.network
      ? { subnet: engine.launcher.network.subnet, hostAddress: engine.launcher.network.hostAddress }
      : null,
    guestNetwork: engine.launcher?.networkNote ?? "guests run nothing (API-only simulation)",
    authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`,
    stop() {
      stopping ??= (async () => {
        process.off("exit", onExit);
        await http.close();
        await engine.stop();
      })();
      return stopping;
    },
  };
}
