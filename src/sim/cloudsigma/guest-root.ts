// A simulated guest's own root, so that what its user data writes stays in the guest as on a VM: the
// guest runs in a mount namespace of its own (unshare; a user namespace too when not root) where the
// host's /etc, /var, /opt, /root, /srv, /home and /usr/local are overlays, writable and private to it.
// write_files land in the overlays' upper directories (kept in the guest's directory, gone with it).
// Its network is guest-network.ts's: a namespace of its own on the simulated VLAN where the machine
// allows it, else the host's (where guests reach the host's loopback).
import { spawnSync } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { shellQuote, type WriteFile } from "./cloud-init.ts";

const privateDirs = ["/etc", "/var", "/opt", "/root", "/srv", "/home", "/usr/local"];

let isolation: string[] | null | undefined;

/** unshare's options for a private mount namespace here; null when this machine allows none. */
function namespaceOptions(): string[] | null {
  if (isolation !== undefined) return isolation;
  const tries = [
    ["--mount", "--propagation", "private"],
    ["--user", "--map-root-user", "--mount", "--propagation", "private"],
  ];
  isolation =
    tries.find((options) => spawnSync("unshare", [...options, "true"], { stdio: "ignore" }).status === 0) ??
    null;
  return isolation;
}

export class GuestRoot {
  readonly #overlays: Array<{ dir: string; upper: string; work: string }>;

  /** `guestDir`: the guest's own directory on the host, which must stay visible inside the guest. */
  constructor(guestDir: string) {
    const own = realpathSync(guestDir);
    this.#overlays = privateDirs
      .filter((dir) => existsSync(dir) && !`${own}/`.startsWith(`${realpathSync(dir)}/`))
      .map((dir) => {
        const base = join(guestDir, "root", dir.slice(1).replaceAll("/", "_"));
        const overlay = { dir, upper: join(base, "upper"), work: join(base, "work") };
        mkdirSync(overlay.upper, { recursive: true });
        mkdirSync(overlay.work, { recursive: true });
        return overlay;
      });
  }

  /** Writes a file where the guest sees it at `file.path`; throws for a path outside its private dirs. */
  write(file: WriteFile): void {
    const overlay = this.#overlays.find((o) => file.path.startsWith(`${o.dir}/`));
    if (!overlay)
      throw new Error(
        `write_files: ${file.path} is outside what a simulated guest may write (${this.#overlays.map((o) => o.dir).join(", ")})`,
      );
    const target = join(overlay.upper, file.path.slice(overlay.dir.length));
    mkdirSync(dirname(target), { recursive: true });
    if (file.append) appendFileSync(target, file.content);
    else writeFileSync(target, file.content);
    chmodSync(target, file.mode);
  }

  /** The command line that runs `file args` inside the guest's root; throws when none can be made. */
  command(file: string, args: readonly string[]): { file: string; args: string[] } {
    const options = namespaceOptions();
    if (!options)
      throw new Error(
        "this machine allows no private mount namespace (unshare --mount, or --user --map-root-user), so a simulated guest cannot have a root of its own: run the simulator as root or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)",
      );
    const mounts = this.#overlays.map(
      (o) =>
        `mount -t overlay overlay -o ${shellQuote(`lowerdir=${o.dir},upperdir=${o.upper},workdir=${o.work}`)} ${o.dir}`,
    );
    return {
      file: "unshare",
      args: [...options, "--", "/bin/sh", "-ec", `${mounts.join("\n")}\nexec "$0" "$@"`, file, ...args],
    };
  }
}
