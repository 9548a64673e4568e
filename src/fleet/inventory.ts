// Ansible's dynamic-inventory protocol (`--list`, `--host NAME`), grouped like the thesis's hosts:
// the data server and the compute nodes, so existing playbooks run against the live fleet. With a
// private network (fleet.vlan) each host also offers its VLAN address (cloudburst_vlan_address): the
// data server's is configured, a compute node's is the one its row holds.
import type { FleetConfig } from "./config.ts";
import { type FleetNode, tagKeys } from "./provider.ts";

export interface Inventory {
  _meta: { hostvars: Record<string, Record<string, string>> };
  all: { children: string[] };
  [group: string]: unknown;
}

function hostVars(
  node: FleetNode,
  config: FleetConfig,
  role: string,
  vlanAddress: string | undefined,
): Record<string, string> {
  const local = node.provider === "local";
  return {
    ...(node.addresses[0] ? { ansible_host: node.addresses[0] } : {}),
    ...(local ? { ansible_connection: "local" } : {}),
    ...(config.inventory.ansibleUser ? { ansible_user: config.inventory.ansibleUser } : {}),
    cloudburst_id: node.id,
    cloudburst_provider: node.provider,
    cloudburst_state: node.state,
    cloudburst_role: role,
    cloudburst_environment: node.tags[tagKeys.environment] ?? config.environment,
    ...(node.tags[tagKeys.cycle] ? { cloudburst_cycle: node.tags[tagKeys.cycle] } : {}),
    ...(vlanAddress ? { cloudburst_vlan_address: vlanAddress } : {}),
  };
}

/**
 * The `--list` answer: every group with its hosts, and all host variables under _meta. `vlanAddresses`:
 * the compute nodes' addresses on the private network, by node name (their rows').
 */
export function buildInventory(
  nodes: readonly FleetNode[],
  config: FleetConfig,
  dataServer: FleetNode | null,
  vlanAddresses: ReadonlyMap<string, string> = new Map(),
): Inventory {
  const { dataGroup, computeGroup } = config.inventory;
  const hostvars: Record<string, Record<string, string>> = {};
  const compute: string[] = [];
  for (const node of nodes) {
    if (dataServer && node.id === dataServer.id) continue;
    hostvars[node.name] = hostVars(node, config, "compute", vlanAddresses.get(node.name));
    compute.push(node.name);
  }
  const data: string[] = [];
  if (dataServer) {
    hostvars[dataServer.name] = hostVars(dataServer, config, "data", config.vlan?.dataAddress);
    data.push(dataServer.name);
  } else if (config.provider === "local") {
    // With local nodes, the data server is this machine.
    hostvars["localhost"] = {
      ansible_connection: "local",
      cloudburst_role: "data",
      cloudburst_environment: config.environment,
      ...(config.vlan ? { cloudburst_vlan_address: config.vlan.dataAddress } : {}),
    };
    data.push("localhost");
  }
  return {
    _meta: { hostvars },
    all: { children: [dataGroup, computeGroup, "ungrouped"] },
    [dataGroup]: { hosts: data },
    [computeGroup]: { hosts: compute.sort() },
  };
}

/** The `--host NAME` answer: that host's variables, {} for a host we do not know. */
export function hostInventory(inventory: Inventory, name: string): Record<string, string> {
  return inventory._meta.hostvars[name] ?? {};
}
