// /api/fleet: the fleet's nodes and cycles (a node's own actions: fleet-nodes.ts); the operator changes N, plans cycles, reports a cycle's
// progress (processing, processed, delivered), runs a reconcile pass, reads costs and the leak check.
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { ProviderError } from "../../fleet/errors.ts";
import { leadTimeFor } from "../../fleet/leadtime.ts";
import { leakCheck } from "../../fleet/leaks.ts";
import { cycleCosts } from "../../fleet/money.ts";
import { tagKeys } from "../../fleet/provider.ts";
import { fleetConfig } from "../../fleet/registry.ts";
import { HttpError } from "../errors.ts";
import { type ApiServices, required } from "../services.ts";

const cycleName = z.string().regex(/^[A-Za-z0-9:._-]{1,64}$/, "letters, digits and : . _ - (at most 64)");
const planBody = z.strictObject({
  dataAt: z.iso.datetime({ offset: true }),
  computeNodes: z.number().int().min(0).max(256),
});
const stateBody = z.strictObject({
  state: z.enum(["planned", "processing", "processed", "delivered", "cancelled"]),
});
const computeBody = z.strictObject({
  computeNodes: z.number().int().min(0).max(256),
  cycle: cycleName.optional(),
});

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HttpError(
      400,
      "bad_request",
      result.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "),
      result.error.issues,
    );
  }
  return result.data;
}

/** A provider failure as an API answer: 502 with the provider's code, meaning and error list. */
async function providerCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ProviderError) {
      throw new HttpError(502, "provider_error", error.message, {
        providerStatus: error.status,
        meaning: error.meaning,
        errors: error.errors,
      });
    }
    throw error;
  }
}

export const fleetRoutes: FastifyPluginAsync<ApiServices> = async (app, services) => {
  const fleet = () => required(services.fleet, "the fleet", "control");
  app.get<{ Querystring: { all?: string } }>("/fleet/nodes", async (request) => {
    const { provider, config } = fleet();
    const environment = fleetConfig(config).environment;
    const all = request.query.all === "1" || request.query.all === "true";
    return providerCall(() => provider.listNodes(all ? undefined : { [tagKeys.environment]: environment }));
  });

  app.get("/fleet/cycles", async () => {
    const { store, provider, config } = fleet();
    const section = fleetConfig(config);
    const samples = await store.samples(provider.name, section.leadTime.window);
    const cycles = await store.cycles(section.environment, false);
    return cycles.map((c) => ({ ...c, leadTime: leadTimeFor(c.computeNodes, samples, section.leadTime) }));
  });

  app.put<{ Params: { cycle: string } }>("/fleet/cycles/:cycle", async (request) => {
    const { store, config } = fleet();
    const cycle = parse(cycleName, request.params.cycle);
    const body = parse(planBody, request.body);
    return store.planCycle(fleetConfig(config).environment, cycle, new Date(body.dataAt), body.computeNodes);
  });

  app.post<{ Params: { cycle: string } }>("/fleet/cycles/:cycle/state", async (request) => {
    const { store, config } = fleet();
    const environment = fleetConfig(config).environment;
    const cycle = parse(cycleName, request.params.cycle);
    const { state } = parse(stateBody, request.body);
    if (!(await store.cycle(environment, cycle))) throw new HttpError(404, "not_found", `no cycle ${cycle}`);
    await store.setCycleState(environment, cycle, state);
    return store.cycle(environment, cycle);
  });

  app.put("/fleet/compute-nodes", async (request) => {
    const { store, config } = fleet();
    const body = parse(computeBody, request.body);
    const changed = await store.setComputeNodes(
      fleetConfig(config).environment,
      body.cycle ?? null,
      body.computeNodes,
    );
    if (changed === 0)
      throw new HttpError(404, "not_found", "no open cycle to change", { cycle: body.cycle ?? null });
    return { changed, computeNodes: body.computeNodes };
  });

  app.post("/fleet/reconcile", async () => fleet().controller.reconcile());

  app.get("/fleet/costs", async () => {
    const { store, config, provider } = fleet();
    const section = fleetConfig(config);
    const balance = provider.capabilities.balance ? await providerCall(() => provider.balance()) : null;
    return {
      environment: section.environment,
      cycles: await cycleCosts(store, section.environment, section),
      balance,
    };
  });

  app.get("/fleet/leaks", async () => {
    const { store, config, provider } = fleet();
    return providerCall(() => leakCheck(provider, store, fleetConfig(config)));
  });
};
