import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { autoscale, type ComputeDemand, nextArrival, type ScaleInput } from "../../src/fleet/autoscale.ts";

const now = new Date("2026-11-25T06:00:00Z");
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const settings = { backlogSeconds: 60, jobsPerNode: 1, maxUtilisation: 1 };
const nodes = (i: ScaleInput, s: typeof settings) => autoscale(i, s).nodes;

function input(demand: Partial<ComputeDemand>, rest: Partial<ScaleInput> = {}): ScaleInput {
  return {
    maxNodes: 8,
    have: 0,
    bootSeconds: 30,
    idleSince: null,
    now,
    demand: {
      queued: 0,
      running: 0,
      oldestQueuedSeconds: 0,
      waitingForData: 10,
      nextWorkAt: null,
      nextWorkJobs: null,
      paceSeconds: null,
      jobSeconds: null,
      wholeStepTimed: true,
      ...demand,
    },
    ...rest,
  };
}

describe("autoscaling from the backlog and the stream's pace", () => {
  it("starts enough nodes to clear the backlog within the window, at most N", () => {
    // 20 jobs of 30 s within 60 s: 10 nodes, capped at 8.
    assert.equal(nodes(input({ queued: 20, jobSeconds: 30 }), settings), 8);
    // 4 jobs of 10 s: one node clears them in 40 s.
    assert.equal(nodes(input({ queued: 4, jobSeconds: 10 }), settings), 1);
    // Two jobs per node halve the need.
    assert.equal(nodes(input({ queued: 6, jobSeconds: 30 }), { ...settings, jobsPerNode: 2 }), 2);
  });

  it("before any job has been timed, one node for the window, then the worst; never shrinks while jobs run", () => {
    // Three untimed jobs: one node while the oldest has waited less than the 60 s window...
    assert.equal(nodes(input({ queued: 3, oldestQueuedSeconds: 59 }), settings), 1);
    assert.equal(nodes(input({ queued: 2, running: 1, oldestQueuedSeconds: 59 }, { have: 1 }), settings), 1);
    // ...then each is assumed to take the whole window.
    assert.equal(nodes(input({ queued: 3, oldestQueuedSeconds: 60 }), settings), 3);
    // Once the first has ended, its time decides: 3 jobs of 50 s need 3 nodes at once.
    assert.equal(nodes(input({ queued: 3, oldestQueuedSeconds: 10, jobSeconds: 50 }), settings), 3);
    assert.equal(nodes(input({ running: 1, jobSeconds: 1 }, { have: 5 }), settings), 5);
  });

  it("while only a first step's first (heaviest) jobs are timed, one node for the window, then their mean", () => {
    // The demo's first step: its heaviest job took 0.497 s, 5 jobs wait (0.7 s so far), a window of
    // 1 s and a boot of 0.77 s: 5 x 0.497 s would call for a second node, but the rest are lighter.
    const first = { queued: 5, jobSeconds: 0.497, wholeStepTimed: false, oldestQueuedSeconds: 0.7 };
    const demo = { ...settings, backlogSeconds: 1 };
    assert.equal(nodes(input(first, { have: 1, bootSeconds: 0.77 }), demo), 1);
    // Once a job has waited the window, the mean of what has ended is all there is.
    assert.equal(
      nodes(input({ ...first, oldestQueuedSeconds: 1.1 }, { have: 1, bootSeconds: 0.77 }), demo),
      2,
    );
    // With a whole step timed, the mean is the step's, taken at once.
    assert.equal(nodes(input({ ...first, wholeStepTimed: true }, { have: 1, bootSeconds: 0.77 }), demo), 2);
  });

  it("starts no second node when the node up clears the backlog in time without it", () => {
    // 8 jobs of 10 s, one node up, the next step due in 100 s. A second node would be ready in 30 s
    // (a boot); the first leaves 50 s of work by then, within the 60 s window: one node, done at 80 s,
    // before the next step (a window's worth of work, counted as if new nodes worked at once, said 2).
    const backlog = { queued: 7, running: 1, jobSeconds: 10, nextWorkAt: at(100) };
    assert.equal(nodes(input(backlog, { have: 1 }), settings), 1);
    // The demo's first step at 1°: 6 jobs taken at 0.55 s (its heaviest ended first), a window of
    // 1 s, a boot of 2.6 s: one node clears 3.3 s before a second could be ready and work a window.
    assert.equal(
      nodes(input({ queued: 5, running: 1, jobSeconds: 0.55 }, { have: 1, bootSeconds: 2.6 }), {
        ...settings,
        backlogSeconds: 1,
      }),
      1,
    );
  });

  it("starts a second node when the node up would leave more than a window's work once it is ready", () => {
    // 12 jobs of 10 s: one node leaves 90 s at 30 s, more than the 60 s window: a second, which with
    // the first clears them in 30 + 90 / 2 = 75 s.
    assert.equal(nodes(input({ queued: 11, running: 1, jobSeconds: 10 }, { have: 1 }), settings), 2);
    // 20 such jobs leave 170 s: 170 / 60 → three nodes.
    assert.equal(nodes(input({ queued: 19, running: 1, jobSeconds: 10 }, { have: 1 }), settings), 3);
  });

  it("before the next step, when a node started now can be ready for it and N nodes can make it", () => {
    // 80 s of work, the next step due in 50 s: one node does 50 s by then; each new node, ready at 30
    // s, does 20 s: two more, so that the step is done as the next comes.
    const soon = { queued: 7, running: 1, jobSeconds: 10, nextWorkAt: at(50) };
    assert.equal(nodes(input(soon, { have: 1 }), settings), 3);
    // With at most 2 nodes the step is late anyway: the window after a boot decides (one node).
    assert.equal(nodes(input(soon, { have: 1, maxNodes: 2 }), settings), 1);
    // The next step due sooner than a boot: no node started now can be ready for it.
    assert.equal(nodes(input({ ...soon, nextWorkAt: at(20) }, { have: 1 }), settings), 1);
  });

  it("adds a node whenever a job has waited longer than the window and a boot, with more than a boot's work left", () => {
    // 70 jobs of 1 s on 2 nodes: 35 s of work each, more than the 30 s boot.
    const behind = input({ queued: 70, jobSeconds: 1, oldestQueuedSeconds: 91 }, { have: 2 });
    assert.equal(nodes(behind, settings), 3);
    assert.equal(nodes({ ...behind, have: 8 }, settings), 8);
    assert.equal(nodes({ ...behind, demand: { ...behind.demand, oldestQueuedSeconds: 89 } }, settings), 2);
    // 4 jobs of 1 s: the 2 nodes up are done in 2 s, long before a new one could be ready (30 s).
    assert.equal(nodes({ ...behind, demand: { ...behind.demand, queued: 4 } }, settings), 2);
    // Before any job has been timed the wait is all there is: 3 jobs, 2 nodes, a 120 s boot, the oldest
    // waited 400 s.
    assert.equal(
      nodes(
        input({ queued: 1, running: 2, oldestQueuedSeconds: 400 }, { have: 2, bootSeconds: 120 }),
        settings,
      ),
      3,
    );
    // The demo's last step: one job of 0.07 s left, waited 1.83 s (the step's queue on one node),
    // a window of 1 s and a boot of 0.83 s: no second node.
    assert.equal(
      nodes(
        input(
          { queued: 1, jobSeconds: 0.073, oldestQueuedSeconds: 1.83, waitingForData: 0 },
          { have: 1, bootSeconds: 0.83 },
        ),
        { ...settings, backlogSeconds: 1 },
      ),
      1,
    );
  });

  it("keeps up with the stream's pace while data is to come, not only with the backlog of the moment", () => {
    // A step every 20 s brings 4 jobs of 10 s: one node would fall further behind at every step.
    const fast = { nextWorkJobs: 4, jobSeconds: 10, paceSeconds: 20 };
    assert.equal(nodes(input({ ...fast, queued: 4 }, { have: 1 }), settings), 2);
    // Ahead of the next step as well (the backlog window alone would say one).
    assert.equal(nodes(input({ ...fast, nextWorkAt: at(5) }, { have: 2 }), settings), 2);
    // A step every 60 s: one node keeps up.
    assert.equal(nodes(input({ ...fast, paceSeconds: 60, queued: 4 }, { have: 1 }), settings), 1);
    // Each node busy at most half the time: 40 s of work a minute takes two.
    assert.equal(
      nodes(input({ ...fast, paceSeconds: 60, queued: 4 }, { have: 1 }), {
        ...settings,
        maxUtilisation: 0.5,
      }),
      2,
    );
    // With no data to come, the pace says nothing.
    assert.equal(nodes(input({ ...fast, queued: 4, waitingForData: 0 }, { have: 1 }), settings), 1);
  });

  it("a boot time longer than the window widens it: a node that comes too late does not help", () => {
    assert.equal(nodes(input({ queued: 8, jobSeconds: 30 }, { bootSeconds: 240 }), settings), 1);
  });

  it("starts a node one boot time before work is expected, and not earlier", () => {
    assert.equal(nodes(input({ nextWorkAt: at(31) }), settings), 0);
    assert.equal(nodes(input({ nextWorkAt: at(29) }), settings), 1);
    assert.equal(nodes(input({ nextWorkAt: at(29) }, { have: 3 }), settings), 3);
  });

  it("ahead of data of a known size, has as many nodes as its jobs need", () => {
    // One job of 50 s: one node, though three are up from an earlier backlog.
    assert.equal(
      nodes(input({ nextWorkAt: at(10), nextWorkJobs: 1, jobSeconds: 50 }, { have: 3 }), settings),
      1,
    );
    // Eight such jobs within the 60 s window: seven nodes, all started ahead.
    assert.equal(nodes(input({ nextWorkAt: at(10), nextWorkJobs: 8, jobSeconds: 50 }), settings), 7);
    // The cycle's first data, no job timed yet: one node ahead of it, not one per job.
    assert.equal(nodes(input({ nextWorkAt: at(10), nextWorkJobs: 8 }), settings), 1);
  });

  it("starts a node only as early as the window needs: one ready after the data may still clear it", () => {
    // A 45 s job within a 60 s window leaves 15 s: a 30 s boot is asked for 15 s before the data.
    const job45 = { nextWorkJobs: 1, jobSeconds: 45 };
    assert.equal(nodes(input({ ...job45, nextWorkAt: at(16) }), settings), 0);
    assert.equal(nodes(input({ ...job45, nextWorkAt: at(14) }), settings), 1);
    assert.deepEqual(autoscale(input({ ...job45, nextWorkAt: at(40) }), settings).reviewAt, at(25));
    // A 30 s job leaves a whole boot: no new node before the data, but one that is up stays for it.
    const job30 = { nextWorkJobs: 1, jobSeconds: 30, nextWorkAt: at(5) };
    assert.equal(nodes(input(job30), settings), 0);
    assert.equal(nodes(input(job30, { have: 2 }), settings), 1);
  });

  it("releases idle nodes when the next work is further away than a boot", () => {
    assert.equal(nodes(input({ nextWorkAt: at(120) }, { have: 2 }), settings), 0);
  });

  it("keeps nodes one boot time for late data, then releases them", () => {
    assert.equal(nodes(input({ nextWorkAt: at(-10) }, { have: 2 }), settings), 2);
    assert.equal(nodes(input({ nextWorkAt: at(-10) }), settings), 0);
    assert.equal(nodes(input({ nextWorkAt: at(-31) }, { have: 2 }), settings), 0);
  });

  it("releases nothing while a file is being received or registered, however late it was due", () => {
    // The first step was due 40 s ago (more than a boot): its file is still being registered.
    const arriving = input({ nextWorkAt: at(-40), dataArriving: true }, { have: 2 });
    assert.deepEqual(autoscale(arriving, settings), { nodes: 2, reviewAt: at(30) });
    assert.equal(nodes(input({ nextWorkAt: at(-40) }, { have: 2 }), settings), 0);
    // It starts none for late data either: the registered data's jobs will say how many are needed.
    assert.equal(nodes(input({ nextWorkAt: at(-40), dataArriving: true }), settings), 0);
    // But a node due for the next data still starts while a file arrives.
    const ahead = input(
      { nextWorkAt: at(10), nextWorkJobs: 2, jobSeconds: 20, dataArriving: true },
      { have: 1 },
    );
    assert.equal(nodes(ahead, settings), 1);
    assert.equal(nodes({ ...ahead, have: 0 }, settings), 1);
  });

  it("waits half the stream's gap for late data when that is longer than a boot (the steps' jitter)", () => {
    // Steps every 100 s, booting takes 30 s: data 40 s late is still waited for, 51 s late is not.
    assert.equal(nodes(input({ nextWorkAt: at(-40), paceSeconds: 100 }, { have: 1 }), settings), 1);
    assert.deepEqual(
      autoscale(input({ nextWorkAt: at(-40), paceSeconds: 100 }, { have: 1 }), settings).reviewAt,
      at(10),
    );
    assert.equal(nodes(input({ nextWorkAt: at(-51), paceSeconds: 100 }, { have: 1 }), settings), 0);
  });

  it("without a pace, keeps an idle node one boot time (ski rental)", () => {
    assert.equal(nodes(input({}, { have: 1, idleSince: at(-10) }), settings), 1);
    assert.equal(nodes(input({}, { have: 1, idleSince: at(-40) }), settings), 0);
  });

  it("wants nothing once no job waits for data and none is queued or running", () => {
    assert.equal(nodes(input({ waitingForData: 0, nextWorkAt: at(1) }, { have: 4 }), settings), 0);
  });
});

