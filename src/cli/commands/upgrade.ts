// `cloudburst upgrade`: run at a node's boot before its worker (its user data does), installs the
// release its server runs when this node runs another (src/worker/upgrade.ts).
import type { Command } from "commander";
import { TlsError } from "../../system/tls.ts";
import { releaseVersion } from "../../system/version.ts";
import { ServerClient, ServerRequestError } from "../../worker/server-client.ts";
import { installServerRelease, UpgradeError } from "../../worker/upgrade.ts";
import { UsageError, UserError } from "../errors.ts";
import { printJson } from "../output.ts";
import { serverAccess, withServerOptions } from "../server-access.ts";

/** Where the playbook installs releases (deploy/ansible: cloudburst_prefix). */
const defaultPrefix = "/opt/cloudburst";

interface UpgradeFlags {
  prefix: string;
  server?: string;
  token?: string;
  fingerprint?: string;
  json?: boolean;
}

export function registerUpgradeCommand(program: Command): void {
  const upgrade = program
    .command("upgrade")
    .description(
      "install the release the server runs, when this node runs another: its bundle over the worker protocol, checked against its SHA-256, unpacked into PREFIX/VERSION, PREFIX/current switched to it",
    )
    .option("--prefix <dir>", "where releases are installed, as the playbook does", defaultPrefix)
    .option("--json", "print the outcome as JSON");
  withServerOptions(upgrade).action(async (options: UpgradeFlags) => {
    const access = serverAccess(options);
    if (!access) throw new UsageError("upgrade needs its server: --server or CLOUDBURST_SERVER_URL");
    const client = new ServerClient(access);
    const ownVersion = releaseVersion();
    const outcome = await installServerRelease({ client, prefix: options.prefix, ownVersion }).catch(
      (error: unknown) => {
        if (error instanceof UpgradeError || error instanceof ServerRequestError || error instanceof TlsError)
          throw new UserError(
            `this node (cloudburst ${ownVersion}) could not take its server's release: ${error.message}`,
            "check the server URL, the node's token and the certificate fingerprint (`cloudburst fleet user-data compute` on the control host prints what nodes get)",
          );
        throw error;
      },
    );
    client.close();
    if (options.json) printJson({ ...outcome, previous: ownVersion });
    else if (outcome.action === "current")
      process.stdout.write(`cloudburst ${ownVersion} is the server's release: nothing to do\n`);
    else
      process.stdout.write(
        `cloudburst ${outcome.version} ${outcome.action === "installed" ? "installed in" : "was in"} ${outcome.path}; ${options.prefix}/current points at it (this node ran ${ownVersion}: restart its worker)\n`,
      );
  });
}
