// The private network (CloudSigma's VLAN, the thesis's data network): each compute node gets a
// static address from a configured range, kept with its node row so that it is freed when the node is
// gone and never given to two live nodes; the data role has an address of its own on it, and every URL
// a node is given names that address, so the nodes' data traffic never leaves the VLAN.
import { z } from "zod";

/** An IPv4 address as a number (IPv4 only: CloudSigma's VLANs, and the simulator's bridge, are IPv4). */
export function ipv4ToNumber(address: string): number | null {
  const parts = address.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255))
    return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** A CIDR subnet's network and prefix length; null when `text` is not an IPv4 CIDR. */
export function parseSubnet(text: string): { network: number; prefix: number } | null {
  const [address, bits, extra] = text.split("/");
  const start = ipv4ToNumber(address ?? "");
  const prefix = /^\d{1,2}$/.test(bits ?? "") ? Number(bits) : -1;
  if (start === null || extra !== undefined || prefix < 8 || prefix > 30) return null;
  const size = 2 ** (32 - prefix);
  return start % size === 0 ? { network: start, prefix } : null;
}

function inSubnet(n: number, subnet: { network: number; prefix: number }): boolean {
  const size = 2 ** (32 - subnet.prefix);
  // Neither the network's own address nor its broadcast address is a host's.
  return n > subnet.network && n < subnet.network + size - 1;
}

const ipv4 = z.string().refine((s) => ipv4ToNumber(s) !== null, "an IPv4 address like 10.10.0.1");

/** `fleet.vlan`: the VLAN's subnet, the data role's address on it and the range nodes take theirs from. */
export const vlanConfigSchema = z
  .strictObject({
    /** The VLAN's subnet in CIDR form, e.g. 10.10.0.0/24 (prefix /8 to /30). */
    subnet: z.string().refine((s) => parseSubnet(s) !== null, "an IPv4 subnet like 10.10.0.0/24, /8 to /30"),
    /** The data role's address on the VLAN: the host of every URL a node is given. */
    dataAddress: ipv4,
    /** The first and last address nodes are given; default the whole subnet but the data role's. */
    nodeRange: z.strictObject({ first: ipv4, last: ipv4 }).optional(),
    /** The node's network interface on the VLAN (CloudSigma's second NIC). */
    interface: z
      .string()
      .regex(/^[a-z][a-z0-9]{0,14}$/, "an interface name like eth1 or ens4")
      .default("eth1"),
  })
  .superRefine((vlan, ctx) => {
    const subnet = parseSubnet(vlan.subnet);
    if (!subnet) return;
    const outside = (path: Array<string>, address: string) => {
      const n = ipv4ToNumber(address);
      if (n !== null && !inSubnet(n, subnet))
        ctx.addIssue({ code: "custom", path, message: `${address} is not a host address of ${vlan.subnet}` });
    };
    outside(["dataAddress"], vlan.dataAddress);
    if (!vlan.nodeRange) return;
    outside(["nodeRange", "first"], vlan.nodeRange.first);
    outside(["nodeRange", "last"], vlan.nodeRange.last);
    if (ipv4ToNumber(vlan.nodeRange.first)! > ipv4ToNumber(vlan.nodeRange.last)!)
      ctx.addIssue({ code: "custom", path: ["nodeRange"], message: "first comes after last" });
  });

export type VlanConfig = z.infer<typeof vlanConfigSchema>;

/** A node's address on the VLAN, with what its network configuration needs. */
export interface VlanAddress {
  address: string;
  prefix: number;
  interface: string;
}

/** The data role's own address on the VLAN, for the data server's network configuration. */
export function dataVlanAddress(vlan: VlanConfig): VlanAddress {
  return { address: vlan.dataAddress, prefix: parseSubnet(vlan.subnet)!.prefix, interface: vlan.interface };
}

/**
 * The lowest address of the node range that no live node holds (and that is not the data role's);
 * throws, saying how to make room, when every one is taken.
 */
/** A node's address on the VLAN as its netplan file wants it: with the subnet's prefix and the NIC. */
export function vlanAddressOf(vlan: VlanConfig, address: string): VlanAddress {
  return { address, prefix: parseSubnet(vlan.subnet)!.prefix, interface: vlan.interface };
}

export function pickVlanAddress(vlan: VlanConfig, taken: Iterable<string>): VlanAddress {
  const subnet = parseSubnet(vlan.subnet)!;
  const first = vlan.nodeRange ? ipv4ToNumber(vlan.nodeRange.first)! : subnet.network + 1;
  const last = vlan.nodeRange
    ? ipv4ToNumber(vlan.nodeRange.last)!
    : subnet.network + 2 ** (32 - subnet.prefix) - 2;
  const used = new Set([...taken, vlan.dataAddress].map((a) => ipv4ToNumber(a)));
  for (let n = first; n <= last; n++) if (!used.has(n)) return vlanAddressOf(vlan, numberToIpv4(n));
  throw new Error(
    `every address of the VLAN's node range ${numberToIpv4(first)}-${numberToIpv4(last)} is held by a live node: widen fleet.vlan.nodeRange (or fleet.vlan.subnet), or destroy nodes that are no longer needed (\`cloudburst fleet down\`)`,
  );
}

/** `url` with its host replaced by the data role's VLAN address (its scheme, port and path kept). */
export function vlanUrl(url: string, vlan: Pick<VlanConfig, "dataAddress"> | undefined): string {
  if (!vlan) return url;
  const parsed = new URL(url);
  // Rebuilt by hand: URL's toString would add a "/" to a bare origin, which the workers' URLs are.
  const rest = url.slice(url.toLowerCase().indexOf(parsed.host, parsed.protocol.length) + parsed.host.length);
  return `${parsed.protocol}//${vlan.dataAddress}${parsed.port ? `:${parsed.port}` : ""}${rest}`;
}