describe("when the autoscaler must look again without an event", () => {
  const review = (i: ScaleInput) => autoscale(i, settings).reviewAt;
  it("when a node must start ahead of the data, and when the data is due", () => {
    // Data due in 100 s, a boot takes 30: start a node 70 s from now.
    assert.deepEqual(review(input({ nextWorkAt: at(100) })), at(70));
    assert.deepEqual(review(input({ nextWorkAt: at(20) }, { have: 1 })), at(20));
  });

  it("when late data has been waited for one boot, or an idle node kept one boot", () => {
    assert.deepEqual(review(input({ nextWorkAt: at(-10) }, { have: 1 })), at(20));
    assert.equal(review(input({ nextWorkAt: at(-40) }, { have: 1 })), null);
    assert.deepEqual(review(input({}, { have: 1, idleSince: at(-10) })), at(20));
  });

  it("when a queued job will have waited the window and a boot", () => {
    assert.deepEqual(
      review(input({ queued: 2, jobSeconds: 1, oldestQueuedSeconds: 50 }, { have: 1 })),
      at(40),
    );
    assert.equal(review(input({ running: 1, jobSeconds: 1 }, { have: 1 })), null);
  });

  it("when untimed jobs will have waited the window", () => {
    assert.deepEqual(review(input({ queued: 3, running: 1, oldestQueuedSeconds: 45 }, { have: 1 })), at(15));
  });

  it("never, once the cycle waits for nothing", () => {
    assert.equal(review(input({ waitingForData: 0 }, { have: 1 })), null);
  });
});

