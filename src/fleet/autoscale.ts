// Autoscaling: how many compute nodes a cycle wants now, from its job backlog and the stream's pace,
// at most the operator's N. Pure, so that every rule is tested without a provider.
//
// A node costs from its creation to its destruction, boot included. So:
//   - with jobs waiting or running, enough nodes to clear the backlog within `backlogSeconds` (at
//     least a boot) after a new node could be ready, or before the next data when a new node could
//     be ready for it: a node is added only for the work the nodes up would leave undone by then
//     (never fewer than there are: a running node may be busy, and stopping it would abort its job),
//     and one more whenever a job has waited longer than the window plus a boot (so not merely for a
//     node still booting: the nodes do not keep up with the stream), unless timed jobs say the nodes
//     up clear what is left within a boot; before any job has been timed, and while only a first
//     step's (heaviest) jobs are, one node until a job has waited the window (the first jobs' ends
//     tell what the backlog needs);
//   - while data is still to come, at least as many nodes as keep up with its pace, each busy at most
//     `maxUtilisation` of the time: a node busy all the time lets every step queue behind the one
//     before, and the backlog grows step after step;
//   - with nothing to do, a node is kept only if work is expected within the boot time, because
//     booting again would cost as much node time as waiting (and deliver later); and as many nodes as
//     the coming step's jobs need are started a boot before its data, less the slack the backlog
//     window leaves (a node ready a little after the data may still clear it in time); one node for
//     the cycle's first data, whose jobs have not been timed;
//   - when the pace is unknown, an idle node is kept for one boot time, then released (the ski-rental
//     rule: never more than twice the node time of the best choice in hindsight); for data later than
//     expected, for one boot or half the stream's gap, whichever is longer (the steps' jitter);
//   - nothing is released while a file is being received or registered: its jobs are moments away.

export interface ComputeDemand {
  /** Jobs whose data is in and which wait for a node. */
  queued: number;
  /** Jobs running on the cycle's nodes. */
  running: number;
  /** Seconds the longest-waiting queued job has waited (0 when none waits). */
  oldestQueuedSeconds: number;
  /** Jobs still waiting for their data: more work is to come. */
  waitingForData: number;
  /** When the next job's data is expected (from the stream's pace so far); null when unknown. */
  nextWorkAt: Date | null;
  /** How many jobs that data will make ready (as many as the last arrival did); null when unknown. */
  nextWorkJobs: number | null;
  /** Seconds between arrivals of data, lately (the stream's pace); null when unknown. */
  paceSeconds: number | null;
  /**
   * A file is being received or registered now. Data counts as arrived once registered (its jobs are
   * then ready), which may be a while after it was due: transfer and registration take time.
   */
  dataArriving?: boolean;
  /** Names of the nodes running a job now (workers are named after their nodes): released last. */
  busyNodes?: readonly string[];
  /**
   * Seconds a job is expected to run, measured: the mean of the latest runs, over the steps whose jobs
   * have all ended when there are any (cycle/demand.ts, meanJobSeconds); null before any has finished.
   */
  jobSeconds: number | null;
  /**
   * False while no step's jobs have all ended: the jobs timed are then a first step's first, which are
   * its heaviest (the suite takes them first), and `jobSeconds` overstates the rest.
   */
  wholeStepTimed: boolean;
}

export interface AutoscaleSettings {
  /** A backlog should be cleared within this many seconds. */
  backlogSeconds: number;
  /** Jobs a node runs at once. */
  jobsPerNode: number;
  /** The share of its time a node may spend on the stream's work when keeping up with its pace. */
  maxUtilisation: number;
}

export interface ScaleInput {
  /** The operator's N: the most this cycle may have. */
  maxNodes: number;
  /** Compute nodes the cycle has now (running or being created). */
  have: number;
  demand: ComputeDemand;
  /** Seconds from asking for a node to it taking jobs (the learned lead time). */
  bootSeconds: number;
  /** Since when the cycle has had neither queued nor running jobs; null while it has some. */
  idleSince: Date | null;
  now: Date;
}

export interface ScaleDecision {
  /** Compute nodes the cycle should have now. */
  nodes: number;
  /**
   * When the decision changes by the clock alone (a node to start ahead of the data, an idle one to
   * let go, a job waiting too long): the controller's next pass is due then at the latest, since no
   * event comes to wake it. Null when only an event (data, a job's end) can change it.
   */
  reviewAt: Date | null;
}

