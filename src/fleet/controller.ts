// The fleet controller: reconciles what each cycle wants (data server, N compute nodes) with what the
// provider reports, continuously. It creates what is missing, destroys what no cycle wants (the
// orphan collector is the same rule), learns the lead time from every provisioning it measures, and
// alerts the operator on failures the operator must fix.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Alert, Alerter } from "../alerts/alerts.ts";
import { autoscale, type ComputeDemand } from "./autoscale.ts";
import type { FleetConfig } from "./config.ts";
import { ProviderError } from "./errors.ts";
import { leadTimeFor } from "./leadtime.ts";
import { collectOrphans, leakCheck } from "./leaks.ts";
import { checkFunds, nodePrice } from "./money.ts";
import { type Cycle, type CycleWant, desiredState } from "./plan.ts";
import { type FleetNode, type Provider, tagKeys } from "./provider.ts";
import { userDataFor } from "./registry.ts";
import { mapLimit } from "./retry.ts";
import type { FleetStore } from "./store.ts";

/** How long after its delivery a cycle's reruns still get compute from the fleet. */
const rerunWindowMs = 24 * 3600_000;

export interface ReconcileReport {
  at: Date;
  skipped: boolean;
  wants: CycleWant[];
  created: string[];
  destroyed: string[];
  failed: string[];
  refused: string[];
  errors: string[];
  /** Set when this pass ran the leak check. */
  leaks?: { orphans: number; leaks: number; collected: string[] };
}

/** What a cycle's jobs ask of its compute now (for autoscaling); null when not known. */
export type CycleDemand = (cycle: Cycle) => Promise<ComputeDemand | null>;

export interface ControllerOptions {
  provider: Provider;
  store: FleetStore;
  config: FleetConfig;
  alerter?: Alerter | null;
  /** The control/data server URL the workers are pointed at. */
  workerServerUrl: string;
  /** The database URL cloud workers connect to (secret: only in their user data). */
  workerDatabaseUrl?: string | undefined;
  /** What a cycle's jobs ask of its compute now (for autoscaling); null when not known. */
  demand?: CycleDemand | undefined;
  now?: () => Date;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

const nudgeGapMs = 200;

/** A cycle name as it may appear in a node name (CloudSigma names and tags: no spaces or colons). */
export function cycleSlug(cycle: string): string {
  return cycle.toLowerCase().replace(/[^a-z0-9]+/g, "");
}

export class FleetController {
  readonly #o: ControllerOptions;
  readonly #env: string;
  #lastLeakCheck = 0;
  /** Since when each cycle has had no queued or running job (autoscaling's idle clock). */
  readonly #idleSince = new Map<string, Date>();
  /** Per cycle, the nodes running a job at the last pass: when nodes go, idle ones go first. */
  readonly #busyNodes = new Map<string, ReadonlySet<string>>();
  /** When the last pass's autoscaling changes by the clock alone: the next pass comes no later. */
  #reviewAt: Date | null = null;
  #wake: (() => void) | null = null;

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#env = options.config.environment;
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }

