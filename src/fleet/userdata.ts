// What a new node is told at boot. The data server: where the control role is and a token of its
// cycle, with which it takes the data role's settings (app/data-server.ts). A compute node: where its work is (the data role's URL on the
// private network and the certificate fingerprint it pins) and a token of its own that ends with its
// cycle, written to /etc/cloudburst/worker.env (mode 0600) for the golden image's cloudburst-worker
// unit; never a database URL or a password. A local worker process gets the same, as its environment.
// A node on the private network also gets its static address there, as a netplan file for its VLAN NIC
// (CloudSigma's VLANs have no DHCP: a guest configures its second NIC itself).
import type { VlanAddress } from "./vlan.ts";

/** Where nodes find work: the data role's URL and the SHA-256 fingerprint of its certificate. */
export interface WorkerAccess {
  serverUrl: string;
  /** Null when the server has no TLS (a single machine, loopback only). */
  fingerprint: string | null;
}

export interface WorkerLaunch extends WorkerAccess {
  /** The node's own token: the worker protocol only, for its cycle, until the cycle ends. */
  token: string;
  nodeName: string;
  environment: string;
  cycle: string;
  /** Its address on the private network (fleet.vlan); absent without one. */
  vlan?: VlanAddress | null | undefined;
}

/** The netplan file of a node's VLAN NIC (written by cloud-init, applied before the worker starts). */
export const vlanNetplanFile = "/etc/netplan/60-cloudburst-vlan.yaml";

/** The file a compute node's worker unit reads its server from (see deploy/ansible). */
export const workerEnvFile = "/etc/cloudburst/worker.env";

/** The worker's environment: what `cloudburst worker` reads when given no --server. */
export function workerEnvironment(
  launch: WorkerLaunch,
  args: readonly string[] = [],
): Record<string, string> {
  return {
    CLOUDBURST_SERVER_URL: launch.serverUrl,
    CLOUDBURST_WORKER_TOKEN: launch.token,
    ...(launch.fingerprint ? { CLOUDBURST_SERVER_FINGERPRINT: launch.fingerprint } : {}),
    CLOUDBURST_NODE_NAME: launch.nodeName,
    CLOUDBURST_ENVIRONMENT: launch.environment,
    CLOUDBURST_CYCLE: launch.cycle,
    ...(args.length ? { CLOUDBURST_WORKER_ARGS: args.join(" ") } : {}),
  };
}

/** The worker's command-line arguments (after `cloudburst worker`), from the fleet.workerArgs template. */
export function workerArguments(
  launch: Pick<WorkerLaunch, "serverUrl" | "nodeName" | "environment" | "cycle">,
  template: readonly string[] = [],
): string[] {
  const values: Record<string, string> = {
    serverUrl: launch.serverUrl,
    nodeName: launch.nodeName,
    environment: launch.environment,
    cycle: launch.cycle,
  };
  return template.map((arg) =>
    arg.replace(/\{(serverUrl|nodeName|environment|cycle)\}/g, (_, key: string) => values[key]!),
  );
}

/**
 * Cloud-init user data of a compute node: its hostname, SSH keys only, the worker's environment file,
 * the server's release installed when the golden image holds another (`cloudburst upgrade`), and the
 * worker unit of the golden image restarted with it. Where systemd is absent (a container, the
 * simulator's guests) the worker runs in the foreground from the same file.
 */
export function cloudInitUserData(
  launch: WorkerLaunch,
  sshKeys: readonly string[] = [],
  template: readonly string[] = [],
): string {
  const args = workerArguments(launch, template);
  return cloudConfig({
    hostname: launch.nodeName,
    sshKeys,
    envFile: workerEnvFile,
    env: workerEnvironment(launch, args),
    vlan: launch.vlan,
    upgrade: `set -a; . ${workerEnvFile}; set +a; cloudburst upgrade`,
    unit: "cloudburst-worker.service",
    foreground: `cloudburst worker ${args.map(shellQuote).join(" ")}`,
  });
}

/** The control role's URL as the data server reaches it (fleet.controlUrl), and its certificate's fingerprint. */
export interface ControlAddress {
  controlUrl: string;
  fingerprint: string | null;
}

