// `cloudburst plan` from its evidence: what it learns from a recorded cycle, the answer's shape, and a
// clear answer to bad questions (no history, an unknown product, an impossible deadline).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cycleConfigSchema } from "../../src/cycle/config.ts";
import { fleetConfigSchema } from "../../src/fleet/config.ts";
import { checkCycle } from "../../src/plan/check.ts";
import { PlanInputError } from "../../src/plan/errors.ts";
import { planProducts } from "../../src/plan/evidence.ts";
import { buildPlan, type PlanEvidence, type PlanQuestion } from "../../src/plan/inputs.ts";
import { measureJobSeconds } from "../../src/plan/measure.ts";
import { runPlan } from "../../src/plan/run.ts";
import { planInThread } from "../../src/plan/thread.ts";
import { products, recordedCycle } from "./fixtures.ts";

const fleet = fleetConfigSchema.parse({
  reconcileIntervalSeconds: 2,
  leadTime: { defaultSeconds: 2, marginSeconds: 0.2, minSamples: 1 },
  autoscale: { backlogSeconds: 1 },
});
const recorded = recordedCycle;

function question(overrides: Partial<PlanQuestion> = {}): PlanQuestion {
  return {
    steps: "0-24",
    grid: 1,
    provider: "local",
    deadlineSeconds: Number.POSITIVE_INFINITY,
    probability: 0.99,
    cycles: 40,
    seed: 1,
    timeFactor: 10,
    jobTime: "wall",
    cpuSpeed: 1,
    nodeSizes: [1],
    maxNodes: 3,
    dataServerCpus: 4,
    subscriptions: { vlan: 0, ip: 0 },
    cyclesPerDay: 4,
    ...overrides,
  };
}

function evidence(overrides: Partial<PlanEvidence> = {}): PlanEvidence {
  return {
    products,
    records: [recorded()],
    samples: [{ batchSize: 1, seconds: 2 }],
    prices: null,
    fleet,
    ingestConcurrency: 2,
    ...overrides,
  };
}

const close = (a: number, b: number, tolerance = 1e-6) => Math.abs(a - b) <= tolerance;

describe("what the planner learns from a recorded cycle", () => {
  it("the stream's rate and lateness, each product's job seconds, the registration and the queue's fetch", () => {
    const { model, inputs } = buildPlan(question(), evidence());
    // 10× ECMWF's rate: 6 s of stream per schedule minute; the record keeps the schedule exactly.
    assert.equal(model.stream.secondsPerMinute, 6);
    assert.match(inputs.stream.jitter.source, /24 recorded arrivals of 1 cycles/);
    assert.ok(inputs.stream.jitter.description.includes("0 s"));
    // The node's first job (step 0's wind) is set apart: later wind jobs took 0.2 s, 2 m temperature 0.05 s.
    const wind = inputs.jobs.find((j) => j.product === "windvector")!;
    assert.ok(close(wind.p50Seconds, 0.2, 1e-3) && close(wind.p95Seconds, 0.2, 1e-3));
    assert.ok(close(inputs.jobs.find((j) => j.product === "t2m_celsius")!.p50Seconds, 0.05, 1e-3));
    assert.match(wind.source, /recorded jobs at 1°/);
    // Registration: 0.05 s a file; the fetch: 0.01 s (the 2 m temperature waits for the wind job).
    assert.match(inputs.stream.ingest.description, /^50 ms|0\.05 s/);
    assert.ok(close(model.nodes.dispatchSeconds, 0.01, 1e-3));
    assert.equal(inputs.provisioning.source, "1 recorded local provisioning times");
    assert.ok(close(inputs.provisioning.leadSeconds, 2.2, 1e-9));
  });

  it("predicts its own recorded cycle within a few per cent (plan check)", () => {
    const record = recorded();
    const report = checkCycle(
      record,
      {
        products,
        fleet,
        ingestConcurrency: 2,
        samples: [{ batchSize: 1, seconds: 2, at: record.nodes[0]!.readyAt! }],
      },
      { cycles: 20, seed: 1, tolerance: 0.15 },
    );
    assert.equal(report.timeFactor, 10);
    // The measured node time: one node from 2.5 s before the first data to 0.5 s after the last job.
    assert.ok(close(report.measured.nodeMinutes, (2.5 + 24 * 1.8 + 0.32 + 0.5) / 60, 2e-3));
    assert.ok(close(report.measured.p95LatencySeconds, 0.315, 1e-3));
    assert.ok(report.floor.nodeMinutes > 0 && report.floor.nodeMinutes <= report.measured.nodeMinutes);
    // The floor's teardown is the node's own, from its last job's end to its being gone.
    assert.ok(close(report.floor.teardownSeconds, 0.5, 1e-3));
    assert.ok(Number.isFinite(report.error.nodeMinutes) && Number.isFinite(report.error.p95LatencySeconds));
  });
});

