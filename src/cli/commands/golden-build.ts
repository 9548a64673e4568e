// `cloudburst fleet golden build HOST`: prepares a server to become the golden image with the Ansible
// playbook (src/fleet/golden-image.ts); `fleet golden update` then makes it the golden image.
import { homedir } from "node:os";
import { join } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { buildGoldenImage, GoldenBuildError, type ImageRole, imageRoles } from "../../fleet/golden-image.ts";
import { releaseBundlePath } from "../../system/version.ts";
import { UserError } from "../errors.ts";
import { printJson } from "../output.ts";

interface GoldenBuildFlags {
  roles?: ImageRole[];
  release?: string;
  sshUser: string;
  sshPort: number;
  identity?: string;
  knownHosts: string;
  json?: boolean;
}

function parseImageRoles(value: string): ImageRole[] {
  const roles = value.split(",").map((r) => r.trim());
  const unknown = roles.filter((r) => !(imageRoles as readonly string[]).includes(r));
  if (unknown.length) {
    throw new InvalidArgumentError(
      `expected a comma list of ${imageRoles.join(", ")}; not ${unknown.join(", ")}`,
    );
  }
  return roles as ImageRole[];
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidArgumentError("expected a port 1-65535");
  return port;
}

async function build(host: string, options: GoldenBuildFlags): Promise<void> {
  const release = options.release ?? releaseBundlePath();
  if (!release) {
    throw new UserError(
      "no release bundle for this version",
      "build one with `npm run release`, or pass --release FILE",
    );
  }
  const result = await buildGoldenImage({
    host,
    sshPort: options.sshPort,
    sshUser: options.sshUser,
    knownHostsFile: options.knownHosts,
    release,
    roles: options.roles ?? ["compute"],
    output: process.stderr,
    ...(options.identity ? { identityFile: options.identity } : {}),
  }).catch((error: unknown) => {
    throw error instanceof GoldenBuildError ? new UserError(error.message, error.hint) : error;
  });
  if (options.json) printJson(result);
  else
    process.stdout.write(
      `${host} holds the release and the ${result.roles.join(", ")} unit(s), enabled, not started ` +
        `(${result.changed} change(s)): stop it, then \`cloudburst fleet golden update SERVER\`\n`,
    );
}

export function registerGoldenBuild(golden: Command): void {
  golden
    .command("build <host>")
    .description(
      "install the release and the units of the image's roles on HOST over SSH (Ansible), enabled but not started; then stop it and `golden update` it",
    )
    .option(
      "--roles <list>",
      "the image's roles, of control,data,compute (default: compute)",
      parseImageRoles,
    )
    .option(
      "--release <file>",
      "the release bundle (default: this version's, from dist/ or /opt/cloudburst/releases)",
    )
    .option("--ssh-user <user>", "the login (not root: it needs sudo)", "root")
    .option("--ssh-port <port>", "the SSH port", parsePort, 22)
    .option("--identity <file>", "a private key for the login (default: ssh's own)")
    .option(
      "--known-hosts <file>",
      "the known_hosts file holding HOST's key",
      join(homedir(), ".ssh/known_hosts"),
    )
    .option("--json", "print JSON")
    .action(build);
}
