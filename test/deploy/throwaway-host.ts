// A throwaway Linux host for the Ansible playbook: a real sshd on 127.0.0.1 in a mount namespace of its
// own, where /etc, /opt, /usr/local and /var/lib are overlays whose changes land in a temporary
// directory and /root is an empty tmpfs (a fresh host's root, without this machine's shell profile).
// The playbook runs there exactly as on a real host (users, /etc/systemd/system, /opt) while this
// machine is left untouched; the kernel, not a convention, keeps it so. close() ends every process of
// the namespace and removes every file.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ansibleSettings, closeSshMasters } from "../../src/fleet/golden-image.ts";
import { tempDir } from "../helpers/cli.ts";
import { type Sshd, startSshd } from "../helpers/sshd.ts";

const overlaid = ["/etc", "/opt", "/usr/local", "/var/lib"];

export interface ThrowawayHost {
  sshd: Sshd;
  /** Holds the overlays' changes, the known_hosts file and Ansible's settings. */
  dir: string;
  /** Environment for ansible and ansible-playbook run against this host from this machine. */
  ansibleEnv: NodeJS.ProcessEnv;
  knownHostsFile: string;
  /** Inventory variables that reach the host. */
  connection: Record<string, string | number>;
  /** Runs a command inside the host (its mount namespace) and returns its result. */
  run(argv: string[], env?: NodeJS.ProcessEnv): { code: number; stdout: string; stderr: string };
  /** Ends the host's SSH connections and processes, removes its files; returns the processes it had to kill. */
  close(): Promise<number>;
}

/** The shell script that makes the host's filesystem view, then becomes sshd ("$@"). */
function mountScript(dir: string): string {
  const lines = ["set -e"];
  for (const path of overlaid) {
    const upper = join(dir, "upper", path);
    const work = join(dir, "work", path);
    mkdirSync(upper, { recursive: true });
    mkdirSync(work, { recursive: true });
    lines.push(`mount -t overlay overlay -o lowerdir=${path},upperdir=${upper},workdir=${work} ${path}`);
  }
  lines.push("mount -t tmpfs -o mode=0700 tmpfs /root", 'exec "$@"');
  return lines.join("\n");
}

/** Processes whose mount namespace is `namespace` (as /proc/PID/ns/mnt reads). */
function processesIn(namespace: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/mnt`) === namespace;
      } catch {
        return false;
      }
    })
    .map(Number);
}

export async function startThrowawayHost(): Promise<ThrowawayHost> {
  const dir = tempDir("cb-host-");
  const script = mountScript(dir);
  const sshd = await startSshd({
    wrap: (argv) => [
      "unshare",
      "--mount",
      "--propagation",
      "private",
      "/bin/sh",
      "-c",
      script,
      "sh",
      ...argv,
    ],
  });
  const namespace = readlinkSync(`/proc/${sshd.pid}/ns/mnt`);
  const knownHostsFile = join(dir, "known_hosts");
  writeFileSync(knownHostsFile, sshd.knownHostsLine);
  const ansibleDir = join(dir, "ansible");
  mkdirSync(join(ansibleDir, "cp"), { recursive: true });
  writeFileSync(join(ansibleDir, "ansible.cfg"), ansibleSettings(ansibleDir, knownHostsFile));
  const pid = sshd.pid!;
  let closed = false;
  return {
    sshd,
    dir,
    knownHostsFile,
    ansibleEnv: { ANSIBLE_CONFIG: join(ansibleDir, "ansible.cfg"), ANSIBLE_NOCOLOR: "1" },
    connection: {
      ansible_host: "127.0.0.1",
      ansible_port: sshd.port,
      ansible_user: sshd.user,
      ansible_ssh_private_key_file: sshd.clientKeyPath,
      ansible_python_interpreter: "/usr/bin/python3",
    },
    run(argv, env) {
      const result = spawnSync("nsenter", ["-t", String(pid), "-m", "--", ...argv], {
        encoding: "utf8",
        env: env ?? { PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" },
      });
      return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
    },
    async close() {
      if (closed) return 0;
      closed = true;
      closeSshMasters(ansibleDir);
      await sshd.stop();
      const left = processesIn(namespace);
      for (const other of left) process.kill(other, "SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      rmSync(sshd.dir, { recursive: true, force: true });
      return left.length;
    },
  };
}

/** `stat` of paths inside the host: "mode owner:group" per path. */
export function modes(host: ThrowawayHost, paths: string[]): Record<string, string> {
  const { stdout } = host.run(["stat", "-c", "%n %a %U:%G", ...paths]);
  return Object.fromEntries(
    stdout
      .trim()
      .split("\n")
      .map((line) => {
        const [path, mode, owner] = line.split(" ");
        return [path!, `${mode} ${owner}`];
      }),
  );
}

/** A file's text inside the host. */
export function hostFile(host: ThrowawayHost, path: string): string {
  const { code, stdout, stderr } = host.run(["cat", path]);
  if (code !== 0) throw new Error(`cat ${path} in the throwaway host: ${stderr}`);
  return stdout;
}
