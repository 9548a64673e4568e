// The fleet controller: reconciles what each cycle wants (data server, N compute nodes) with what the
// provider reports, continuously. It creates what is missing, destroys what no cycle wants (the
// orphan collector is the same rule), learns the lead time from every provisioning it measures, and
// alerts the operator on failures the operator must fix. Every state has a way out: a node request
// whose answer was lost is resolved on the next pass (requests.ts), a node that never runs is
// replaced, and anything stuck longer than fleet.stuckSeconds raises an alert. It knows providers
// only through the Provider interface.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import type { Alert, Alerter } from "../alerts/alerts.ts";
import { createNodeToken, renameNodeTokens } from "../auth/tokens.ts";
import { recordAudit } from "../db/audit.ts";
import { mapLimit } from "../system/map-limit.ts";
import { autoscale, type ComputeDemand } from "./autoscale.ts";
import type { FleetConfig } from "./config.ts";
import { ProviderError } from "./errors.ts";
import { leadTimeFor } from "./leadtime.ts";
import { collectOrphans, leakCheck } from "./leaks.ts";
import { checkFunds, nodePrice } from "./money.ts";
import { renameNodeLog } from "./node-log.ts";
import { type Cycle, type CycleWant, desiredState } from "./plan.ts";
import {
  type CreateOutcome,
  type FleetNode,
  type NodeExit,
  nodeNamePrefix,
  ownedBy,
  type Provider,
  tagKeys,
} from "./provider.ts";
import { userDataFor } from "./registry.ts";
import { requestName, resolveRequests, untaggedCycle } from "./requests.ts";
import type { FleetStore, NodeRow } from "./store.ts";
import { duration, StuckClock } from "./stuck.ts";
import { type ControlAddress, dataServerUserData, type WorkerAccess, type WorkerLaunch } from "./userdata.ts";
import { dataVlanAddress, pickVlanAddress } from "./vlan.ts";

/** How long after its delivery a cycle's reruns still get compute from the fleet. */
const rerunWindowMs = 24 * 3600_000;

export interface ReconcileReport {
  at: Date;
  skipped: boolean;
  wants: CycleWant[];
  created: string[];
  destroyed: string[];
  /** Creates that failed: "NODE: why" (or "a node for CYCLE: why" when none was made). */
  failed: string[];
  refused: string[];
  /** Requests whose lost answer this pass found (the node adopted) or gave up (nothing was made). */
  adopted: string[];
  gaveUp: string[];
  /** Our nodes that no record knew, recorded now. */
  found: string[];
  errors: string[];
  /** Set when this pass ran the leak check. */
  leaks?: { orphans: number; leaks: number; collected: string[] };
}

/** What a cycle's jobs ask of its compute now (for autoscaling); null when not known. */
export type CycleDemand = (cycle: Cycle) => Promise<ComputeDemand | null>;

/** Where the controller says what it does: pino's signature (the control server's logger fits). */
export interface FleetLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ControllerOptions {
  provider: Provider;
  store: FleetStore;
  config: FleetConfig;
  alerter?: Alerter | null;
  /**
   * Where nodes find work: the data role's URL (its private address) and certificate fingerprint; null
   * while it is not serving yet (no node is started then). Each node gets a token of its own.
   */
  workerAccess: () => WorkerAccess | null;
  /**
   * Where the data server finds the control role (fleet.controlUrl) and its certificate's fingerprint:
   * given, the data server boots with user data that starts the data role with the control role's
   * settings; null, it runs what its image holds (the playbook's data role).
   */
  controlAccess?: (() => ControlAddress | null) | undefined;
  /** What a cycle's jobs ask of its compute now (for autoscaling); null when not known. */
  demand?: CycleDemand | undefined;
  now?: () => Date;
  log?: FleetLogger;
}

const nudgeGapMs = 200;
/** A node's token lasts this long after its cycle's data is due, unless revoked first (node gone, cycle over). */
const nodeTokenHours = 24;

/** A cycle name as it may appear in a node name (CloudSigma names and tags: no spaces or colons). */
export function cycleSlug(cycle: string): string {
  return cycle.toLowerCase().replace(/[^a-z0-9]+/g, "");
}

function emptyReport(at: Date): ReconcileReport {
  return {
    at,
    skipped: false,
    wants: [],
    created: [],
    destroyed: [],
    failed: [],
    refused: [],
    adopted: [],
    gaveUp: [],
    found: [],
    errors: [],
  };
}

