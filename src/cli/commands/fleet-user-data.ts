// `cloudburst fleet user-data ROLE [--json]`: what a node of that role would boot with now, for an
// operator to review before a cycle. A compute node's token is minted for each node at launch, so the
// preview shows where it goes, not a live credential.
import type { Command } from "commander";
import { fleetConfig, userDataPreview } from "../../fleet/registry.ts";
import { pickVlanAddress } from "../../fleet/vlan.ts";
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
    if (role === "data")
      throw new UserError(
        "the data server gets no user data from cloudburst: the fleet starts and stops it, and what runs on it is installed with the Ansible playbook",
        "install the data role on it with deploy/ansible (README, Deploying), or run the data role beside the control role (`cloudburst server --roles control,data`)",
      );
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
