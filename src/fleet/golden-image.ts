// The golden image from the Ansible playbook (deploy/ansible): `fleet golden build HOST` installs the
// release (Node 24 inside) and the units of the image's roles on a running server over SSH, enabled
// but not started (cloudburst_start_services=false), so that each node cloned from it starts its
// worker at boot once its user data has written /etc/cloudburst/worker.env. The server is then
// stopped and made the golden image with `fleet golden update`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const packageRoot = resolve(import.meta.dirname, "../..");
/** The playbook ships in the package (and so in every release bundle). */
export const playbookPath = join(packageRoot, "deploy/ansible/site.yml");

export const imageRoles = ["control", "data", "compute"] as const;
export type ImageRole = (typeof imageRoles)[number];

export interface GoldenBuildOptions {
  /** The server to prepare: its address (or name) and SSH login. */
  host: string;
  sshPort: number;
  sshUser: string;
  /** A private key for the login; else ssh's defaults (agent, ~/.ssh). */
  identityFile?: string;
  /** The OpenSSH known_hosts file that must hold the server's host key. */
  knownHostsFile: string;
  /** The release bundle (cloudburst-VERSION-linux-ARCH.tar.gz). */
  release: string;
  roles: readonly ImageRole[];
  /** Receives ansible-playbook's output as it runs. */
  output: NodeJS.WritableStream;
}

export interface GoldenBuildResult {
  host: string;
  release: string;
  roles: readonly ImageRole[];
  /** The play recap's counts for the host. */
  ok: number;
  changed: number;
}

/** A failure to build the image: what went wrong, and what to do. */
export class GoldenBuildError extends Error {
  override name = "GoldenBuildError";
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

/**
 * Ansible's settings for a run from this process: the host key checked against `knownHostsFile`, one
 * SSH connection per host shared by its tasks (closed by closeSshMasters), temporary files under `dir`.
 */
export function ansibleSettings(dir: string, knownHostsFile: string): string {
  return [
    "[defaults]",
    "host_key_checking = True",
    "retry_files_enabled = False",
    `local_tmp = ${join(dir, "local")}`,
    "[ssh_connection]",
    "pipelining = True",
    `control_path_dir = ${join(dir, "cp")}`,
    `ssh_args = -o ControlMaster=auto -o ControlPersist=120s -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${knownHostsFile}`,
    "",
  ].join("\n");
}

/** The one-host inventory of an image build. */
export function goldenInventory(options: Omit<GoldenBuildOptions, "output" | "knownHostsFile">): object {
  return {
    all: {
      hosts: {
        [options.host]: {
          ansible_host: options.host,
          ansible_port: options.sshPort,
          ansible_user: options.sshUser,
          ...(options.identityFile ? { ansible_ssh_private_key_file: resolve(options.identityFile) } : {}),
          ...(options.sshUser === "root" ? {} : { ansible_become: true }),
          cloudburst_roles: options.roles,
          cloudburst_release: resolve(options.release),
          cloudburst_start_services: false,
        },
      },
    },
  };
}

/** Ends the SSH connections that a run with ansibleSettings(dir) left open, at once. */
export function closeSshMasters(dir: string): void {
  const sockets = existsSync(join(dir, "cp")) ? readdirSync(join(dir, "cp")) : [];
  for (const socket of sockets) {
    spawnSync("ssh", ["-o", `ControlPath=${join(dir, "cp", socket)}`, "-O", "exit", "cloudburst"], {
      stdio: "ignore",
    });
  }
}

/** ok= and changed= of `host` in the PLAY RECAP. */
export function recapCounts(output: string, host: string): { ok: number; changed: number } | null {
  const line = output
    .split("\n")
    .find((l) => l.startsWith(`${host} `) && /\bok=\d+\s+changed=\d+/.test(l) && l.includes(" : "));
  const match = line?.match(/\bok=(\d+)\s+changed=(\d+)/);
  return match ? { ok: Number(match[1]), changed: Number(match[2]) } : null;
}

function runPlaybook(dir: string, output: NodeJS.WritableStream): Promise<{ code: number; text: string }> {
  return new Promise((done, fail) => {
    const child = spawn("ansible-playbook", ["-i", join(dir, "inventory.json"), playbookPath], {
      env: { ...process.env, ANSIBLE_CONFIG: join(dir, "ansible.cfg"), ANSIBLE_NOCOLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let text = "";
    const collect = (chunk: Buffer) => {
      text += chunk.toString();
      output.write(chunk);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", (error: NodeJS.ErrnoException) =>
      fail(
        error.code === "ENOENT"
          ? new GoldenBuildError(
              "ansible-playbook is not installed here",
              "install ansible-core (Debian: apt-get install ansible-core)",
            )
          : error,
      ),
    );
    child.on("close", (code) => done({ code: code ?? 1, text }));
  });
}

/** Runs the playbook against one server so that it can become the golden image. */
export async function buildGoldenImage(options: GoldenBuildOptions): Promise<GoldenBuildResult> {
  if (!existsSync(options.release)) {
    throw new GoldenBuildError(
      `no release bundle at ${options.release}`,
      "build one with `npm run release` in a cloudburst checkout, or pass --release FILE",
    );
  }
  if (!existsSync(options.knownHostsFile)) {
    throw new GoldenBuildError(
      `no known_hosts file at ${options.knownHostsFile}, so ${options.host}'s host key cannot be checked`,
      "add the server's host key (ssh-keyscan, checked against the server's console) or pass --known-hosts FILE",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "cb-golden-"));
  try {
    mkdirSync(join(dir, "cp"));
    writeFileSync(join(dir, "ansible.cfg"), ansibleSettings(dir, options.knownHostsFile));
    writeFileSync(join(dir, "inventory.json"), JSON.stringify(goldenInventory(options), null, 2));
    const { code, text } = await runPlaybook(dir, options.output).finally(() => closeSshMasters(dir));
    if (code !== 0) {
      throw new GoldenBuildError(
        `the playbook failed on ${options.host} (ansible-playbook exited ${code})`,
        text.includes("Host key verification failed")
          ? `${options.host}'s host key is not the one in ${options.knownHostsFile}: check it against the server's console`
          : "its output above names the task and the reason",
      );
    }
    const counts = recapCounts(text, options.host) ?? { ok: 0, changed: 0 };
    return { host: options.host, release: resolve(options.release), roles: options.roles, ...counts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