const silent: FleetLogger = { info() {}, warn() {}, error() {} };

export class FleetController {
  readonly #o: ControllerOptions;
  readonly #env: string;
  readonly #log: FleetLogger;
  #lastLeakCheck = 0;
  /** Since when each cycle has had no queued or running job (autoscaling's idle clock). */
  readonly #idleSince = new Map<string, Date>();
  /** Per cycle, the nodes running a job at the last pass: when nodes go, idle ones go first. */
  readonly #busyNodes = new Map<string, ReadonlySet<string>>();
  /** When the last pass's autoscaling changes by the clock alone: the next pass comes no later. */
  #reviewAt: Date | null = null;
  #wake: (() => void) | null = null;
  /** Nodes released but not gone, and passes that did not complete: since when. */
  readonly #releasing = new StuckClock();
  readonly #failing = new StuckClock();
  #lastFailure = "";
  /** The current run of failing passes has been told (logged and alerted) once. */
  #failureTold = false;
  readonly #unsubscribe: (() => void) | undefined;

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#env = options.config.environment;
    this.#log = options.log ?? silent;
    this.#unsubscribe = options.provider.onNodeExit?.((exit) => void this.#exited(exit));
  }

  /** Stops listening to the provider's node exits. */
  close(): void {
    this.#unsubscribe?.();
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }

  get #stuckMs(): number {
    return this.#o.config.stuckSeconds * 1000;
  }

  /** Every node of this environment but the provider's reserved ones (golden image, data server). */
  ourNodes(all: readonly FleetNode[]): FleetNode[] {
    const reserved = this.#o.provider.reserved;
    return all.filter((n) => !reserved.includes(n.id) && !reserved.includes(n.name) && ownedBy(this.#env, n));
  }

  /**
   * One reconcile pass; another process's pass in progress makes this one a no-op. It never throws: a
   * lost database or provider is an error in the report (and, when it lasts, an alert).
   */
  async reconcile(): Promise<ReconcileReport> {
    const report = emptyReport(this.#now());
    const key = `cloudburst-fleet:${this.#env}`;
    let lock: pg.PoolClient | null = null;
    let lost = false;
    const onLost = () => {
      lost = true;
    };
    let completed = false;
    let failed = false;
    try {
      lock = await this.#o.store.pool.connect();
      // The lock lives in this session: when it is lost, another process may start a pass.
      lock.on("error", onLost);
      const got = await lock.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtext($1)) as ok", [key]);
      if (!got.rows[0]?.ok) return { ...report, skipped: true };
      try {
        await this.#pass(report, () => !lost);
        completed = true;
      } finally {
        await lock.query("select pg_advisory_unlock(hashtext($1))", [key]);
      }
    } catch (error) {
      failed = true;
      report.errors.push(`reconcile: ${(error as Error).message}`);
      this.#lastFailure = (error as Error).message;
      await this.#alertFailure(error, "reconcile");
    } finally {
      lock?.off("error", onLost);
      // A session that failed may be broken: it is closed rather than handed out again.
      lock?.release(lost || failed);
    }
    if (!report.skipped) await this.#watchFailures(completed);
    return report;
  }

  async #pass(report: ReconcileReport, holding: () => boolean): Promise<void> {
    const { store, provider, config } = this.#o;
    const now = this.#now();
    // Delivered cycles of the last day are looked at too: a rerun of one of their jobs wants compute.
    const cycles = [
      ...(await store.cycles(this.#env)),
      ...(await store.deliveredSince(this.#env, new Date(now.getTime() - rerunWindowMs))),
    ];
    const samples = await store.samples(provider.name, config.leadTime.window);
    const leadSeconds = (n: number) => leadTimeFor(n, samples, config.leadTime).seconds;
    const all = await provider.listNodes();
    const nodes = this.ourNodes(all);
    const rows = await this.#syncRows(nodes, report);
    await this.#releaseSilent(rows);
    const started = new Set(nodes.flatMap((n) => (n.tags[tagKeys.cycle] ? [n.tags[tagKeys.cycle]!] : [])));
    report.wants = desiredState(cycles, now, leadSeconds, config, started);
    await this.#autoscale(report.wants, cycles, nodes, leadSeconds);
    await this.#dataServer(all, report.wants.find((w) => w.dataServer)?.cycle ?? null, report);
    const wanted = new Map(report.wants.filter((w) => w.compute > 0).map((w) => [w.cycle, w.compute]));
    // Nodes an operator destroyed (release): their row says so until the provider confirms them gone.
    const released = new Set(
      rows.flatMap((r) => (r.state === "destroying" && r.providerId ? [r.providerId] : [])),
    );
    const doomed = [
      ...new Set([
        ...nodes.filter((n) => released.has(n.id)),
        ...this.#unwanted(
          nodes.filter((n) => !released.has(n.id)),
          wanted,
        ),
        ...(await this.#neverRan(nodes, rows)),
      ]),
    ];
    // Destroys (a graceful stop can take a minute) do not hold up the nodes a backlog needs now.
    const destroying = mapLimit(doomed, provider.capabilities.maxConcurrentCreates, async (node) => {
      await provider.destroyNode(node.id);
      await store.nodeGone(provider.name, node.id);
      return node.name;
    });
    const gone = new Set(doomed.map((d) => d.id));
    for (const [cycle, n] of wanted) {
      const missing = n - computeOf(nodes, cycle).filter((node) => !gone.has(node.id)).length;
      if (missing > 0) await this.#grow(cycle, missing, nodes.length - doomed.length, report, holding);
    }
    for (const [i, r] of (await destroying).entries()) {
      if (r.status === "fulfilled") report.destroyed.push(r.value);
      else {
        report.errors.push(`destroy ${doomed[i]!.name}: ${(r.reason as Error).message}`);
        await this.#alertFailure(r.reason, `destroy ${doomed[i]!.name}`);
      }
    }
    await this.#watchReleases(doomed.filter((d) => !report.destroyed.includes(d.name)));
    // A node's credential ends with it, however it went (destroyed, given up, found gone).
    await store.revokeTokensOfGoneNodes();
    if (Date.now() - this.#lastLeakCheck >= config.leakCheckIntervalSeconds * 1000) {
      // The pass's work is done: a leak check the provider cannot answer now is its own error.
      await this.checkLeaks(report).catch((error: unknown) => {
        report.errors.push(`leak check: ${(error as Error).message}`);
      });
    }
  }

  /** Whatever no cycle wants goes: extra nodes, finished cycles' nodes, orphans of crashed runs. */
  #unwanted(nodes: readonly FleetNode[], wanted: ReadonlyMap<string, number>): FleetNode[] {
    const doomed: FleetNode[] = [];
    for (const node of nodes) {
      if (node.tags[tagKeys.role] === "data") continue;
      const cycle = node.tags[tagKeys.cycle];
      if (!cycle || !wanted.has(cycle)) doomed.push(node);
    }
    for (const [cycle, n] of wanted) {
      // A stopped compute node is no creation in flight (passes do not overlap): a start that failed,
      // or a local worker that exited. It goes, and is replaced.
      const stopped = computeOf(nodes, cycle).filter((node) => node.state === "stopped");
      doomed.push(...stopped);
      const have = computeOf(nodes, cycle).filter((node) => node.state !== "stopped");
      if (have.length > n) {
        // Let the not-yet-running go first, then the idle ones: a node that runs a job would have to
        // finish it first, and its worker stays busy when the pace may need it.
        const busy = this.#busyNodes.get(cycle) ?? new Set<string>();
        const rank = (node: FleetNode) => (node.state === "running" ? 1 : 0) + (busy.has(node.name) ? 2 : 0);
        const order = [...have].sort((a, b) => rank(a) - rank(b));
        doomed.push(...order.slice(0, have.length - n));
      }
    }
    return doomed;
  }

  /** Compute nodes still not running fleet.stuckSeconds after they were asked for: alerted, and replaced. */
  async #neverRan(nodes: readonly FleetNode[], rows: readonly NodeRow[]): Promise<FleetNode[]> {
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const stuck: FleetNode[] = [];
    for (const row of rows) {
      const node = row.providerId === null ? undefined : byId.get(row.providerId);
      const waited = Date.now() - row.requestedAt.getTime();
      if (!node || node.state === "running" || row.readyAt !== null || waited <= this.#stuckMs) continue;
      stuck.push(node);
      await this.#alert({
        key: `fleet:${this.#env}:stuck:never-ran:${node.name}`,
        severity: "warning",
        title: `Fleet ${this.#env}: node ${node.name} never ran`,
        text:
          `${node.name} (${node.id}) is ${node.providerState} ${duration(waited)} after it was asked for ` +
          `(fleet.stuckSeconds ${this.#o.config.stuckSeconds}). The fleet destroys and replaces it; if this ` +
          "repeats, look at the provider's console for the server's state.",
        details: { environment: this.#env, cycle: row.cycle, node: node.name, id: node.id },
      });
    }
    return stuck;
  }

  /** Nodes the fleet released that are still there after fleet.stuckSeconds: they may still bill. */
  async #watchReleases(left: readonly FleetNode[]): Promise<void> {
    const byId = new Map(left.map((n) => [n.id, n]));
    for (const { key, ms } of this.#releasing.update(byId.keys(), Date.now(), this.#stuckMs)) {
      const node = byId.get(key)!;
      await this.#alert({
        key: `fleet:${this.#env}:stuck:release:${node.name}`,
        severity: "critical",
        title: `Fleet ${this.#env}: node ${node.name} not gone ${duration(ms)} after its release`,
        text:
          `The fleet has been destroying ${node.name} (${node.id}, ${node.providerState}) for ${duration(ms)}; ` +
          "it may still be billed. See the earlier destroy alerts for the provider's answer, and delete it " +
          "in the provider's console if it stays.",
        details: { environment: this.#env, node: node.name, id: node.id },
      });
    }
  }

  /** A reconcile loop that has not completed a pass for fleet.stuckSeconds is an alert and an error log. */
  async #watchFailures(completed: boolean): Promise<void> {
    const [stuck] = this.#failing.update(completed ? [] : ["pass"], Date.now(), this.#stuckMs);
    if (completed) this.#failureTold = false;
    if (!stuck || this.#failureTold) return;
    this.#failureTold = true;
    this.#log.error(
      { environment: this.#env, failingFor: duration(stuck.ms), error: this.#lastFailure },
      "the fleet has not completed a reconcile pass",
    );
    await this.#alert({
      key: `fleet:${this.#env}:stuck:reconcile`,
      severity: "critical",
      title: `Fleet ${this.#env}: no reconcile pass completed for ${duration(stuck.ms)}`,
      text:
        `Every reconcile pass fails; the last error: ${this.#lastFailure}. Nodes are neither created nor ` +
        "destroyed until it works again: check the database and the provider.",
    });
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
      const have = computeOf(nodes, cycle.cycle).filter((n) => n.state !== "stopped").length;
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

  /**
   * Creates `count` compute nodes for a cycle, after checking the account can fund them. Each node is
   * a row before it is asked for, so a crash in between leaves a request the next pass resolves.
   */
  async #grow(
    cycle: string,
    count: number,
    liveNodes: number,
    report: ReconcileReport,
    holding: () => boolean,
  ): Promise<void> {
    const { store, provider, config } = this.#o;
    const price = await nodePrice(provider, config);
    if (!(await this.#funded(cycle, count, liveNodes, price, report))) return;
    const prefix = `${nodeNamePrefix(this.#env)}${cycleSlug(cycle)}`;
    const access = this.#o.workerAccess();
    if (!access) {
      const reason = `no node for ${cycle} is made: nodes could not find work, since the data role's address is not known (start \`cloudburst server\` with the data role, or set fleet.workerServerUrl or server.publicUrl to an address nodes reach)`;
      report.errors.push(reason);
      this.#log.error({ cycle }, reason);
      return;
    }
    const rows: Array<{ id: number; name: string; launch: WorkerLaunch }> = [];
    for (let i = 0; i < count; i++) {
      this.#mustHold(holding);
      const name = requestName(prefix, randomBytes(4).toString("hex"));
      // Held by the row from now on: the unique index on live nodes' addresses guards against a twin.
      const vlan = config.vlan
        ? pickVlanAddress(config.vlan, await store.vlanAddressesInUse(this.#env))
        : null;
      const id = await store.addNode(store.pool, {
        environment: this.#env,
        cycle,
        role: "compute",
        provider: provider.name,
        name,
        price: { perHour: price.perHour, currency: price.currency },
        vlanAddress: vlan?.address ?? null,
      });
      // Minted before the provider is asked, so a database lost while it works cannot leave a node
      // without its credential (the token follows the node's name when its outcome is recorded).
      rows.push({ id, name, launch: { ...(await this.#launch(access, cycle, name)), vlan } });
    }
    this.#mustHold(holding);
    let outcomes: CreateOutcome[];
    try {
      outcomes = await provider.createNodes({
        count,
        namePrefix: prefix,
        tags: { [tagKeys.environment]: this.#env, [tagKeys.cycle]: cycle, [tagKeys.role]: "compute" },
        userData: async (node) =>
          userDataFor(provider, { ...rows[node.index]!.launch, nodeName: node.name }, config),
      });
    } catch (error) {
      // A provider that throws instead of failing node by node: no node is known to exist.
      outcomes = rows.map(() => ({ ok: false, error: error as Error }));
    }
    await this.#recordOutcomes(cycle, rows, outcomes, report);
    this.#log.info({ cycle, created: report.created.length, failed: report.failed.length }, "fleet grew");
  }

  /** What a node is told at boot: where its work is, and a token of its own that ends with its cycle. */
  async #launch(access: WorkerAccess, cycle: string, nodeName: string): Promise<WorkerLaunch> {
    const row = await this.#o.store.cycle(this.#env, cycle);
    const expiresAt = new Date((row?.dataAt ?? this.#now()).getTime() + nodeTokenHours * 3_600_000);
    const token = await createNodeToken(this.#o.store.pool, { node: nodeName, cycle, expiresAt });
    return { ...access, token, nodeName, environment: this.#env, cycle };
  }

  /** The data server's user data for `cycle`, when it is to take its settings from the control role. */
  async #dataServerBoot(cycle: string, nodeName: string): Promise<{ userData?: string }> {
    const control = this.#o.controlAccess?.() ?? null;
    if (!control) return {};
    const { config, store } = this.#o;
    const row = await store.cycle(this.#env, cycle);
    const expiresAt = new Date((row?.dataAt ?? this.#now()).getTime() + nodeTokenHours * 3_600_000);
    const token = await createNodeToken(store.pool, { node: nodeName, cycle, expiresAt, scope: "data" });
    const vlan = config.vlan ? dataVlanAddress(config.vlan) : null;
    return {
      userData: dataServerUserData({ ...control, token, nodeName, vlan }, config.sshAuthorizedKeys),
    };
  }

  #mustHold(holding: () => boolean): void {
    if (!holding())
      throw new Error("the database connection holding the fleet's lock was lost: this pass creates nothing");
  }

  /** The balance check before a burst; a cycle the account cannot fund is refused, with an alert. */
  async #funded(
    cycle: string,
    count: number,
    liveNodes: number,
    price: { perHour: number; currency: string },
    report: ReconcileReport,
  ): Promise<boolean> {
    const { store, provider, config } = this.#o;
    const funds = await checkFunds(provider, count, liveNodes, price, config);
    if (funds.ok) return true;
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
    return false;
  }

  /** Each request row takes its outcome: the node, or the failure (with the node, if one was made). */
  async #recordOutcomes(
    cycle: string,
    rows: ReadonlyArray<{ id: number; name: string }>,
    outcomes: readonly CreateOutcome[],
    report: ReconcileReport,
  ): Promise<void> {
    const { store, provider } = this.#o;
    for (const [i, row] of rows.entries()) {
      const outcome: CreateOutcome = outcomes[i] ?? {
        ok: false,
        error: new Error(`${provider.name} answered ${outcomes.length} of ${rows.length} creates`),
      };
      if (outcome.ok) {
        await store.nodeCreated(row.id, outcome.node.id, outcome.node.name, outcome.node.state === "running");
        await this.#renamed(row.name, outcome.node.name);
        await store.addSample(provider.name, rows.length, outcome.seconds);
        report.created.push(outcome.node.name);
      } else {
        await store.nodeFailed(row.id, outcome.error.message, outcome.node);
        if (outcome.node) await this.#renamed(row.name, outcome.node.name);
        report.failed.push(`${outcome.node?.name ?? `a node for ${cycle}`}: ${outcome.error.message}`);
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
  }

  /**
   * The provider named a requested node: its token, and the log lines its worker sent under the
   * request's name before (it may start before the batch's answer), follow the node's name.
   */
  async #renamed(from: string, to: string): Promise<void> {
    await renameNodeTokens(this.#o.store.pool, from, to);
    await renameNodeLog(this.#o.store.pool, from, to);
  }

  /**
   * Starts the provider's data server when a cycle (`wanting`) needs it, with user data of that cycle
   * when the control role's address is configured, and stops it (gracefully) after delivery.
   */
  async #dataServer(
    all: readonly FleetNode[],
    wanting: string | null,
    report: ReconcileReport,
  ): Promise<void> {
    const wanted = wanting !== null;
    const { provider } = this.#o;
    const name = provider.dataServer;
    if (!name) return;
    const node = all.find((n) => n.id === name || n.name === name);
    if (!node) {
      report.errors.push(`data server ${name} not found`);
      return;
    }
    try {
      if (wanting !== null && node.state === "stopped")
        await provider.startNode(node.id, await this.#dataServerBoot(wanting, node.name));
      if (!wanted && node.state === "running") await provider.stopNode(node.id);
    } catch (error) {
      report.errors.push(`data server: ${(error as Error).message}`);
      await this.#alertFailure(error, wanted ? "start the data server" : "stop the data server");
    }
  }

  /**
   * Brings the database in line with the provider: nodes it no longer has are gone, running ones are
   * ready, a ready one that stopped died; requests whose answer was lost are resolved, and our nodes
   * no row knows are recorded. Returns this provider's live rows as they were.
   */
  async #syncRows(nodes: readonly FleetNode[], report: ReconcileReport): Promise<NodeRow[]> {
    const { store, provider } = this.#o;
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const rows = (await store.liveNodes(this.#env)).filter((r) => r.provider === provider.name);
    for (const row of rows) {
      if (row.providerId === null) continue;
      const node = byId.get(row.providerId);
      if (!node) await store.nodeGone(provider.name, row.providerId);
      else if (node.state === "running" && row.state !== "ready" && row.state !== "destroying")
        await store.nodeState(provider.name, node.id, "ready");
      else if (node.state === "stopped" && row.state === "ready")
        await this.#died(node, `the provider reports it ${node.providerState}`);
    }
    const known = await store.knownIds(
      provider.name,
      nodes.map((n) => n.id),
    );
    const resolution = resolveRequests(rows, nodes, known);
    for (const { row, node } of resolution.adopt) {
      if (await store.nodeCreated(row.id, node.id, node.name, node.state === "running"))
        report.adopted.push(node.name);
    }
    for (const row of resolution.giveUp) {
      await store.requestGivenUp(
        row.id,
        "no node was made for this request: its process stopped, or the create failed, before the provider named one",
      );
      report.gaveUp.push(row.name);
    }
    for (const node of resolution.found) {
      await store.nodeFound({
        environment: this.#env,
        cycle: node.tags[tagKeys.cycle] ?? untaggedCycle,
        provider: provider.name,
        providerId: node.id,
        name: node.name,
        ready: node.state === "running",
      });
      report.found.push(node.name);
    }
    return rows;
  }

  /** A node's worker is gone: the row says so and the flow engine hears it (its tasks are aborted now). */
  async #died(node: Pick<FleetNode, "id" | "name">, reason: string): Promise<void> {
    if (!(await this.#o.store.nodeDied(this.#o.provider.name, node.id, reason))) return;
    this.#log.warn({ environment: this.#env, node: node.name, reason }, "a compute node's worker died");
  }

  /** The provider saw a node's process exit: told at once, and a pass replaces the node. */
  async #exited(exit: NodeExit): Promise<void> {
    try {
      await this.#died(exit, `the fleet saw ${exit.reason}`);
      this.nudge();
    } catch (error) {
      this.#log.error(
        { environment: this.#env, node: exit.name, err: (error as Error).message },
        "cannot record a compute node's death",
      );
    }
  }

  /**
   * Running nodes whose worker is silent (it exited, or never started: the VM runs on without it) are
   * released as an operator's destroy is (their task, if any, is announced lost at once), with an
   * alert; the pass destroys and replaces them. `rows` are updated to say so.
   */
  async #releaseSilent(rows: NodeRow[]): Promise<void> {
    const { store, provider, config } = this.#o;
    for (const silent of await store.silentNodes(this.#env, provider.name, config.workerSilenceSeconds)) {
      const since = silent.workerSeenAt ? `its last call at ${silent.workerSeenAt.toISOString()}` : "it ran";
      const reason = `its worker has not called the worker protocol since ${since} (fleet.workerSilenceSeconds ${config.workerSilenceSeconds})`;
      const released = await store.releaseNode(this.#env, provider.name, silent.providerId!, reason);
      if (!released) continue;
      for (const row of rows) if (row.id === released.id) row.state = "destroying";
      this.#log.warn({ environment: this.#env, node: released.name, reason }, "a compute node has no worker");
      await this.#alert({
        key: `fleet:${this.#env}:stuck:no-worker:${released.name}`,
        severity: "warning",
        title: `Fleet ${this.#env}: node ${released.name} runs without a worker`,
        text: `${released.name} runs at the provider, but ${reason}. The fleet destroys and replaces it; its console, or its log in the fleet view, says why the worker ended.`,
        details: {
          environment: this.#env,
          cycle: released.cycle,
          node: released.name,
          id: released.providerId,
        },
      });
    }
  }

  /**
   * An operator destroys a compute node: its row is marked destroying and its worker announced lost
   * (the flow engine aborts its task now, and ECF_TRIES retries it on another node); the pass this
   * nudges destroys it through the provider, confirmed gone as any other, and replaces it when its
   * cycle still wants N nodes. Returns the node's row; null when no live compute node of this
   * environment has that provider id.
   */
  async release(providerId: string, actor: string): Promise<NodeRow | null> {
    const { store, provider } = this.#o;
    const reason = `destroyed by an operator (${actor})`;
    const row = await store.releaseNode(this.#env, provider.name, providerId, reason);
    if (!row) return null;
    await recordAudit(store.pool, {
      actor,
      action: "fleet.destroy-node",
      subject: row.name,
      details: { environment: this.#env, cycle: row.cycle, provider: provider.name, id: providerId },
    });
    this.#log.warn(
      { environment: this.#env, node: row.name, id: providerId, actor },
      "an operator destroys a node",
    );
    this.nudge();
    return row;
  }

  /** Asks for a pass now (the backlog changed) instead of at the next interval. */
  nudge(): void {
    this.#wake?.();
  }

  /**
   * Runs reconcile passes every reconcileIntervalSeconds, sooner when nudged or when autoscaling is due
   * to change (a node to start ahead of the data), until the signal aborts. A failing pass (the
   * database or the provider gone) is logged and tried again at the next interval.
   */
  async run(signal: AbortSignal): Promise<void> {
    let nudged = false;
    while (!signal.aborted) {
      nudged = false;
      this.#wake = () => {
        nudged = true;
      };
      this.#logReport(await this.reconcile());
      const intervalMs = this.#o.config.reconcileIntervalSeconds * 1000;
      const reviewMs = this.#reviewAt ? this.#reviewAt.getTime() - this.#now().getTime() : intervalMs;
      if (!nudged) await this.#sleep(Math.max(0, Math.min(intervalMs, reviewMs)), signal);
      // Nudges come in bursts (one per job state change): at most one pass per nudgeGapMs.
      else await sleep(nudgeGapMs, undefined, { signal }).catch(() => undefined);
    }
    this.#wake = null;
  }

  #logReport(report: ReconcileReport): void {
    const fields = {
      environment: this.#env,
      created: report.created.length,
      destroyed: report.destroyed.length,
      ...(report.failed.length ? { failed: report.failed } : {}),
      ...(report.adopted.length + report.gaveUp.length + report.found.length
        ? { adopted: report.adopted, gaveUp: report.gaveUp, found: report.found }
        : {}),
    };
    const changes =
      report.created.length + report.destroyed.length + report.adopted.length + report.gaveUp.length;
    if (report.errors.length) this.#log.warn({ ...fields, errors: report.errors }, "fleet reconcile failed");
    else if (report.failed.length) this.#log.warn(fields, "fleet reconciled; some creates failed");
    else if (changes + report.found.length > 0) this.#log.info(fields, "fleet reconciled");
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
    const level = alert.severity === "critical" ? "error" : alert.severity === "warning" ? "warn" : "info";
    this.#log[level]({ key: alert.key, text: alert.text }, alert.title);
    await this.#o.alerter?.send(alert).catch(() => undefined);
  }
}

/** A cycle's compute nodes (not its data server). */
function computeOf(nodes: readonly FleetNode[], cycle: string): FleetNode[] {
  return nodes.filter((n) => n.tags[tagKeys.cycle] === cycle && n.tags[tagKeys.role] !== "data");
}