  /** Servers the fleet must never destroy: the golden image and the data server. */
  #protected(node: FleetNode): boolean {
    const { goldenServer, dataServer } = this.#o.config.cloudsigma;
    return [goldenServer, dataServer].some((p) => p !== undefined && (node.id === p || node.name === p));
  }

  /** Every node of this environment: tagged with it, or named like ours (a clone not yet tagged). */
  ourNodes(all: readonly FleetNode[]): FleetNode[] {
    const prefix = `cb-${this.#env}-`;
    return all.filter(
      (n) => !this.#protected(n) && (n.tags[tagKeys.environment] === this.#env || n.name.startsWith(prefix)),
    );
  }

  /** One reconcile pass; another process's pass in progress makes this one a no-op. */
  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      at: this.#now(),
      skipped: false,
      wants: [],
      created: [],
      destroyed: [],
      failed: [],
      refused: [],
      errors: [],
    };
    const lock = await this.#o.store.pool.connect();
    // A database restart during a long pass must fail the pass, not crash the process.
    const ignore = () => undefined;
    lock.on("error", ignore);
    try {
      const got = await lock.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtext($1)) as ok", [
        `cloudburst-fleet:${this.#env}`,
      ]);
      if (!got.rows[0]?.ok) return { ...report, skipped: true };
      try {
        await this.#pass(report);
      } finally {
        await lock.query("select pg_advisory_unlock(hashtext($1))", [`cloudburst-fleet:${this.#env}`]);
      }
    } catch (error) {
      report.errors.push((error as Error).message);
      await this.#alertFailure(error, "reconcile");
    } finally {
      lock.off("error", ignore);
      lock.release();
    }
    return report;
  }

  async #pass(report: ReconcileReport): Promise<void> {
    const { store, provider, config } = this.#o;
    const now = this.#now();
    // Delivered cycles of the last day are looked at too: a rerun of one of their jobs wants compute.
    const cycles = [
      ...(await store.cycles(this.#env)),
      ...(await store.deliveredSince(this.#env, new Date(now.getTime() - rerunWindowMs))),
    ];
    const samples = await store.samples(provider.name, config.leadTime.window);
    const all = await provider.listNodes();
    const nodes = this.ourNodes(all);
    const started = new Set(nodes.flatMap((n) => (n.tags[tagKeys.cycle] ? [n.tags[tagKeys.cycle]!] : [])));
    report.wants = desiredState(
      cycles,
      now,
      (n) => leadTimeFor(n, samples, config.leadTime).seconds,
      config,
      started,
    );
    await this.#autoscale(
      report.wants,
      cycles,
      nodes,
      (n) => leadTimeFor(n, samples, config.leadTime).seconds,
    );
    await this.#syncRows(nodes);
    await this.#dataServer(
      all,
      report.wants.some((w) => w.dataServer),
      report,
    );

    const wanted = new Map(report.wants.filter((w) => w.compute > 0).map((w) => [w.cycle, w.compute]));
    const computeOf = (cycle: string) =>
      nodes.filter((n) => n.tags[tagKeys.cycle] === cycle && n.tags[tagKeys.role] !== "data");
    // Whatever no cycle wants goes: extra nodes, finished cycles' nodes, orphans of crashed runs.
    const doomed: FleetNode[] = [];
    for (const node of nodes) {
      if (node.tags[tagKeys.role] === "data") continue;
      const cycle = node.tags[tagKeys.cycle];
      if (!cycle || !wanted.has(cycle)) doomed.push(node);
    }
    for (const [cycle, n] of wanted) {
      // A stopped compute node is no creation in flight (passes do not overlap): a start that failed,
      // or a local worker that exited. It goes, and is replaced below.
      const stopped = computeOf(cycle).filter((node) => node.state === "stopped");
      doomed.push(...stopped);
      const have = computeOf(cycle).filter((node) => node.state !== "stopped");
      if (have.length > n) {
        // Let the not-yet-running go first, then the idle ones: a node that runs a job would have to
        // finish it first, and its worker stays busy when the pace may need it.
        const busy = this.#busyNodes.get(cycle) ?? new Set<string>();
        const rank = (node: FleetNode) => (node.state === "running" ? 1 : 0) + (busy.has(node.name) ? 2 : 0);
        const order = [...have].sort((a, b) => rank(a) - rank(b));
        doomed.push(...order.slice(0, have.length - n));
      }
    }
    // Destroys (a graceful stop can take a minute) do not hold up the nodes a backlog needs now.
    const destroying = mapLimit(doomed, provider.capabilities.maxConcurrentCreates, async (node) => {
      await provider.destroyNode(node.id);
      await store.nodeGone(provider.name, node.id);
      return node.name;
    });
    const gone = new Set(doomed.map((d) => d.id));
    for (const [cycle, n] of wanted) {
      const missing = n - computeOf(cycle).filter((node) => !gone.has(node.id)).length;
      if (missing > 0) await this.#grow(cycle, missing, nodes.length - doomed.length, report);
    }
    for (const [i, r] of (await destroying).entries()) {
      if (r.status === "fulfilled") report.destroyed.push(r.value);
      else {
        report.errors.push(`destroy ${doomed[i]!.name}: ${(r.reason as Error).message}`);
        await this.#alertFailure(r.reason, `destroy ${doomed[i]!.name}`);
      }
    }
    if (Date.now() - this.#lastLeakCheck >= config.leakCheckIntervalSeconds * 1000)
      await this.checkLeaks(report);
  }

  /**
   * Lowers (or raises, up to N) each live cycle's wanted compute to what its backlog and pace need. A
   * cycle whose compute was released (processed, delivered) gets nodes again, and its data server,
   * while jobs of it wait or run: an operator's rerun of a product after the teardown.
   */
  async #autoscale(
    wants: CycleWant[],
    cycles: readonly Cycle[],
    nodes: readonly FleetNode[],
    leadSeconds: (n: number) => number,
  ): Promise<void> {
    const { demand, config } = this.#o;
    this.#reviewAt = null;
    if (!demand || !config.autoscale.enabled) return;
    const now = this.#now();
    for (const want of wants) {
      const cycle = cycles.find((c) => c.cycle === want.cycle);
      const live = cycle?.state === "planned" || cycle?.state === "processing";
      const rerunnable = cycle?.state === "processed" || cycle?.state === "delivered";
      if (!cycle || !(live || rerunnable)) {
        this.#idleSince.delete(want.cycle);
        continue;
      }
      const d = await demand(cycle);
      if (!d) continue;
      this.#busyNodes.set(cycle.cycle, new Set(d.busyNodes ?? []));
      const busy = d.queued + d.running > 0;
      if (!live && !busy) {
        this.#idleSince.delete(want.cycle);
        continue;
      }
      if (!live) want.dataServer = true;
      if (busy) this.#idleSince.delete(cycle.cycle);
      else if (!this.#idleSince.has(cycle.cycle)) this.#idleSince.set(cycle.cycle, now);
      const have = nodes.filter(
        (n) =>
          n.tags[tagKeys.cycle] === cycle.cycle && n.tags[tagKeys.role] !== "data" && n.state !== "stopped",
      ).length;
      const decision = autoscale(
        {
          maxNodes: cycle.computeNodes,
          have,
          demand: d,
          bootSeconds: leadSeconds(1),
          idleSince: this.#idleSince.get(cycle.cycle) ?? null,
          now,
        },
        config.autoscale,
      );
      want.compute = decision.nodes;
      if (decision.reviewAt && (!this.#reviewAt || decision.reviewAt < this.#reviewAt))
        this.#reviewAt = decision.reviewAt;
    }
  }

  /** Compares what we own with what the provider bills: collects orphans, alerts on what it cannot delete. */
  async checkLeaks(report?: ReconcileReport): Promise<NonNullable<ReconcileReport["leaks"]>> {
    const { provider, store, config } = this.#o;
    this.#lastLeakCheck = Date.now();
    const leaks = await leakCheck(provider, store, config);
    const collected = leaks.orphans
      ? await collectOrphans(provider, store, leaks)
      : { destroyed: [], errors: [] };
    for (const item of leaks.items.filter((i) => i.verdict === "leak")) {
      await this.#alert({
        key: `fleet:${this.#env}:leak:${item.resource.kind}:${item.resource.id}`,
        severity: "critical",
        title: `${provider.name} bills a leaked ${item.resource.kind}: ${item.resource.name}`,
        text:
          `${item.why}. The API cannot delete it: ask the provider's support to stop the charge, and cancel ` +
          `its subscription's auto-renewal in the provider's console. (${item.resource.detail ?? ""})`,
        details: { environment: this.#env, kind: item.resource.kind, id: item.resource.id },
      });
    }
    const result = { orphans: leaks.orphans, leaks: leaks.leaks, collected: collected.destroyed };
    if (report) {
      report.leaks = result;
      report.errors.push(...collected.errors);
    }
    return result;
  }

  /** Creates `count` compute nodes for a cycle, after checking the account can fund them. */
  async #grow(cycle: string, count: number, liveNodes: number, report: ReconcileReport): Promise<void> {
    const { store, provider, config } = this.#o;
    const price = await nodePrice(provider, config);
    const funds = await checkFunds(provider, count, liveNodes, price, config);
    if (!funds.ok) {
      await store.setCycleState(this.#env, cycle, "refused", funds.reason ?? "insufficient funds");
      report.refused.push(cycle);
      await this.#alert({
        key: `fleet:${this.#env}:funds:${cycle}`,
        severity: "critical",
        title: `Cycle ${cycle} refused: the account cannot fund it`,
        text: `${funds.reason}. No nodes were started for this cycle. Top up the account, or lower N with \`cloudburst fleet up N --cycle ${cycle}\`.`,
        httpCode: 402,
        details: {
          environment: this.#env,
          cycle,
          balance: funds.balance,
          required: funds.required,
          currency: funds.currency,
        },
      });
      return;
    }
    const prefix = `cb-${this.#env}-${cycleSlug(cycle)}`;
    const rows: number[] = [];
    for (let i = 0; i < count; i++) {
      rows.push(
        await store.addNode(store.pool, {
          environment: this.#env,
          cycle,
          role: "compute",
          provider: provider.name,
          name: `${prefix}-pending-${randomBytes(4).toString("hex")}`,
          price: { perHour: price.perHour, currency: price.currency },
        }),
      );
    }
    const userData = userDataFor(
      provider,
      {
        serverUrl: this.#o.workerServerUrl,
        databaseUrl: this.#o.workerDatabaseUrl,
        nodeName: prefix,
        environment: this.#env,
        cycle,
      },
      config,
    );
    const outcomes = await provider.createNodes({
      count,
      namePrefix: prefix,
      tags: { [tagKeys.environment]: this.#env, [tagKeys.cycle]: cycle, [tagKeys.role]: "compute" },
      userData,
    });
    for (const [i, outcome] of outcomes.entries()) {
      const row = rows[i]!;
      if (outcome.ok) {
        await store.nodeCreated(row, outcome.node.id, outcome.node.name, outcome.node.state === "running");
        await store.addSample(provider.name, count, outcome.seconds);
        report.created.push(outcome.node.name);
      } else {
        await store.nodeFailed(row, outcome.error.message);
        report.failed.push(outcome.error.message);
        await this.#alertFailure(outcome.error, `create a node for ${cycle}`);
      }
    }
    // No funds (402): trying again each pass would only clone more servers that cannot start.
    const unfunded = outcomes.find(
      (o) => !o.ok && o.error instanceof ProviderError && o.error.status === 402,
    );
    if (unfunded && !unfunded.ok) {
      await store.setCycleState(
        this.#env,
        cycle,
        "refused",
        `the provider refused a start: ${unfunded.error.message}`,
      );
      report.refused.push(cycle);
    }
    this.#o.log?.("fleet grew", { cycle, created: report.created.length, failed: report.failed.length });
  }

  /** Starts the configured data server when a cycle needs it, and stops it (gracefully) after delivery. */
  async #dataServer(all: readonly FleetNode[], wanted: boolean, report: ReconcileReport): Promise<void> {
    const name = this.#o.config.cloudsigma.dataServer;
    if (!name || this.#o.provider.name !== "cloudsigma") return;
    const node = all.find((n) => n.id === name || n.name === name);
    if (!node) {
      report.errors.push(`data server ${name} not found`);
      return;
    }
    try {
      if (wanted && node.state === "stopped") await this.#o.provider.startNode(node.id);
      if (!wanted && node.state === "running") await this.#o.provider.stopNode(node.id);
    } catch (error) {
      report.errors.push(`data server: ${(error as Error).message}`);
      await this.#alertFailure(error, wanted ? "start the data server" : "stop the data server");
    }
  }

  /** Brings the database in line with the provider: nodes it no longer has are gone; running ones are ready. */
  async #syncRows(nodes: FleetNode[]): Promise<void> {
    const { store, provider } = this.#o;
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (const row of await store.liveNodes(this.#env)) {
      if (row.provider !== provider.name || row.providerId === null) continue;
      const node = byId.get(row.providerId);
      if (!node) await store.nodeGone(provider.name, row.providerId);
      else if (node.state === "running" && row.state !== "ready")
        await store.nodeState(provider.name, node.id, "ready");
    }
  }

  /** Asks for a pass now (the backlog changed) instead of at the next interval. */
  nudge(): void {
    this.#wake?.();
  }

  /**
   * Runs reconcile passes every reconcileIntervalSeconds, sooner when nudged or when autoscaling is due
   * to change (a node to start ahead of the data), until the signal aborts.
   */
  async run(signal: AbortSignal): Promise<void> {
    let nudged = false;
    while (!signal.aborted) {
      nudged = false;
      this.#wake = () => {
        nudged = true;
      };
      const report = await this.reconcile();
      if (report.created.length || report.destroyed.length || report.errors.length) {
        this.#o.log?.("fleet reconciled", {
          created: report.created.length,
          destroyed: report.destroyed.length,
          errors: report.errors,
        });
      }
      const intervalMs = this.#o.config.reconcileIntervalSeconds * 1000;
      const reviewMs = this.#reviewAt ? this.#reviewAt.getTime() - this.#now().getTime() : intervalMs;
      if (!nudged) await this.#sleep(Math.max(0, Math.min(intervalMs, reviewMs)), signal);
      // Nudges come in bursts (one per job state change): at most one pass per nudgeGapMs.
      else await sleep(nudgeGapMs, undefined, { signal }).catch(() => undefined);
    }
    this.#wake = null;
  }

  /** Sleeps until the interval ends, the signal aborts, or a nudge arrives. */
  async #sleep(ms: number, signal: AbortSignal): Promise<void> {
    const interrupt = new AbortController();
    const both = AbortSignal.any([signal, interrupt.signal]);
    this.#wake = () => interrupt.abort();
    await sleep(ms, undefined, { signal: both }).catch(() => undefined);
  }

  async #alertFailure(error: unknown, what: string): Promise<void> {
    const status = error instanceof ProviderError ? error.status : undefined;
    const operatorMust = error instanceof ProviderError && error.needsOperator;
    await this.#alert({
      key: `fleet:${this.#env}:${status ?? "error"}:${what.replace(/ cb-\S+/, "")}`,
      severity: operatorMust ? "critical" : "warning",
      title: `Fleet ${this.#env}: ${what} failed${status ? ` (HTTP ${status})` : ""}`,
      text: (error as Error).message,
      ...(status !== undefined ? { httpCode: status } : {}),
      ...(error instanceof ProviderError && error.body ? { providerBody: error.body } : {}),
    });
  }

  async #alert(alert: Alert): Promise<void> {
    this.#o.log?.(alert.title, { key: alert.key });
    await this.#o.alerter?.send(alert).catch(() => undefined);
  }
}
