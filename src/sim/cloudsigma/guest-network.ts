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
// next one; unless that one is its successor on the same state file, which takes the VLAN over and
// renames it after itself (a cloud's network outlives its API's process). Everything is made and removed with synchronous `ip` calls: a simulator's exit handler
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
  // Guests' veths first, then the bridges they hung on.
  const links = linkNames()
    .filter(dead)
    .sort((a, b) => (a.startsWith("cbv") ? 1 : 0) - (b.startsWith("cbv") ? 1 : 0));
  for (const link of links) ipQuietly(["link", "delete", link]);
}

/**
 * A bridge of this process's (cbv + its pid + 2 random characters) and a /24 of 198.18.0.0/15 that no
 * interface or route of this host uses yet (other simulators' bridges).
 */
function newBridge(preferred: string | null): { id: string; base: string } {
  const pid = ownPid();
  const taken = ip(["-4", "-o", "address", "show"]) + ip(["-4", "route", "show"]);
  for (let attempt = 0; attempt < 50; attempt++) {
    const k = randomInt(512);
    const base = attempt === 0 && preferred ? preferred : `198.${18 + Math.floor(k / 256)}.${k % 256}`;
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

/** A VLAN's bridge, as saved with the account so that a successor takes it over. */
export interface VlanIdentity {
  /** The names' infix: the simulator's pid (base 36) and 2 random characters. */
  id: string;
  /** The /24's first three octets, e.g. 198.18.37. */
  base: string;
}

/** The 5 characters of this process's pid in the names. */
function ownPid(): string {
  return process.pid.toString(36).padStart(5, "0").slice(-5);
}

function rename(from: string, to: string): void {
  ip(["link", "set", "dev", from, "down"]);
  ip(["link", "set", "dev", from, "name", to]);
  ip(["link", "set", "dev", to, "up"]);
}

/**
 * The VLAN a killed simulator left (a real cloud's network outlives its API): its bridge and its
 * guests' veths renamed after this process, so that no simulator takes them for a dead one's; null
 * when it is gone or its owner still runs. Gone: stopped cleanly, or removed as stale by another
 * simulator on this host while none owned it (then the new bridge gets its subnet again, so that the
 * configuration's addresses hold; the guests it had lost their link). The guests'
 * namespaces keep going with their processes; their old names are removed as stale (a name only).
 */
function takeOver(previous: VlanIdentity): { id: string; base: string; guests: string[] } | null {
  const owner = Number.parseInt(previous.id.slice(0, 5), 36);
  const bridge = `cbv${previous.id}`;
  if (alive(owner) || spawnSync("ip", ["link", "show", "dev", bridge], { stdio: "ignore" }).status !== 0)
    return null;
  const id = `${ownPid()}${previous.id.slice(5)}`;
  const guests: string[] = [];
  for (const link of linkNames().filter((name) => name.startsWith(`cbh${previous.id}`))) {
    const suffix = `${id}${link.slice(3 + previous.id.length)}`;
    rename(link, `cbh${suffix}`);
    guests.push(suffix);
  }
  rename(bridge, `cbv${id}`);
  return { id, base: previous.base, guests };
}

/** The names of this host's links ("7: cbh0abcd12001@if6: <...>" gives cbh0abcd12001). */
function linkNames(): string[] {
  return ip(["-o", "link", "show"])
    .split("\n")
    .map((line) => line.split(": ")[1]?.split("@")[0] ?? "");
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

  /**
   * The simulator's VLAN (the one a killed predecessor left, `previous`, when it is still there); or,
   * when this machine cannot make one, why not.
   */
  static open(previous: VlanIdentity | null = null): GuestNetwork | string {
    const reason = unavailable();
    if (reason) return reason;
    try {
      const taken = previous ? takeOver(previous) : null;
      removeStale();
      return new GuestNetwork(taken, previous?.base ?? null);
    } catch (error) {
      return (error as Error).message;
    }
  }

  private constructor(
    taken: { id: string; base: string; guests: string[] } | null,
    preferred: string | null,
  ) {
    ({ id: this.#id, base: this.#base } = taken ?? newBridge(preferred));
    this.#bridge = `cbv${this.#id}`;
    this.subnet = `${this.#base}.0/24`;
    this.hostAddress = `${this.#base}.1`;
    if (taken) {
      for (const suffix of taken.guests) this.#guests.add(suffix);
      this.#next = Math.max(0, ...taken.guests.map((s) => Number.parseInt(s.slice(this.#id.length), 36) + 1));
      return;
    }
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

  /** What a successor needs to take this VLAN over after a kill (saved with the account). */
  get identity(): VlanIdentity {
    return { id: this.#id, base: this.#base };
  }

  /** The name a guest's namespace `name` (a predecessor's) goes by now, null if its veth was not taken over. */
  adopted(name: string): string | null {
    const suffix = `${this.#id}${name.slice(3 + this.#id.length)}`;
    return this.#guests.has(suffix) ? `cbn${suffix}` : null;
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
