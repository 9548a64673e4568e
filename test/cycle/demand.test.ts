// When a cycle's next data is due, for the fleet's autoscaler: by ECMWF's published dissemination
// schedule, at the rate the stream has kept against it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  comingData,
  endedSteps,
  meanJobSeconds,
  type StepProgress,
  scheduledNextArrival,
} from "../../src/cycle/demand.ts";
import { stepArrivals } from "../../src/cycle/dissemination.ts";

const t0 = Date.parse("2026-11-24T05:45:00Z");
/** Steps that arrived `secondsPerMinute` stream seconds per minute of the schedule after step 0. */
function arrivedAt(secondsPerMinute: number, arrived: number[], pending: number[], jobs = 4): StepProgress[] {
  const minute = new Map(stepArrivals().map((a) => [a.step, a.minute]));
  return [
    ...arrived.map((step) => ({
      step,
      jobs,
      arrived: new Date(t0 + (minute.get(step)! - minute.get(0)!) * secondsPerMinute * 1000),
    })),
    ...pending.map((step) => ({ step, jobs, arrived: null })),
  ];
}

describe("the next data of a cycle, by ECMWF's schedule", () => {
  it("follows the stream's rate: hourly steps 18 s apart in real time, 1.8 s at ten times", () => {
    const real = scheduledNextArrival(arrivedAt(60, [0, 1, 2, 3], [4, 5]))!;
    assert.ok(Math.abs(real.paceSeconds - 18) < 0.1, `${real.paceSeconds}`);
    const fast = scheduledNextArrival(arrivedAt(6, [0, 1, 2, 3], [4, 5]))!;
    assert.ok(Math.abs(fast.paceSeconds - 1.8) < 0.01, `${fast.paceSeconds}`);
    assert.equal(fast.at.getTime(), t0 + 4 * 1800);
  });

  it("knows where the 3-hourly steps begin, which a pace learned from the last gaps does not", () => {
    // After step 90 (due at 06:12) comes 93 (also 06:12), then 96: 18 steps by 06:27, 53 s apart.
    const at93 = scheduledNextArrival(arrivedAt(6, [87, 88, 89, 90], [93, 96]))!;
    assert.ok(at93.paceSeconds < 0.01, "93 is disseminated with 90");
    const at96 = scheduledNextArrival(arrivedAt(6, [88, 89, 90, 93], [96, 99], 3))!;
    assert.ok(Math.abs(at96.paceSeconds - (15 / 17) * 6) < 0.01, `${at96.paceSeconds}`);
    assert.equal(at96.jobs, 3);
  });

  it("needs two steps in, and a step still to come", () => {
    assert.equal(scheduledNextArrival(arrivedAt(6, [0], [1, 2])), null);
    assert.equal(scheduledNextArrival(arrivedAt(6, [0, 1, 2], [])), null);
    assert.equal(scheduledNextArrival([]), null);
  });

  it("tells the pace once two gaps are known: the first file comes late, and its gap alone is short", () => {
    const two = comingData(arrivedAt(6, [0, 1], [2, 3]), [], null)!;
    assert.equal(two.at!.getTime(), t0 + 2 * 1800);
    assert.equal(two.paceSeconds, null);
    const three = comingData(arrivedAt(6, [0, 1, 2], [3]), [], null)!;
    assert.ok(Math.abs(three.paceSeconds! - 1.8) < 0.01, `${three.paceSeconds}`);
  });

  it("before any data, expects the first step's jobs at the cycle's first-data time", () => {
    const first = new Date("2026-11-24T05:45:00Z");
    const steps = [0, 1, 2].map((step) => ({ step, jobs: step === 0 ? 3 : 4, arrived: null }));
    assert.deepEqual(comingData(steps, [], first), { at: first, jobs: 3, paceSeconds: null });
    // One step in: too early for a pace, and no longer the first data.
    const one = steps.map((s) => (s.step === 0 ? { ...s, arrived: first } : s));
    assert.equal(comingData(one, [first, first, first], first), null);
  });
});

describe("the seconds a job is expected to take", () => {
  const ended = (step: number) => step === 0;
  it("is the mean over the steps whose jobs have all ended, not their first, heaviest, runs", () => {
    // Step 0 ended: 4 + 1 + 1 + 1 + 1 = 8 s over 5 jobs. Step 1 has run its two 4 s jobs (the
    // heaviest go first): counted, they would make it 16 / 7 = 2.29 s; the median of all says 1 s,
    // which times 5 jobs would understate step 0's 8 s.
    const seconds = [4, 4, 4, 1, 1, 1, 1];
    const steps = [1, 1, 0, 0, 0, 0, 0];
    assert.equal(meanJobSeconds(seconds, steps, ended), 1.6);
  });

  it("is the mean of all the runs while no step has ended, and unknown before any run", () => {
    assert.equal(meanJobSeconds([4, 2], [1, 1], ended), 3);
    assert.equal(meanJobSeconds([], [], ended), null);
  });

  it("counts a step ended when its jobs are complete or aborted, whatever the latest runs were", () => {
    let n = 0;
    const task = (step: number, state: "complete" | "aborted" | "active" | "queued") => ({
      path: `/cycle_20261207_18/products/step_00${step}/product_${n++}`,
      state,
      stateSince: new Date(),
      dataReadyAt: null,
      worker: null,
    });
    const open = endedSteps([task(0, "complete"), task(0, "active"), task(1, "queued")]);
    assert.equal(open.any, false);
    assert.equal(open.has(0), false);
    // An aborted job does not keep step 0 open; step 1 has not ended.
    const ended = endedSteps([task(0, "complete"), task(0, "aborted"), task(1, "active")]);
    assert.equal(ended.any, true);
    assert.equal(ended.has(0), true);
    assert.equal(ended.has(1), false);
  });
});
