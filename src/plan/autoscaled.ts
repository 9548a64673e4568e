// The autoscaled fleet, simulated: the fleet controller's passes (every interval, at the autoscaler's
// review time, and soon after data or a job changes, at most one every nudge gap), each asking the real
// decision function (fleet/autoscale.ts) with the demand the real cycle demand computes (cycle/demand.ts
// comingData, from the steps' arrivals and ECMWF's schedule), on the simulated clock. As in the
// controller, a pass waits for the nodes it creates to run and for those it destroys to be gone, and a
// node released while it runs a job finishes it first.
import { comingData, meanJobSeconds, type StepProgress } from "../cycle/demand.ts";
import { autoscale, type ComputeDemand } from "../fleet/autoscale.ts";
import { leadTimeFor, type ProvisionSample } from "../fleet/leadtime.ts";
import { Purpose, type SimCycle } from "./cycles.ts";
import { draw } from "./distribution.ts";
import { Agenda } from "./events.ts";
import type { AutoscalePolicy, ControllerModel, NodeModel } from "./model.ts";
import type { FleetRun } from "./outcome.ts";
import { type Random, seededRandom, streamSeed } from "./random.ts";

const READY = 0;
const JOB_END = 1;
const NODE_UP = 2;
const PASS = 3;
const PASS_END = 4;

const CREATING = 0;
const RUNNING = 1;
const DRAINING = 2;
const GONE = 3;

/** The clock's origin: the first step's due time as a date (any date will do; the code reads differences). */
const origin = Date.UTC(2026, 10, 24, 5, 45);
const dateAt = (t: number) => new Date(origin + t * 1000);

export interface AutoscaleContext {
  /** ECMWF's step number of each stream step (the demand reads the schedule by step). */
  stepNumbers: readonly number[];
  nodes: NodeModel;
  controller: ControllerModel;
  /** When the controller's first pass looks at the cycle (seconds after the first step is due). */
  startSeconds: number;
  seed: number;
}

export function runAutoscaledFleet(
  cycle: SimCycle,
  policy: AutoscalePolicy,
  context: AutoscaleContext,
): FleetRun {
  return new AutoscaledCycle(cycle, policy, context).run();
}

class AutoscaledCycle {
  readonly #c: SimCycle;
  readonly #p: AutoscalePolicy;
  readonly #x: AutoscaleContext;
  readonly #agenda = new Agenda();
  readonly #boots: Random;
  readonly #failures: Random;
  readonly #teardowns: Random;
  readonly #cold: Random;
  // Nodes, by index.
  readonly #state: number[] = [];
  readonly #requested: number[] = [];
  readonly #gone: number[] = [];
  readonly #busy: number[] = [];
  readonly #busyUntil: number[] = [];
  /** Jobs each node has taken: its first loads the product code. */
  readonly #taken: number[] = [];
  #asked = 0;
  // Jobs: those below #head have started; those below #readyUpTo have their data.
  #head = 0;
  #readyUpTo = 0;
  #running = 0;
  #done = 0;
  readonly #stepEnd: Float64Array;
  /** When each job started running (its fetch done). */
  readonly #jobStart: Float64Array;
  /** The last 20 jobs' seconds and steps (rings), as the demand reads them. */
  readonly #recent = new Float64Array(20);
  readonly #recentStep = new Int32Array(20);
  /** Jobs of each step not ended yet. */
  readonly #stepLeft: Int32Array;
  readonly #ended = (w: number) => this.#stepLeft[w] === 0;
  #finished = 0;
  #jobSeconds: number | null = null;
  /** Some step's jobs have all ended (the demand's `wholeStepTimed`). */
  #stepEnded = false;
  // What cycle/demand.ts reads from the suite.
  readonly #steps: StepProgress[];
  readonly #arrivals: Date[] = [];
  #coming: ReturnType<typeof comingData> = null;
  #received = 0;
  // The controller.
  #samples: ProvisionSample[];
  #lead: number;
  #idleSince: number | null = null;
  #passing = false;
  #nudged = false;
  /** The pass the controller sleeps towards, and whether a nudge may wake it sooner. */
  #nextPass = Number.POSITIVE_INFINITY;
  #wakeable = true;
  #generation = 0;
  #reviewAt: number | null = null;

