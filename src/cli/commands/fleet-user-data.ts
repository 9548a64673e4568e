// `cloudburst fleet user-data ROLE [--json]`: what a node of that role would boot with now, for an
// operator to review before a cycle. A compute node's token is minted for each node at launch, so the
// preview shows where it goes, not a live credential.
import type { Command } from "commander";
import { serverCertificate } from "../../app/certificate.ts";
import type { Config } from "../../config/load.ts";
import { fleetConfig, userDataPreview } from "../../fleet/registry.ts";
import { dataServerUserData } from "../../fleet/userdata.ts";
import { dataVlanAddress, pickVlanAddress } from "../../fleet/vlan.ts";
import { commandConfig } from "../context.ts";
import { UsageError, UserError } from "../errors.ts";
import { printJson } from "../output.ts";
import { openProvider, type ProviderOptions, withProviderOptions, workerAccessOf } from "./fleet.ts";

const roles = ["compute", "data"] as const;

export function registerUserData(fleet: Command): void {
  withProviderOptions(
    fleet
      .command("user-data <role>")
      .description("print the user data a node of ROLE (compute, data) would boot with now")
      .option("--json", "print JSON: the user data and the worker's environment"),
  ).action(async (role: string, options: ProviderOptions & { json?: boolean }, command: Command) => {
    if (!roles.includes(role as (typeof roles)[number]))
      throw new UsageError(`no role "${role}": a node's role is one of ${roles.join(", ")}`);
    const config = commandConfig(command);
    if (role === "data") return printDataServerUserData(config, options.json === true);
    const access = workerAccessOf(config);
    if (!access)
      throw new UserError(
        "nodes could not find work: the data role's address is not known from the configuration (server.port is 0)",
        "set fleet.workerServerUrl or server.publicUrl to the address nodes reach the data role at",
      );
    const provider = openProvider(config, options);
    const fleet = fleetConfig(config);
    const { userData, environment } = userDataPreview(
      provider,
      access,
      fleet,
      {
        nodeName: "<node name>",
        cycle: "<cycle>",
        // The range's first address: a live fleet gives each node the lowest one no live node holds.
        vlan: fleet.vlan ? pickVlanAddress(fleet.vlan, []) : null,
      },
      "<minted for each node at launch: the worker protocol only, until its cycle ends>",
    );
    if (options.json) printJson({ role, provider: provider.name, userData, environment });
    else process.stdout.write(userData.endsWith("\n") ? userData : `${userData}\n`);
  });
}

/**
 * The data server's user data: with fleet.controlUrl, where it takes the data role's settings from (its
 * token is minted for each cycle when the fleet starts it); without, it gets none.
 */
function printDataServerUserData(config: Config, json: boolean): void {
  const fleet = fleetConfig(config);
  if (!fleet.controlUrl)
    throw new UserError(
      "the data server gets no user data: fleet.controlUrl is not set, so the fleet only starts and stops it and it runs what its image holds (the Ansible playbook's data role)",
      "set fleet.controlUrl to the address the data server reaches the control role at, or install the data role with deploy/ansible (README, Deploying)",
    );
  const userData = dataServerUserData(
    {
      controlUrl: fleet.controlUrl,
      fingerprint: serverCertificate(config)?.fingerprint ?? null,
      token:
        "<minted for each cycle when the fleet starts the data server: its settings only, until the cycle ends>",
      nodeName: fleet.cloudsigma.dataServer ?? "<data server>",
      vlan: fleet.vlan ? dataVlanAddress(fleet.vlan) : null,
    },
    fleet.sshAuthorizedKeys,
  );
  if (json) printJson({ role: "data", userData });
  else process.stdout.write(userData);
}
