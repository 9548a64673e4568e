// The planner's simulation against cases worked out by hand: one node, steps at constant gaps, jobs of
// constant length, a constant boot. Every figure below is computed in the comments, not read off a run.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stepArrivals } from "../../src/cycle/dissemination.ts";
import { billedSeconds } from "../../src/plan/billing.ts";
import { drawCycle } from "../../src/plan/cycles.ts";
import { constant } from "../../src/plan/distribution.ts";
import { floorNodeSeconds } from "../../src/plan/floor.ts";
import type { Policy } from "../../src/plan/model.ts";
import { type PlanModel, runPolicy, simulatePolicy } from "../../src/plan/montecarlo.ts";
import { cycleOutcome } from "../../src/plan/outcome.ts";
import { splitNodeTime } from "../../src/plan/split.ts";

// ECMWF's steps 0, 1, 2 are disseminated 0.3 minutes apart; at 1000 s of stream per schedule minute
// they arrive 300 s apart: at 0, 300 and 600 s after the first is due.
const schedule = stepArrivals(2);
// The schedule's minutes are fractions (345.3, ...): figures are compared to a microsecond.
const r = (x: number) => Math.round(x * 1e6) / 1e6;
const rs = (xs: ArrayLike<number>) => Array.from(xs, r);

function model(jobsPerStep: number, jobSeconds = 10): PlanModel {
  return {
    stream: {
      steps: schedule.map((a) => ({
        step: a.step,
        minute: a.minute,
        jobs: Array.from({ length: jobsPerStep }, (_, i) => ({
          product: `p${i}`,
          weight: 1,
          seconds: constant(jobSeconds),
        })),
      })),
      secondsPerMinute: 1000,
      jitter: constant(0),
      firstLateness: constant(0),
      delay: constant(0),
      ingestSeconds: constant(0),
      firstIngestSeconds: constant(0),
      ingestServers: 2,
      triggerSeconds: constant(0),
    },
    nodes: {
      provision: (batch) => Array.from({ length: batch }, () => 30),
      workerStartSeconds: constant(0),
      teardownSeconds: constant(0),
      failureRate: 0,
      dispatchSeconds: 0,
      firstJobExtraSeconds: constant(0),
      deliveryTailSeconds: 0,
    },
    controller: {
      intervalSeconds: 15,
      nudgeGapSeconds: 0.2,
      passSeconds: 0,
      leadTime: { defaultSeconds: 30, marginSeconds: 0, minSamples: 1, window: 200, percentile: 95 },
      samples: [],
    },
    billing: {
      currency: "EUR",
      nodePricePerHour: (cpus) => 3.6 * cpus,
      periodSeconds: 300,
      rounding: "prorated",
      dataServer: null,
      subscriptionsPerCycle: null,
      cyclesPerMonth: 120,
    },
    deadlineSeconds: 3600,
    floorBootSeconds: 30,
    floorTeardownSeconds: 0,
    seed: 7,
  };
}

function play(m: PlanModel, policy: Policy, startSeconds?: number) {
  const cycle = drawCycle(m.stream, 0, m.seed);
  const run = runPolicy(m, policy, cycle, startSeconds);
  const outcome = cycleOutcome(cycle, run, {
    billing: m.billing,
    cpus: policy.cpus,
    deliveryTailSeconds: 0,
    deadlineSeconds: m.deadlineSeconds,
  });
  return { cycle, run, outcome };
}