  constructor(cycle: SimCycle, policy: AutoscalePolicy, context: AutoscaleContext) {
    this.#c = cycle;
    this.#p = policy;
    this.#x = context;
    this.#boots = seededRandom(streamSeed(context.seed, cycle.index, Purpose.boots));
    this.#failures = seededRandom(streamSeed(context.seed, cycle.index, Purpose.failures));
    this.#teardowns = seededRandom(streamSeed(context.seed, cycle.index, Purpose.teardown));
    this.#cold = seededRandom(streamSeed(context.seed, cycle.index, Purpose.cold));
    this.#stepEnd = new Float64Array(cycle.workSteps.length).fill(Number.NEGATIVE_INFINITY);
    this.#jobStart = new Float64Array(cycle.jobSeconds.length);
    this.#stepLeft = Int32Array.from(cycle.workSteps, (_, w) => cycle.jobFirst[w + 1]! - cycle.jobFirst[w]!);
    this.#steps = Array.from(cycle.workSteps, (s, w) => ({
      step: context.stepNumbers[s]!,
      jobs: cycle.jobFirst[w + 1]! - cycle.jobFirst[w]!,
      arrived: null,
    }));
    this.#samples = context.controller.samples.slice(0, context.controller.leadTime.window);
    this.#lead = this.#learnedLead();
    this.#coming = comingData(this.#steps, this.#arrivals, dateAt(0));
  }

  run(): FleetRun {
    const c = this.#c;
    for (let w = 0; w < c.workSteps.length; w++) this.#agenda.push(c.ready[c.workSteps[w]!]!, READY, w);
    this.#schedulePass(this.#x.startSeconds, true);
    const total = c.jobSeconds.length;
    const limit = (c.received[c.received.length - 1] ?? 0) + 7 * 24 * 3600;
    for (let event = this.#agenda.pop(); event; event = this.#agenda.pop()) {
      if (event.at > limit)
        throw new Error("the simulated cycle did not end within a week: a policy never ran its jobs");
      this.#handle(event.at, event.kind, event.a, event.b);
      if (this.#done === total && this.#alive() === 0 && !this.#passing) break;
    }
    const start: number[] = [];
    const end: number[] = [];
    for (let n = 0; n < this.#state.length; n++) {
      if (Number.isNaN(this.#gone[n]!)) continue;
      start.push(this.#requested[n]!);
      end.push(this.#gone[n]!);
    }
    return { nodeStart: start, nodeEnd: end, stepEnd: this.#stepEnd, nodesStarted: this.#asked };
  }

  #handle(t: number, kind: number, a: number, b: number): void {
    if (kind === READY) this.#ready(t, a);
    else if (kind === JOB_END) this.#jobEnd(t, a, b);
    else if (kind === NODE_UP) {
      if (this.#state[a] === CREATING) this.#state[a] = RUNNING;
      this.#dispatch(t, a);
    } else if (kind === PASS) {
      if (a === this.#generation) this.#pass(t);
    } else if (kind === PASS_END) this.#passEnd(t);
  }

  #ready(t: number, w: number): void {
    this.#readyUpTo = this.#c.jobFirst[w + 1]!;
    const at = dateAt(t);
    this.#steps[w]!.arrived = at;
    for (let j = this.#c.jobFirst[w]!; j < this.#readyUpTo; j++) this.#arrivals.push(at);
    this.#coming =
      this.#readyUpTo < this.#c.jobSeconds.length ? comingData(this.#steps, this.#arrivals, dateAt(0)) : null;
    this.#nudge(t);
    for (let n = 0; n < this.#state.length && this.#head < this.#readyUpTo; n++) this.#dispatch(t, n);
  }

  /** A running node's free CPUs take the waiting jobs, in the suite's order. */
  #dispatch(t: number, n: number): void {
    while (this.#state[n] === RUNNING && this.#busy[n]! < this.#p.cpus && this.#head < this.#readyUpTo) {
      const j = this.#head++;
      const cold =
        this.#taken[n]!++ === 0 ? Math.max(0, draw(this.#x.nodes.firstJobExtraSeconds, this.#cold)) : 0;
      this.#jobStart[j] = t + this.#x.nodes.dispatchSeconds;
      const end = this.#jobStart[j]! + this.#c.jobSeconds[j]! + cold;
      this.#busy[n]!++;
      this.#running++;
      this.#busyUntil[n] = Math.max(this.#busyUntil[n]!, end);
      this.#agenda.push(end, JOB_END, n, j);
      this.#nudge(t + this.#x.nodes.dispatchSeconds);
    }
  }

  #jobEnd(t: number, n: number, j: number): void {
    this.#busy[n]!--;
    this.#running--;
    this.#done++;
    const w = this.#c.jobWork[j]!;
    if (t > this.#stepEnd[w]!) this.#stepEnd[w] = t;
    this.#recentStep[this.#finished % 20] = w;
    this.#recent[this.#finished++ % 20] = t - this.#jobStart[j]!;
    this.#stepLeft[w]!--;
    const count = Math.min(20, this.#finished);
    if (this.#stepLeft[w] === 0) this.#stepEnded = true;
    this.#jobSeconds = meanJobSeconds(
      this.#recent.subarray(0, count),
      this.#recentStep.subarray(0, count),
      this.#ended,
    );
    this.#nudge(t);
    this.#dispatch(t, n);
  }

  /** A change the controller hears of: it wakes from its interval sleep, or passes again soon after this pass. */
  #nudge(t: number): void {
    if (this.#passing) this.#nudged = true;
    else if (this.#wakeable && t < this.#nextPass) this.#schedulePass(t, true);
  }

  #schedulePass(at: number, wakeable: boolean): void {
    this.#generation++;
    this.#nextPass = at;
    this.#wakeable = wakeable;
    this.#agenda.push(at, PASS, this.#generation);
  }

  #pass(t: number): void {
    const x = this.#x;
    this.#passing = true;
    this.#nudged = false;
    this.#nextPass = Number.POSITIVE_INFINITY;
    const demand = this.#demand(t);
    const work = demand.queued + demand.running;
    this.#idleSince = work > 0 ? null : (this.#idleSince ?? t);
    const have = this.#alive();
    const decision = autoscale(
      {
        maxNodes: this.#p.maxNodes,
        have,
        demand,
        bootSeconds: this.#lead,
        idleSince: this.#idleSince === null ? null : dateAt(this.#idleSince),
        now: dateAt(t),
      },
      {
        backlogSeconds: this.#p.backlogSeconds,
        jobsPerNode: this.#p.cpus,
        maxUtilisation: this.#p.maxUtilisation,
      },
    );
    this.#reviewAt = decision.reviewAt ? (decision.reviewAt.getTime() - origin) / 1000 : null;
    const acting = t + x.controller.passSeconds;
    let end = acting;
    if (decision.nodes < have) end = Math.max(end, this.#release(have - decision.nodes, acting));
    if (decision.nodes > have) end = Math.max(end, this.#create(decision.nodes - have, acting));
    this.#agenda.push(end, PASS_END);
  }

  #passEnd(t: number): void {
    this.#passing = false;
    const { intervalSeconds, nudgeGapSeconds } = this.#x.controller;
    if (this.#nudged) {
      this.#schedulePass(t + nudgeGapSeconds, false);
      return;
    }
    const review = this.#reviewAt === null ? Number.POSITIVE_INFINITY : Math.max(t, this.#reviewAt);
    this.#schedulePass(Math.min(t + intervalSeconds, review), true);
  }

  #demand(t: number): ComputeDemand {
    const c = this.#c;
    while (this.#received < c.received.length && c.received[this.#received]! <= t) this.#received++;
    const queued = this.#readyUpTo - this.#head;
    const waitingForData = c.jobSeconds.length - this.#readyUpTo;
    const next = waitingForData > 0 ? this.#coming : null;
    return {
      queued,
      running: this.#running,
      oldestQueuedSeconds: queued > 0 ? Math.max(0, t - c.ready[c.workSteps[c.jobWork[this.#head]!]!]!) : 0,
      waitingForData,
      nextWorkAt: next?.at ?? null,
      nextWorkJobs: next?.jobs ?? null,
      paceSeconds: next?.paceSeconds ?? null,
      dataArriving: this.#received > 0 && c.ready[this.#received - 1]! > t,
      jobSeconds: this.#jobSeconds,
      wholeStepTimed: this.#stepEnded,
    };
  }

  /** Destroys `count` nodes: idle ones first; a busy one stops taking jobs and goes when its jobs end. */
  #release(count: number, at: number): number {
    const candidates: number[] = [];
    for (let n = 0; n < this.#state.length; n++)
      if (this.#state[n] === RUNNING || this.#state[n] === CREATING) candidates.push(n);
    const rank = (n: number) => (this.#state[n] === RUNNING ? 1 : 0) + (this.#busy[n]! > 0 ? 2 : 0);
    candidates.sort((a, b) => rank(a) - rank(b) || b - a);
    let end = at;
    for (const n of candidates.slice(0, count)) {
      const teardown = Math.max(0, draw(this.#x.nodes.teardownSeconds, this.#teardowns));
      this.#gone[n] = Math.max(at, this.#busyUntil[n]!) + teardown;
      this.#state[n] = this.#busy[n]! > 0 ? DRAINING : GONE;
      end = Math.max(end, this.#gone[n]!);
    }
    return end;
  }

  /** Asks for `count` nodes at once; each runs after its provisioning time, its worker a moment later. */
  #create(count: number, at: number): number {
    const nodes = this.#x.nodes;
    let end = at;
    for (const seconds of nodes.provision(count, this.#boots)) {
      this.#asked++;
      end = Math.max(end, at + seconds);
      if (this.#failures() < nodes.failureRate) continue;
      const n = this.#state.length;
      this.#state.push(CREATING);
      this.#requested.push(at);
      this.#gone.push(Number.NaN);
      this.#busy.push(0);
      this.#busyUntil.push(Number.NEGATIVE_INFINITY);
      this.#taken.push(0);
      this.#agenda.push(at + seconds + Math.max(0, draw(nodes.workerStartSeconds, this.#boots)), NODE_UP, n);
      this.#samples.unshift({ batchSize: count, seconds });
    }
    this.#samples.length = Math.min(this.#samples.length, this.#x.controller.leadTime.window);
    this.#lead = this.#learnedLead();
    return end;
  }

  #learnedLead(): number {
    return leadTimeFor(1, this.#samples, this.#x.controller.leadTime).seconds;
  }

  #alive(): number {
    let alive = 0;
    for (const s of this.#state) if (s === CREATING || s === RUNNING) alive++;
    return alive;
  }
}
