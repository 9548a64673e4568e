// The simulated VLAN. Where the machine allows it (root, with iproute2's `ip` and util-linux's
// nsenter), a simulator has a bridge of its own standing for its private VLAN, the host's side of it
// with the first address of a /24 of 198.18.0.0/15 (RFC 2544's benchmarking range: never a real
// network), where a data role on this host listens. A guest whose user data gives its VLAN NIC an
// address runs in a network namespace of its own: a veth pair to the bridge, that address on the NIC
// its netplan file names, and its own loopback. So the kernel enforces that the guest reaches the
// data role only at its private address: the host's loopback, and any other network, are not there.
//
// Names carry the simulator's pid (cbv: bridge, cbh: a guest's veth on the host, cbg: its peer before
// it moves, cbn: its namespace), so that what a killed simulator left is found and removed by the
// next one. Everything is made and removed with synchronous `ip` calls: a simulator's exit handler
// can remove it all too.
import { spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";

/** The address a guest's user data gives its VLAN NIC (its netplan file). */
export interface GuestNic {
  interface: string;
  address: string;
  prefix: number;
}

const namePattern = /^cb[vhgn]([0-9a-z]{5})[0-9a-z]{2}/;

function ip(args: readonly string[]): string {
  const run = spawnSync("ip", args, { encoding: "utf8" });
  if (run.status !== 0)
    throw new Error(`ip ${args.join(" ")}: ${(run.stderr || run.error?.message || "failed").trim()}`);
  return run.stdout;
}

/** Runs `ip args`, ignoring its failure: for removing what may already be gone. */
function ipQuietly(args: readonly string[]): void {
  spawnSync("ip", args, { stdio: "ignore" });
}

/** Why this machine cannot give guests networks of their own; null when it can. */
function unavailable(): string | null {
  if (process.getuid?.() !== 0) return "the simulator does not run as root";
  for (const [tool, args] of [
    ["ip", ["-V"]],
    ["nsenter", ["--version"]],
  ] as const)
    if (spawnSync(tool, args, { stdio: "ignore" }).status !== 0) return `${tool} is not installed`;
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the namespaces and links of simulators that are no longer running. */
function removeStale(): void {
  const dead = (name: string) => {
    const pid = namePattern.exec(name)?.[1];
    return pid !== undefined && !alive(Number.parseInt(pid, 36));
  };
  for (const line of ip(["netns", "list"]).split("\n")) {
    const name = line.split(" ")[0] ?? "";
    if (dead(name)) ipQuietly(["netns", "delete", name]);
  }
  // "7: cbh0abcd12001@if6: <...>": guests' veths first, then the bridges they hung on.
  const links = ip(["-o", "link", "show"])
    .split("\n")
    .map((line) => line.split(": ")[1]?.split("@")[0] ?? "")
    .filter(dead)
    .sort((a, b) => (a.startsWith("cbv") ? 1 : 0) - (b.startsWith("cbv") ? 1 : 0));
  for (const link of links) ipQuietly(["link", "delete", link]);
}

/**
 * A bridge of this process's (cbv + its pid + 2 random characters) and a /24 of 198.18.0.0/15 that no
 * interface or route of this host uses yet (other simulators' bridges).
 */
function newBridge(): { id: string; base: string } {
  const pid = process.pid.toString(36).padStart(5, "0").slice(-5);
  const taken = ip(["-4", "-o", "address", "show"]) + ip(["-4", "route", "show"]);
  for (let attempt = 0; attempt < 50; attempt++) {
    const k = randomInt(512);
    const base = `198.${18 + Math.floor(k / 256)}.${k % 256}`;
    if (taken.includes(`${base}.`)) continue;
    const id = `${pid}${randomInt(36 * 36)
      .toString(36)
      .padStart(2, "0")}`;
    // Fails when another simulator of this process has that name: then try another.
    if (spawnSync("ip", ["link", "add", `cbv${id}`, "type", "bridge"], { stdio: "ignore" }).status === 0)
      return { id, base };
  }
  throw new Error(
    "no bridge could be made for the simulated VLAN (ip link add ... type bridge failed, or no /24 of 198.18.0.0/15 is free)",
  );
}

export class GuestNetwork {
  /** The VLAN's subnet, e.g. 198.18.37.0/24. */
  readonly subnet: string;
  /** The host's address on the VLAN (the bridge's): where a data role on this host is reached. */
  readonly hostAddress: string;
  readonly #base: string;
  readonly #bridge: string;
  readonly #id: string;
  readonly #guests = new Set<string>();
  #next = 0;
  #closed = false;

  /** The simulator's VLAN; or, when this machine cannot make one, why not. */
  static open(): GuestNetwork | string {
    const reason = unavailable();
    if (reason) return reason;
    try {
      removeStale();
      return new GuestNetwork();
    } catch (error) {
      return (error as Error).message;
    }
  }

  private constructor() {
    ({ id: this.#id, base: this.#base } = newBridge());
    this.#bridge = `cbv${this.#id}`;
    this.subnet = `${this.#base}.0/24`;
    this.hostAddress = `${this.#base}.1`;
    try {
      ip(["address", "add", `${this.hostAddress}/24`, "dev", this.#bridge]);
      ip(["link", "set", this.#bridge, "up"]);
    } catch (error) {
      ipQuietly(["link", "delete", this.#bridge]);
      throw error;
    }
  }

  /**
   * A namespace for a guest, with `nic` on the bridge and its loopback up; returns its name and the
   * command prefix that runs a program in it. Throws, having removed what it made, when it cannot.
   */
  attach(nic: GuestNic): { name: string; enter: string[] } {
    if (this.#closed) throw new Error("the simulator's VLAN is gone: the simulator has stopped");
    if (!nic.address.startsWith(`${this.#base}.`) || nic.prefix !== 24)
      throw new Error(
        `the VLAN address ${nic.address}/${nic.prefix} of the user data is not on the simulated VLAN ${this.subnet}: configure fleet.vlan with the simulator's subnet`,
      );
    const suffix = `${this.#id}${(this.#next++).toString(36).padStart(3, "0")}`;
    const name = `cbn${suffix}`;
    const [host, peer] = [`cbh${suffix}`, `cbg${suffix}`];
    this.#guests.add(suffix);
    try {
      ip(["netns", "add", name]);
      ip(["link", "add", host, "type", "veth", "peer", "name", peer]);
      ip(["link", "set", host, "master", this.#bridge, "up"]);
      ip(["link", "set", peer, "netns", name]);
      ip(["-n", name, "link", "set", peer, "name", nic.interface]);
      ip(["-n", name, "address", "add", `${nic.address}/${nic.prefix}`, "dev", nic.interface]);
      ip(["-n", name, "link", "set", nic.interface, "up"]);
      ip(["-n", name, "link", "set", "lo", "up"]);
    } catch (error) {
      this.detach(name);
      throw error;
    }
    return { name, enter: ["nsenter", `--net=/run/netns/${name}`, "--"] };
  }

  /** Removes a guest's veth pair and namespace (what still runs in it keeps no network). */
  detach(name: string): void {
    const suffix = name.slice(3);
    if (!this.#guests.delete(suffix)) return;
    ipQuietly(["link", "delete", `cbh${suffix}`]);
    ipQuietly(["netns", "delete", name]);
  }

  /** Removes every guest's namespace and veth, then the bridge. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const suffix of [...this.#guests]) this.detach(`cbn${suffix}`);
    ipQuietly(["link", "delete", this.#bridge]);
  }
}
