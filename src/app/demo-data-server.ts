// The demo's data server on the simulated cloud: a CloudSigma server that the fleet starts for the cycle
// with user data naming only the control role's URL and a token of the cycle; its guest (a root and an
// environment of its own) takes the data role's settings from the demo's control role, as a real data
// server does. On the simulated VLAN (root) the guest reaches this host only at its VLAN address: the
// demo's two PostgreSQL clusters are relayed there, as the on-premise side's VPN gateway would route them.
import { randomBytes } from "node:crypto";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { waitForDataRole } from "../cycle/data-role.ts";
import type { RunningSimulator } from "../sim/cloudsigma/index.ts";
import { freePort } from "../system/processes.ts";
import type { RunningServer } from "./server.ts";

export const demoDataServerName = "cloudburst-data";

/** Where the demo's control and data roles listen, and how the data server reaches the databases. */
export interface DemoDataServer {
  /** The control role's URL as the data server reaches it (fleet.controlUrl). */
  controlUrl: string;
  controlPort: number;
  /** The data role's address: its own VLAN address, or loopback where guests share this host's network. */
  dataHost: string;
  /** The data role's URL, as nodes are given it (fleet.workerServerUrl). */
  dataUrl: string;
  /** This host's address the control role also listens at (the VLAN's), if any. */
  alsoOn: string[];
  /** Relays the databases to where the data server reaches them: their URLs as it uses them. */
  reach(urls: { database: string; destinationCatalogue: string }): Promise<{
    databaseUrl: string;
    destinationCatalogueUrl: string;
  }>;
  close(): Promise<void>;
}

/** The data server as an operator made it once on the account, and the addresses the demo gives it. */
export async function planDemoDataServer(cloud: RunningSimulator, port?: number): Promise<DemoDataServer> {
  cloud.state.servers.create([
    { name: demoDataServerName, cpu: 2000, mem: 4 * 2 ** 30, vnc_password: randomBytes(6).toString("hex") },
  ]);
  const vlan = cloud.vlan;
  const controlHost = vlan ? vlan.hostAddress : "127.0.0.1";
  const dataHost = vlan ? `${vlan.subnet.slice(0, vlan.subnet.lastIndexOf("."))}.2` : "127.0.0.1";
  const [controlPort, dataPort] = [port || (await freePort()), await freePort()];
  const relays: Server[] = [];
  const relayed = async (url: string) => {
    if (!vlan) return url;
    const target = new URL(url);
    const { server, port } = await relay(controlHost, target.hostname, Number(target.port));
    relays.push(server);
    target.hostname = controlHost;
    target.port = String(port);
    return target.toString();
  };
  return {
    controlUrl: `http://${controlHost}:${controlPort}`,
    controlPort,
    dataHost,
    dataUrl: `http://${dataHost}:${dataPort}`,
    alsoOn: vlan ? [vlan.hostAddress] : [],
    reach: async (urls) => ({
      databaseUrl: await relayed(urls.database),
      destinationCatalogueUrl: await relayed(urls.destinationCatalogue),
    }),
    close: async () => {
      await Promise.all(relays.map((r) => new Promise((done) => r.close(done))));
    },
  };
}

/** A TCP relay at host:(a free port) to targetHost:targetPort, closing its connections with it. */
async function relay(
  host: string,
  targetHost: string,
  targetPort: number,
): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: targetHost, port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const close = server.close.bind(server);
  server.close = (callback) => {
    for (const s of sockets) s.destroy();
    return close(callback);
  };
  return { server, port };
}

/**
 * Starts the data server for the cycle `key` and waits for its data role, as the cycle's first task
 * would shortly before the data is due; a data server that is not ready in time is an error with what
 * its console says.
 */
export async function bringUpDataServer(
  server: RunningServer,
  cloud: RunningSimulator,
  plan: DemoDataServer,
  key: string,
  signal?: AbortSignal,
): Promise<void> {
  const fleet = server.fleet;
  if (!fleet) throw new Error("the demo's control role runs no fleet: the data server cannot be started");
  // Planned with no compute: the cycle's own `cycle.fleet up` plans its nodes when it begins.
  await fleet.store.planCycle(fleet.config.fleet.environment, key, new Date(Date.now() + 60_000), 0);
  const wait = AbortSignal.any([AbortSignal.timeout(180_000), ...(signal ? [signal] : [])]);
  const said: string[] = [];
  try {
    for (;;) {
      await fleet.controller.reconcile();
      if (guestOf(cloud)) break;
      await sleep(200, undefined, { signal: wait });
    }
    await waitForDataRole(
      { serverUrl: plan.dataUrl, fingerprint: null },
      {
        signal: wait,
        log: (line) => said.push(line),
        pollMs: 200,
      },
    );
  } catch (error) {
    if (signal?.aborted) throw error;
    const guest = guestOf(cloud);
    throw new Error(
      `the simulated data server did not serve the data role in time (${said.at(-1) ?? (error as Error).message})${guest ? `; its console is ${guest.log}` : ""}`,
    );
  }
}

function guestOf(cloud: RunningSimulator) {
  const server = cloud.state.servers.list().find((s) => s.name === demoDataServerName);
  return server ? cloud.state.launcher?.get(server.uuid) : undefined;
}

/** What the demo's summary says of where the data role ran. */
export function dataServerPlace(plan: DemoDataServer, guestNetwork: string): string {
  return `the simulated CloudSigma data server ${demoDataServerName} at ${plan.dataUrl}: a process tree with a root and an environment of its own, started by the fleet with user data holding only the control role's URL and a token of the cycle, with which it took the data role's settings; ${guestNetwork}`;
}
