// A real OpenSSH server for tests: /usr/sbin/sshd as its own process on 127.0.0.1 and a free port,
// with a host key and a client key generated for the run, key authentication for the current user
// and OpenSSH's internal-sftp. Stopped (and restartable on the same port) by the test.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "../../src/system/processes.ts";
import { tempDir } from "./cli.ts";
import { stopProcess, waitForPort } from "./servers.ts";

export const sshdPath = "/usr/sbin/sshd";

export interface Sshd {
  /** The directory of its configuration and keys (the caller removes it when done). */
  dir: string;
  port: number;
  user: string;
  /** The host key's fingerprint as `ssh-keygen -l -E sha256` prints it. */
  hostKeyFingerprint: string;
  /** A known_hosts line for [127.0.0.1]:port. */
  knownHostsLine: string;
  /** A private key the server accepts for `user`. */
  clientKeyPath: string;
  /** The running sshd's process id, or null. */
  readonly pid: number | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function keygen(path: string): void {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "cloudburst-test", "-f", path]);
}

export interface SshdOptions {
  /** Wraps sshd's command line, e.g. to start it in namespaces of its own. */
  wrap?: (argv: string[]) => string[];
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  const dir = tempDir("cb-sshd-");
  const user = userInfo().username;
  keygen(join(dir, "host_key"));
  keygen(join(dir, "client_key"));
  writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client_key.pub")));
  // sshd insists on its privilege separation directory even when it does not use it.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const port = await freePort();
  writeFileSync(
    join(dir, "sshd_config"),
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${join(dir, "host_key")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      `AllowUsers ${user}`,
      "UsePAM no",
      "StrictModes no",
      "PubkeyAuthentication yes",
      "PasswordAuthentication yes",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "Subsystem sftp internal-sftp",
      "LogLevel ERROR",
      "",
    ].join("\n"),
  );
  const fingerprintLine = execFileSync(
    "ssh-keygen",
    ["-l", "-E", "sha256", "-f", join(dir, "host_key.pub")],
    {
      encoding: "utf8",
    },
  );
  const hostKeyFingerprint = fingerprintLine.split(" ")[1]!;
  const [type, key] = readFileSync(join(dir, "host_key.pub"), "utf8").split(" ");
  let child: ChildProcess | null = null;
  const sshd: Sshd = {
    dir,
    port,
    user,
    hostKeyFingerprint,
    knownHostsLine: `[127.0.0.1]:${port} ${type} ${key}\n`,
    clientKeyPath: join(dir, "client_key"),
    get pid() {
      return child?.pid ?? null;
    },
    async start() {
      const argv = [sshdPath, "-f", join(dir, "sshd_config"), "-D", "-e"];
      const [command, ...args] = options.wrap ? options.wrap(argv) : argv;
      child = spawn(command!, args, { stdio: ["ignore", "ignore", "pipe"] });
      await waitForPort(port, child, "sshd");
    },
    async stop() {
      if (child) await stopProcess(child, "SIGTERM");
      child = null;
    },
  };
  await sshd.start();
  return sshd;
}