describe("the plan's answer", () => {
  it("has the policies side by side, the floor and the recommendation", () => {
    const report = runPlan(question(), evidence());
    assert.deepEqual(
      report.policies.map((p) => p.name),
      ["thesis", "learned-lead", "autoscale"],
    );
    for (const p of report.policies) {
      for (const key of ["nodeMinutes", "costPerCycle", "onTimeRate", "p95LatencySeconds"] as const)
        assert.equal(typeof p[key], "number", `${p.name}.${key}`);
      assert.ok(p.floorRatio >= 1, `${p.name} is not below the clairvoyant floor`);
    }
    assert.ok(report.floor.nodeMinutes > 0);
    assert.equal(report.recommendation.feasible, true);
    // Local processes cost nothing: every policy is free, and the one recommended is on time.
    assert.ok(report.recommendation.onTimeRate >= 0.99);
    // The thesis's fleet asks for its node 210 s ahead: it pays far more node time than the others.
    const thesis = report.policies.find((p) => p.name === "thesis")!;
    const autoscale = report.policies.find((p) => p.name === "autoscale")!;
    assert.ok(thesis.nodeMinutes > autoscale.nodeMinutes + 3);
    assert.ok(report.tried.length >= 3);
  });

  it("says when the deadline is before the last step is even sent, and gives the best achievable", () => {
    // Step 24 is sent 7.2 minutes of schedule after step 0: 43.2 s at 10×.
    const report = runPlan(question({ deadlineSeconds: 30 }), evidence());
    assert.equal(report.recommendation.feasible, false);
    assert.match(
      String(report.recommendation["reason"]),
      /before the last step with products \(24\) is even disseminated/,
    );
    assert.ok(Number(report.recommendation["achievableDeadlineSeconds"]) > 43);
    assert.match(report.recommendation.summary, /Best achievable/);
  });

  it("prices a CloudSigma fleet from a price list, the data server included", () => {
    const prices = {
      currency: "EUR",
      source: "test",
      perHour: { cpuGHz: 0.01, memGiB: 0.01, diskGiB: 0.001 },
      perMonth: { vlan: 10, ip: 5 },
    };
    const report = runPlan(
      question({ provider: "cloudsigma", subscriptions: { vlan: 1, ip: 1 } }),
      evidence({ prices, samples: [{ batchSize: 1, seconds: 2 }] }),
    );
    // A 1-CPU node: 2 GHz, 2 GiB and a 10 GiB disk: 0.05 an hour.
    assert.ok(close(report.inputs.billing.nodePricePerHour["1cpu"]!, 0.05));
    assert.equal(report.inputs.billing.subscriptionsPerMonth, 15);
    for (const p of report.policies) assert.ok(p.costPerCycle > p.computeCostPerCycle);
  });
});

describe("bad questions get clear answers", () => {
  const fails = (q: Partial<PlanQuestion>, e: Partial<PlanEvidence>, pattern: RegExp, hint?: RegExp) =>
    assert.throws(
      () => buildPlan(question(q), evidence(e)),
      (error: unknown) =>
        error instanceof PlanInputError &&
        pattern.test(error.message) &&
        (!hint || hint.test(error.hint ?? "")),
    );

  it("an unknown product is named, with the cycle's products", () => {
    fails(
      { products: ["windvector", "snow_depth"] },
      {},
      /unknown product snow_depth/,
      /windvector, t2m_celsius/,
    );
  });

  it("a grid with no recorded jobs and nothing measured says what is missing", () => {
    fails(
      { grid: 0.1 },
      {},
      /no job seconds for windvector, t2m_celsius at 0.1°.*recorded grids: 1°/,
      /--measure/,
    );
    fails({ grid: 0.1 }, { records: [] }, /no cycle is recorded in this database/);
  });

  it("a provider with no recorded provisioning and no published figures", () => {
    fails({}, { samples: [] }, /no recorded provisioning for local nodes/, /cloudburst demo/);
  });

  it("steps no product is made for, and a malformed lateness", () => {
    fails(
      { steps: "300-360" },
      {},
      /none of the products \(windvector, t2m_celsius\) is made for steps 300-360/,
    );
    fails({ jitter: "gauss:3" }, {}, /--jitter: "gauss:3" is not a distribution/);
  });

  it("measured job seconds answer for a grid the history lacks", () => {
    const { inputs } = buildPlan(
      question({ grid: 0.1 }),
      evidence({
        measured: new Map([
          ["windvector", 3],
          ["t2m_celsius", 0.3],
        ]),
      }),
    );
    assert.match(inputs.jobs[0]!.source, /measured on this machine/);
    assert.equal(inputs.jobs[0]!.p50Seconds, 3);
  });
});

describe("measurement on the spot", () => {
  it("runs every built-in product on a sample step of the simulated stream, on a plan's thread too", async () => {
    const { specs } = planProducts({ file: null, cycle: cycleConfigSchema.parse({}) });
    assert.ok(specs.length >= 5, "the built-in products");
    const measured = await measureJobSeconds(specs, 10);
    assert.deepEqual([...measured.seconds.keys()].sort(), specs.map((s) => s.name).sort());
    for (const [name, seconds] of measured.seconds) assert.ok(seconds > 0, `${name}: ${seconds} s`);
    const t2m = specs.filter((s) => s.name === "t2m_celsius");
    const report = await planInThread({
      question: question({ grid: 10, products: ["t2m_celsius"] }),
      evidence: evidence(),
      measure: t2m,
    });
    assert.match(
      report.inputs.jobs.find((j) => j.product === "t2m_celsius")!.source,
      /measured on this machine/,
    );
  });
});