export function autoscale(input: ScaleInput, settings: AutoscaleSettings): ScaleDecision {
  const { demand, maxNodes, have, bootSeconds, now } = input;
  const after = (seconds: number) => new Date(now.getTime() + seconds * 1000);
  const work = demand.queued + demand.running;
  const window = Math.max(settings.backlogSeconds, bootSeconds);
  // Nodes that clear `jobs` within the window. Without a measured job length, every job is assumed to
  // take the whole backlog window.
  const jobSeconds = demand.jobSeconds ?? settings.backlogSeconds;
  const nodesFor = (jobs: number) => Math.ceil((jobs * jobSeconds) / (window * settings.jobsPerNode));
  // Nodes that do each arrival's jobs before the next arrival: what keeps up with the stream.
  const keepUp =
    demand.waitingForData > 0 && demand.paceSeconds && demand.nextWorkJobs && demand.jobSeconds
      ? Math.ceil(
          (demand.nextWorkJobs * demand.jobSeconds) /
            (demand.paceSeconds * settings.jobsPerNode * settings.maxUtilisation),
        )
      : 0;
  // Nodes that clear the work in hand by a goal, where a new node works only from when it is ready and
  // the nodes up work meanwhile: a node is started for the work they would leave undone at the goal,
  // not merely because there is more than a window's work (a second node that boots while the first
  // clears the step costs its boot, its idle time and its teardown, and buys nothing). The goal is the
  // backlog window after a new node could be ready; sooner, the next data's due time when a node
  // started now could be ready before it (each step done before the next comes), unless even N nodes
  // could not make that.
  const nodesToClear = (jobs: number) => {
    const seconds = (jobs * jobSeconds) / settings.jobsPerNode;
    const by = (goal: number) =>
      seconds <= have * goal ? have : have + Math.ceil((seconds - have * goal) / (goal - bootSeconds));
    const latency = by(bootSeconds + window);
    const untilNext = demand.nextWorkAt ? (demand.nextWorkAt.getTime() - now.getTime()) / 1000 : 0;
    if (untilNext <= bootSeconds || untilNext >= bootSeconds + window) return latency;
    const onTime = by(untilNext);
    return onTime <= maxNodes ? onTime : latency;
  };
  // How long before the data a new node must be asked for: a boot, less the slack the backlog window
  // leaves once the coming jobs are done. A node costs from its creation, so one that will be ready a
  // little after the data and still clears it within the window is started that much later. Unknown
  // jobs leave no slack.
  const leadSeconds = (jobs: number | null) => {
    if (jobs === null || jobs === 0) return bootSeconds;
    const busySeconds = (jobs * jobSeconds) / (Math.max(1, nodesFor(jobs)) * settings.jobsPerNode);
    return Math.max(0, bootSeconds - Math.max(0, settings.backlogSeconds - busySeconds));
  };
  if (work > 0) {
    // Before any job has been timed, one node for the backlog's first window: the first jobs to end
    // tell how long they take, and the worst case (each job the whole window) is assumed only once a
    // job has waited that long. Assumed at once, it started every node for a first step one node clears.
    // So too while only a first step's heaviest jobs are timed: their mean, times the jobs left,
    // started a second node for the demo's first step, which one node cleared before it was ready.
    const unmeasured = demand.jobSeconds === null || !demand.wholeStepTimed;
    const unmeasuredIn = unmeasured ? settings.backlogSeconds - demand.oldestQueuedSeconds : 0;
    const needed = unmeasuredIn > 0 ? 1 : nodesToClear(work);
    // A job waiting that long says the nodes do not keep up, unless timed jobs say the nodes up will
    // have cleared the work in hand before a new node could be ready: then the wait was the step's own
    // queue (a step of more than a window's work on one node), and a new node would arrive to nothing.
    // Untimed, the wait is all there is to go by.
    const behindIn = window + bootSeconds - demand.oldestQueuedSeconds;
    const clearedBeforeBoot =
      demand.jobSeconds !== null &&
      (work * demand.jobSeconds) / (Math.max(1, have) * settings.jobsPerNode) <= bootSeconds;
    const behind = behindIn < 0 && !clearedBeforeBoot ? have + 1 : 0;
    const reviewIn = unmeasuredIn > 0 ? Math.min(unmeasuredIn, behindIn) : behindIn;
    return {
      nodes: Math.min(maxNodes, Math.max(1, needed, have, behind, keepUp)),
      reviewAt: demand.queued > 0 && reviewIn >= 0 ? after(reviewIn) : null,
    };
  }
  if (demand.waitingForData === 0) return { nodes: 0, reviewAt: null };
  const waiting = awaitingData();
  // The registration's end wakes the next pass; the review is for a file that is never registered.
  return demand.dataArriving && waiting.nodes < have
    ? { nodes: Math.min(maxNodes, have), reviewAt: after(bootSeconds) }
    : waiting;

  /** Nothing to do yet, more data to come: what to keep or start for it. */
  function awaitingData(): ScaleDecision {
    if (demand.nextWorkAt) {
      const untilWork = (demand.nextWorkAt.getTime() - now.getTime()) / 1000;
      // As many nodes as the coming data's jobs need (nodes left from a bigger backlog go); all that
      // are up when its size is not known yet; one when no job has been timed (the cycle's first data:
      // the backlog rule above adds nodes once its jobs show they need them).
      const expected = Math.max(
        1,
        keepUp,
        demand.nextWorkJobs === null ? have : demand.jobSeconds === null ? 1 : nodesFor(demand.nextWorkJobs),
      );
      const lead = leadSeconds(demand.nextWorkJobs);
      if (untilWork > bootSeconds) return { nodes: 0, reviewAt: after(untilWork - lead) };
      // Within a boot of the data a node that is up stays (booting another would cost as much), but a
      // new one waits for its lead.
      if (untilWork > lead)
        return { nodes: Math.min(maxNodes, have, expected), reviewAt: after(untilWork - lead) };
      if (untilWork > 0) return { nodes: Math.min(maxNodes, expected), reviewAt: after(untilWork) };
      // Late data: what is up waits for it one boot time, or half the stream's gap if longer (steps
      // come with jitter around their pace: released just before one arrives, a node makes it wait a
      // boot), then goes; nothing new starts.
      const lateFor = -untilWork;
      const patience = Math.max(bootSeconds, (demand.paceSeconds ?? 0) / 2);
      return lateFor < patience
        ? { nodes: Math.min(maxNodes, have), reviewAt: after(patience - lateFor) }
        : { nodes: 0, reviewAt: null };
    }
    const idleFor = input.idleSince ? (now.getTime() - input.idleSince.getTime()) / 1000 : 0;
    return idleFor < bootSeconds
      ? { nodes: Math.min(maxNodes, have), reviewAt: after(bootSeconds - idleFor) }
      : { nodes: 0, reviewAt: null };
  }
}