describe("the stream's pace", () => {
  it("needs two bursts; arrivals within a second are one burst", () => {
    assert.equal(nextArrival([]), null);
    assert.equal(nextArrival([at(0), at(0.5), at(0.9)]), null);
  });

  it("predicts the last arrival plus the median of the last three gaps", () => {
    // Hourly steps every 60 s, then the first 3-hourly gap of 180 s: the median is still 60 s.
    const arrivals = [0, 60, 120, 180, 360].map(at);
    assert.deepEqual(nextArrival(arrivals)?.at, at(420));
    assert.equal(nextArrival(arrivals)?.paceSeconds, 60);
    // After a second long gap the median follows the new pace.
    assert.deepEqual(nextArrival([...arrivals, at(540)])?.at, at(720));
    assert.equal(nextArrival([...arrivals, at(540)])?.paceSeconds, 180);
  });

  it("does not depend on the order the arrivals come in", () => {
    assert.deepEqual(nextArrival([at(20), at(0), at(10.4), at(10)])?.at, at(30));
  });

  it("expects as many jobs as the last arrival made ready", () => {
    // One time per job: two jobs with step 0, three with step 1 (within a second of each other).
    assert.equal(nextArrival([at(0), at(0), at(60), at(60.2), at(60.9)])?.jobs, 3);
  });
});