describe("the planner's simulation, by hand", () => {
  it("draws the stream on ECMWF's schedule at the given rate", () => {
    const { cycle } = play(model(1), { name: "thesis", nodes: 1, cpus: 1, leadSeconds: 210 });
    assert.deepEqual(rs(cycle.received), [0, 300, 600]);
    assert.deepEqual(rs(cycle.dueNext), [300, 600, Number.POSITIVE_INFINITY]);
  });

  it("the thesis's fleet: one node from 210 s before the data to the last job's end", () => {
    // Up at -180 s, long before each step: each job runs at its data for 10 s; the last ends at 610 s.
    const { outcome } = play(model(1), { name: "thesis", nodes: 1, cpus: 1, leadSeconds: 210 });
    assert.equal(r(outcome.bill.nodeSeconds), 210 + 610);
    assert.deepEqual(rs(outcome.latencies), [10, 10, 10]);
    assert.equal(outcome.stepsOnTime, true);
    assert.equal(r(outcome.completion), 610);
    // 820 s at 3.6 an hour.
    assert.ok(Math.abs(outcome.bill.compute - 0.82) < 1e-9);
  });

  it("one node for two jobs a step does them one after the other; two nodes side by side", () => {
    const one = play(model(2), { name: "learned-lead", nodes: 1, cpus: 1, leadSeconds: 30 }).outcome;
    assert.deepEqual(rs(one.latencies), [20, 20, 20]);
    assert.equal(r(one.bill.nodeSeconds), 30 + 620);
    const two = play(model(2), { name: "learned-lead", nodes: 2, cpus: 1, leadSeconds: 30 }).outcome;
    assert.deepEqual(rs(two.latencies), [10, 10, 10]);
    assert.equal(r(two.bill.nodeSeconds), 2 * (30 + 610));
    const wide = play(model(2), { name: "learned-lead", nodes: 1, cpus: 2, leadSeconds: 30 }).outcome;
    assert.deepEqual(rs(wide.latencies), [10, 10, 10]);
    assert.equal(r(wide.bill.nodeSeconds), 30 + 610);
  });

  it("a boot longer than the lead makes the first step wait for the node", () => {
    // Asked for 20 s ahead, up 10 s after the data: the first job ends at 20 s.
    const { outcome } = play(model(1), { name: "learned-lead", nodes: 1, cpus: 1, leadSeconds: 20 });
    assert.deepEqual(rs(outcome.latencies), [20, 10, 10]);
    assert.equal(r(outcome.bill.nodeSeconds), 20 + 610);
  });

  it("the autoscaler, pass by pass", () => {
    // The controller first looks at -45 s (its 30 s lead and a 15 s interval ahead) and wants nothing
    // yet; at -30 s the data is one boot away, so it asks for a node, up at 0. Step 0's job: 0 to 10 s.
    // Idle with no pace known yet (one step in), it keeps the node one boot, to 40 s: life 70 s.
    // Step 1 at 300 s finds no node: one is asked for at once and is up at 330: the job ends at 340
    // (latency 40). The pace is now known (300 s a step), so the node goes at once, life 40 s, and the
    // next is asked for one boot before step 2 (570 s), up at 600: the job ends at 610, and the node
    // goes (life 40 s). In all 150 s.
    const { outcome, run } = play(model(1), {
      name: "autoscale",
      maxNodes: 1,
      cpus: 1,
      backlogSeconds: 1,
      maxUtilisation: 1,
    });
    assert.deepEqual(rs(run.nodeStart), [-30, 300, 570]);
    assert.deepEqual(rs(run.nodeEnd), [40, 340, 610]);
    assert.deepEqual(rs(outcome.latencies), [10, 40, 10]);
    assert.equal(r(outcome.bill.nodeSeconds), 150);
    assert.equal(outcome.stepsOnTime, true);
  });

  it("the clairvoyant floor: c + min(gap − c, boot + teardown) per step, one first boot and one last teardown", () => {
    const cycle = drawCycle(model(1).stream, 0, 1);
    // 30 + (10 + min(290, 30)) + (10 + min(290, 30)) + 10.
    assert.equal(r(floorNodeSeconds(cycle, 30, 1, 0)), 120);
    // Two 10 s jobs on a two-CPU node are 10 s of that node.
    assert.equal(r(floorNodeSeconds(drawCycle(model(2).stream, 0, 1), 30, 2, 0)), 120);
    // Gaps shorter than a boot are waited out: 300 + (5 + 295) + (5 + 295) + 5, no boot between.
    assert.equal(r(floorNodeSeconds(drawCycle(model(1, 5).stream, 0, 1), 300, 1, 0)), 905);
    // A teardown of 20 s: the last node's, and a restart between steps costs boot and teardown.
    // 30 + 20 + (10 + min(290, 50)) + (10 + min(290, 50)) + 10.
    assert.equal(r(floorNodeSeconds(cycle, 30, 1, 20)), 180);
  });

  it("Monte Carlo over identical cycles gives the same figures every cycle", () => {
    const m = model(1);
    const stats = simulatePolicy(
      m,
      { name: "thesis", nodes: 1, cpus: 1, leadSeconds: 210 },
      [0, 1, 2].map((i) => drawCycle(m.stream, i, 3)),
    );
    assert.equal(r(stats.nodeMinutes), r(820 / 60));
    assert.equal(stats.onTimeRate, 1);
    assert.deepEqual(rs(Object.values(stats.latencySeconds)), [10, 10, 10]);
  });
});

describe("where a cycle's node time went", () => {
  it("before the data, after the last job, and one node or more between", () => {
    // Node a from 0 to 10, node b from 4 to 8; the first data at 2, the last job's end at 9.
    const split = splitNodeTime(
      [
        { start: 0, end: 10 },
        { start: 4, end: 8 },
      ],
      2,
      9,
    );
    assert.deepEqual(split, {
      beforeDataSeconds: 2,
      afterWorkSeconds: 1,
      extraNodesSeconds: 4,
      oneNodeSeconds: 7,
    });
    // Together they are the whole node time: 10 + 4.
    const total = Object.values(split).reduce((a, b) => a + b, 0);
    assert.equal(total, 14);
    // A gap with no node up between two lives counts nowhere.
    assert.equal(
      splitNodeTime(
        [
          { start: 1, end: 3 },
          { start: 5, end: 7 },
        ],
        2,
        6,
      ).oneNodeSeconds,
      2,
    );
    // No job ever had its data (plan check passes an endless window): all of it is before the data.
    assert.deepEqual(
      splitNodeTime([{ start: 0, end: 5 }], Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY),
      {
        beforeDataSeconds: 5,
        afterWorkSeconds: 0,
        extraNodesSeconds: 0,
        oneNodeSeconds: 0,
      },
    );
  });
});

describe("billing periods", () => {
  const period = { periodSeconds: 300, rounding: "period" as const };
  it("bills every period a node is alive in, in full, on the provider's clock", () => {
    assert.equal(billedSeconds(0, 30, period, 0), 300);
    assert.equal(billedSeconds(290, 310, period, 0), 600);
    // The same 20 s, a third of a period later on the provider's clock: within one period.
    assert.equal(billedSeconds(290, 310, period, 1 / 3), 300);
    assert.equal(billedSeconds(0, 300, period, 0), 300);
  });
  it("prorated billing is the seconds themselves", () => {
    assert.equal(billedSeconds(290, 310, { periodSeconds: 300, rounding: "prorated" }, 0), 20);
    assert.equal(billedSeconds(5, 5, { periodSeconds: 300, rounding: "prorated" }, 0), 0);
  });
});