/**
 * When the next data is expected, and how many jobs it brings: the last arrival plus the median of the
 * last three gaps between arrivals (the stream's pace changes: ECMWF sends hourly, then 3-hourly, then
 * 6-hourly steps), with as many jobs as the last arrival made ready. `arrivals` has one time per job;
 * arrivals closer than `sameBurstSeconds` are one burst. Null with fewer than two bursts.
 */
export function nextArrival(
  arrivals: readonly Date[],
  sameBurstSeconds = 1,
): { at: Date; jobs: number; paceSeconds: number; gaps: number } | null {
  const bursts: Array<{ at: number; jobs: number }> = [];
  for (const t of [...arrivals].map((a) => a.getTime()).sort((a, b) => a - b)) {
    const last = bursts.at(-1);
    if (last === undefined || t - last.at > sameBurstSeconds * 1000) bursts.push({ at: t, jobs: 1 });
    else last.jobs++;
  }
  if (bursts.length < 2) return null;
  const gaps = bursts
    .slice(1)
    .map((b, i) => b.at - bursts[i]!.at)
    .slice(-3)
    .sort((a, b) => a - b);
  const last = bursts.at(-1)!;
  const pace = gaps[Math.floor(gaps.length / 2)]!;
  return { at: new Date(last.at + pace), jobs: last.jobs, paceSeconds: pace / 1000, gaps: gaps.length };
}