/** What the data server is told at boot: where the control role is, and a token of its cycle. */
export interface DataServerLaunch extends ControlAddress {
  /** The data server's token: its settings and the release bundle only, for its cycle, until it ends. */
  token: string;
  nodeName: string;
  /** The data role's address on the private network (fleet.vlan.dataAddress); absent without one. */
  vlan?: VlanAddress | null | undefined;
}

/** The file the data server's unit reads the control role's address and its token from. */
export const dataEnvFile = "/etc/cloudburst/data.env";

/**
 * Cloud-init user data of the data server: the control role's address and the data server's token
 * (data.env, mode 0600), never a database URL or a password: the data role takes its settings from the
 * control role at start (`cloudburst server --roles data`), after installing the control role's release
 * when its image holds another.
 */
export function dataServerUserData(launch: DataServerLaunch, sshKeys: readonly string[] = []): string {
  const env = {
    CLOUDBURST_CONTROL_URL: launch.controlUrl,
    ...(launch.fingerprint ? { CLOUDBURST_CONTROL_FINGERPRINT: launch.fingerprint } : {}),
    CLOUDBURST_DATA_TOKEN: launch.token,
  };
  // `cloudburst upgrade` asks the control role for its release, with the data server's token.
  const upgradeEnv = [
    "CLOUDBURST_SERVER_URL=$CLOUDBURST_CONTROL_URL",
    "CLOUDBURST_WORKER_TOKEN=$CLOUDBURST_DATA_TOKEN",
    ...(launch.fingerprint ? ["CLOUDBURST_SERVER_FINGERPRINT=$CLOUDBURST_CONTROL_FINGERPRINT"] : []),
  ];
  return cloudConfig({
    hostname: launch.nodeName,
    sshKeys,
    envFile: dataEnvFile,
    env,
    vlan: launch.vlan,
    upgrade: `set -a; . ${dataEnvFile}; set +a; ${upgradeEnv.join(" ")} cloudburst upgrade`,
    unit: "cloudburst-data.service",
    foreground: "cloudburst server --roles data",
  });
}

/** A node's cloud-config: one environment file, its VLAN address, the release, then its role's unit. */
function cloudConfig(node: {
  hostname: string;
  sshKeys: readonly string[];
  envFile: string;
  env: Record<string, string>;
  vlan: VlanAddress | null | undefined;
  upgrade: string;
  unit: string;
  foreground: string;
}): string {
  const lines = [
    "#cloud-config",
    `hostname: ${node.hostname}`,
    "ssh_pwauth: false",
    "disable_root: true",
    ...(node.sshKeys.length
      ? ["ssh_authorized_keys:", ...node.sshKeys.map((k) => `  - ${JSON.stringify(k)}`)]
      : []),
    "write_files:",
    `  - path: ${node.envFile}`,
    "    permissions: '0600'",
    "    content: |",
    ...Object.entries(node.env).map(([key, value]) => `      ${key}=${shellQuote(value)}`),
    ...(node.vlan ? vlanFile(node.vlan) : []),
    "runcmd:",
    // The VLAN address first: the server is reached on the private network.
    ...(node.vlan ? [`  - ${JSON.stringify(vlanCommand(node.vlan))}`] : []),
    // A golden image older than the server's release takes the server's first (it would be refused).
    `  - ${JSON.stringify(`${node.upgrade} || echo "cloudburst upgrade failed: this image's release starts" >&2`)}`,
    `  - ${JSON.stringify(
      `systemctl restart ${node.unit} || { set -a; . ${node.envFile}; set +a; exec ${node.foreground}; }`,
    )}`,
    "",
  ];
  return lines.join("\n");
}

function vlanFile(vlan: VlanAddress): string[] {
  return [
    `  - path: ${vlanNetplanFile}`,
    "    permissions: '0600'",
    "    content: |",
    "      network:",
    "        version: 2",
    "        ethernets:",
    `          ${vlan.interface}:`,
    "            dhcp4: false",
    `            addresses: [${vlan.address}/${vlan.prefix}]`,
  ];
}

/** Applies the VLAN address: netplan where the image has it, else the address set on the NIC directly. */
function vlanCommand(vlan: VlanAddress): string {
  const nic = shellQuote(vlan.interface);
  return `netplan apply || { ip address replace ${vlan.address}/${vlan.prefix} dev ${nic} && ip link set ${nic} up; }`;
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}
