// /api/fleet/records and /api/fleet/nodes/:id: what the fleet records of its live nodes, and one node's
// operator actions: destroy it (audited; the reconcile loop destroys and replaces it), its user data
// (its token redacted) and the end of its worker log where the provider keeps one.
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { storedNodeLog } from "../../fleet/node-log.ts";
import { fleetConfig, userDataPreview } from "../../fleet/registry.ts";
import { HttpError } from "../errors.ts";
import { type ApiServices, required } from "../services.ts";
import { parse } from "./fleet.ts";

/** A provider's node id (a CloudSigma UUID, a local "local-…"): never a path. */
const nodeId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, "a node id: letters, digits and . _ : - (at most 128)");
const nodeName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,128}$/, "a node name: letters, digits and . _ - (at most 128)");
/** How much of a node's worker log the UI is shown: its end. */
const logTailBytes = 64 * 1024;
const logTailLines = 500;

export const fleetNodeRoutes: FastifyPluginAsync<ApiServices> = async (app, services) => {
  const fleet = () => required(services.fleet, "the fleet", "control");
  /** Our records of the environment's live nodes (what the fleet believes), beside the provider's view. */
  app.get("/fleet/records", async () => {
    const { store, config } = fleet();
    return store.liveNodes(fleetConfig(config).environment);
  });

  /** One node's record by its name, live or gone (the timeline links a node by its name). */
  app.get<{ Params: { name: string } }>("/fleet/records/:name", async (request) => {
    const { store, config } = fleet();
    const name = parse(nodeName, request.params.name);
    const row = await store.nodeNamed(fleetConfig(config).environment, name);
    if (!row) throw new HttpError(404, "not_found", `no node named ${name} in this environment`, null);
    return row;
  });

  /** The record of the node a provider id names, or a 404 that says where to look. */
  const recordOf = async (id: string) => {
    const { store, provider, config } = fleet();
    const row = await store.nodeByProviderId(fleetConfig(config).environment, provider.name, id);
    if (!row)
      throw new HttpError(404, "not_found", `no node ${id} of this environment on ${provider.name}`, {
        hint: "GET /api/fleet/records lists the fleet's live nodes and their ids",
      });
    return row;
  };

  app.delete<{ Params: { id: string } }>("/fleet/nodes/:id", async (request, reply) => {
    const { controller } = fleet();
    const id = parse(nodeId, request.params.id);
    const row = await recordOf(id);
    const actor = `api:${request.tokenName ?? "unknown"}`;
    const released = await controller.release(id, actor);
    if (!released)
      throw new HttpError(
        409,
        "conflict",
        `node ${row.name} is ${row.state}: only a live compute node can be destroyed`,
        {
          node: row.name,
          state: row.state,
        },
      );
    request.log.warn({ node: released.name, id, actor }, "an operator destroys a compute node");
    // Accepted: the reconcile pass destroys it and confirms it gone (GET /api/fleet/records).
    reply.code(202);
    return { node: released.name, id, cycle: released.cycle, state: released.state };
  });

  app.get<{ Params: { id: string } }>("/fleet/nodes/:id/user-data", async (request) => {
    const { provider, config, workerAccess } = fleet();
    const row = await recordOf(parse(nodeId, request.params.id));
    const access = workerAccess();
    if (!access)
      throw new HttpError(
        503,
        "unavailable",
        "the data role's address is not known yet, so neither is a node's user data",
        {
          hint: "start the data role, or set fleet.workerServerUrl or server.publicUrl",
        },
      );
    const preview = userDataPreview(provider, access, fleetConfig(config), {
      nodeName: row.name,
      cycle: row.cycle,
      vlan: row.vlanAddress,
    });
    return { node: row.name, cycle: row.cycle, provider: provider.name, ...preview };
  });

  app.get<{ Params: { id: string } }>("/fleet/nodes/:id/log", async (request) => {
    const { provider } = fleet();
    const id = parse(nodeId, request.params.id);
    const row = await recordOf(id);
    // Where the provider keeps it (a local worker's file); else what the worker sent the data role.
    const log =
      (provider.nodeLog ? await provider.nodeLog(id, logTailBytes) : null) ??
      (await storedNodeLog(app.pool, row.name, logTailLines));
    return {
      node: row.name,
      log,
      ...(log === null
        ? {
            why: `${row.name} sent no log line to the data role, and ${provider.name} keeps none for it: look on the node (journalctl -u cloudburst-worker)`,
          }
        : {}),
    };
  });
};
