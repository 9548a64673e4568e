// /api/plan: the capacity planner over HTTP, for the UI's chart (cost against on-time rate per policy).
//   GET /api/plan?grid=0.1&steps=0-360&provider=cloudsigma&deadline=90min&probability=0.99&cycles=200
//                 [&timeFactor=1&products=a,b&nodeSizes=1,2,4&maxNodes=16&seed=1&measure=true]
// The history is read here; the simulation runs on a thread of its own (plan/thread.ts), one plan at a
// time, so that the control server's flow engine and fleet never wait for it.
import type { FastifyPluginAsync } from "fastify";
import { PlanInputError } from "../../plan/errors.ts";
import { gatherEvidence } from "../../plan/evidence.ts";
import { recordedCycles } from "../../plan/history.ts";
import { deadlineAfterFirstData, type PlanQuestion } from "../../plan/inputs.ts";
import { planInThread } from "../../plan/thread.ts";
import { HttpError } from "../errors.ts";
import { type ApiServices, required } from "../services.ts";

interface PlanQuery {
  steps: string;
  grid?: number;
  provider?: "local" | "cloudsigma";
  deadline: string;
  probability: number;
  cycles: number;
  seed: number;
  timeFactor: number;
  nodeSizes: string;
  maxNodes: number;
  products?: string;
  measure: boolean;
}

const planQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    steps: { type: "string", pattern: "^[0-9,/-]{1,64}$", default: "0-360" },
    grid: { type: "number", exclusiveMinimum: 0, maximum: 10 },
    provider: { type: "string", enum: ["local", "cloudsigma"] },
    deadline: {
      type: "string",
      pattern: "^(none|T\\+[0-9hms. ]{1,12}|[0-9hmins. ]{1,12})$",
      default: "none",
    },
    probability: { type: "number", exclusiveMinimum: 0, maximum: 1, default: 0.99 },
    cycles: { type: "integer", minimum: 10, maximum: 2000, default: 200 },
    seed: { type: "integer", minimum: 1, default: 1 },
    timeFactor: { type: "number", exclusiveMinimum: 0, maximum: 1000, default: 1 },
    nodeSizes: { type: "string", pattern: "^[0-9]{1,2}(,[0-9]{1,2}){0,5}$", default: "1,2,4" },
    maxNodes: { type: "integer", minimum: 1, maximum: 64, default: 16 },
    products: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9_-]*(,[A-Za-z][A-Za-z0-9_-]*){0,63}$" },
    measure: { type: "boolean", default: false },
  },
} as const;

export const planRoutes: FastifyPluginAsync<ApiServices> = async (app, services) => {
  let busy = false;
  app.get<{ Querystring: PlanQuery }>("/plan", { schema: { querystring: planQuery } }, async (request) => {
    const config = required(services.planner, "the capacity planner", "control");
    if (busy) throw new HttpError(429, "busy", "a plan is being computed: ask again when it is done");
    busy = true;
    try {
      const q = request.query;
      const grid =
        q.grid ??
        (await recordedCycles(services.pool, { producer: config.cycle.producer, limit: 1 }))[0]?.grid;
      if (grid === undefined || grid === null)
        throw new HttpError(400, "bad_request", "grid is needed: no cycle is recorded here to take it from");
      const question: PlanQuestion = {
        steps: q.steps,
        grid,
        provider: q.provider ?? config.fleet.provider,
        deadlineSeconds: deadlineAfterFirstData(q.deadline, q.steps),
        probability: q.probability,
        cycles: q.cycles,
        seed: q.seed,
        timeFactor: q.timeFactor,
        products: q.products?.split(","),
        jobTime: "wall",
        cpuSpeed: 1,
        nodeSizes: q.nodeSizes
          .split(",")
          .map(Number)
          .filter((n) => n > 0),
        maxNodes: q.maxNodes,
        dataServerCpus: 4,
        subscriptions: { vlan: 1, ip: 1 },
        cyclesPerDay: 4,
      };
      const { evidence, toMeasure } = await gatherEvidence(config, services.pool, question, {
        measure: q.measure ? "auto" : "never",
        historyCycles: 20,
      });
      return await planInThread({
        question,
        evidence,
        measure: toMeasure,
      });
    } catch (error) {
      if (error instanceof PlanInputError)
        throw new HttpError(422, "cannot_plan", error.message, error.hint ? { hint: error.hint } : null);
      throw error;
    } finally {
      busy = false;
    }
  });
};
