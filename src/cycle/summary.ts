// What a demonstrated cycle achieved, from the database once it is over: fields in, products made,
// delivered and replicated, the compute it used (and where that time went), and how late each step's
// products were. `cloudburst demo` prints it; `npm run bench cycle` tabulates it.
import pg from "pg";
import { listCycles } from "../catalogue/query.ts";
import { cycleDeliveryStatus, stepDeliveryTimes } from "../delivery/ledger.ts";
import type { FleetConfig } from "../fleet/config.ts";
import { costsByCycle } from "../fleet/money.ts";
import type { FleetService } from "../fleet/service.ts";
import type { NodeRow } from "../fleet/store.ts";
import { type HistoryEntry, nodeHistory, showTree } from "../flow/engine/queries.ts";
import { parseDisseminationName } from "../ingest/names.ts";
import type { CycleConfig } from "./config.ts";
import { stepArrivals } from "./dissemination.ts";
import { cycleKey } from "./names.ts";

export interface StepLatency {
  p50: number;
  p95: number;
  max: number;
}

export interface DemoSummary {
  cycle: string;
  suite: string;
  suiteState: string;
  seconds: number;
  fieldsIn: number;
  filesIn: number;
  productsOut: number;
  /** Product fields registered in the catalogue, each with its job and input fields. */
  productsCatalogued: number;
  /** Product rows replicated into the destination's catalogue (the second PostgreSQL). */
  productsReplicated: number;
  productsDelivered: number;
  bytesDelivered: number;
  deliveredTo: string;
  /** Compute nodes started during the cycle (the autoscaler starts and releases them with the stream). */
  nodes: number;
  /** The most compute nodes up at once. */
  peakNodes: number;
  nodeMinutes: number;
  cost: number;
  currency: string;
  /** Node-minutes if the nodes had done nothing but the jobs (their CPU time over one core per node). */
  idealNodeMinutes: number;
  /** Where the compute nodes' billed time went. */
  nodeTime: NodeTime;
  /** Seconds from a step's file arriving to the last of its products being delivered. */
  stepLatencySeconds: StepLatency | null;
  /** Whether every step's products were delivered before the next step's file arrived. */
  deliveredBeforeNextStep: boolean;
  ui: string;
  /** Where each role ran. */
  roles: RolePlaces;
}

export interface RolePlaces {
  control: string;
  data: string;
  compute: string;
}

/** Compute nodes' billed seconds, split: booting, running jobs, and the rest (idle or shutting down). */
export interface NodeTime {
  bootSeconds: number;
  /** From each job's start to its end on the node that ran it (the worker is named after its node). */
  busySeconds: number;
  idleSeconds: number;
}

export interface SummaryInputs {
  pool: pg.Pool;
  config: { cycle: CycleConfig; fleet: FleetConfig };
  /** The control role's fleet, whose nodes the cycle used. */
  fleet: FleetService | null;
  suite: string;
  baseTime: Date;
  /** When the demonstration started (ms). */
  started: number;
  suiteState: string;
  destinationCatalogueUrl: string;
  /** The control server's address. */
  serverUrl: string;
  roles: RolePlaces;
}

async function countProducts(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = await client.query<{ t: string | null }>("select to_regclass('product') as t");
    if (!table.rows[0]?.t) return 0;
    return Number((await client.query<{ n: string }>("select count(*) as n from product")).rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function summariseCycle(inputs: SummaryInputs): Promise<DemoSummary> {
  const { pool, config, suite, baseTime, started, suiteState, destinationCatalogueUrl } = inputs;
  const key = cycleKey(config.cycle.producer, baseTime);
  const cycle = (await listCycles(pool, { producer: config.cycle.producer, limit: 100 })).find(
    (c) => Date.parse(c.baseTime) === baseTime.getTime(),
  );
  const delivery = await cycleDeliveryStatus(pool, key);
  const products = await pool.query<{ n: string }>(
    "select count(*) as n from delivery where cycle_key = $1",
    [key],
  );
  const fleet = inputs.fleet;
  const nodes = fleet ? await fleet.store.nodes(fleet.config.fleet.environment, key) : [];
  const compute = nodes.filter((n) => n.role === "compute");
  const [cost] = costsByCycle(compute, new Date(), config.fleet);
  return {
    cycle: key,
    suite,
    suiteState,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    fieldsIn: cycle?.receivedFields ?? 0,
    filesIn: cycle?.files ?? 0,
    productsOut: Number(products.rows[0]?.n ?? 0),
    productsCatalogued: Number(
      (
        await pool.query<{ n: string }>(
          `select count(*) as n from product p join producer pr on pr.id = p.producer_id
            where pr.name = $1 and p.base_time = $2 and exists (select 1 from product_input i where i.product_id = p.id)`,
          [config.cycle.producer, baseTime],
        )
      ).rows[0]?.n ?? 0,
    ),
    productsReplicated: await countProducts(destinationCatalogueUrl),
    productsDelivered: delivery.delivered,
    bytesDelivered: delivery.bytes,
    deliveredTo: config.cycle.destination,
    nodes: compute.length,
    peakNodes: peakConcurrent(compute),
    nodeMinutes: Math.round(((cost?.nodeSeconds ?? 0) / 60) * 100) / 100,
    cost: Math.round((cost?.cost ?? 0) * 10_000) / 10_000,
    currency: cost?.currency ?? config.fleet.currency,
    idealNodeMinutes: Math.round((await jobCpuSeconds(pool, suite)) / 0.6) / 100,
    nodeTime: nodeTime(compute, await nodeHistory(pool, `/${suite}/products`, 1_000_000), new Date()),
    ...(await timeliness(pool, key, baseTime)),
    ui: `${inputs.serverUrl}/ui/`,
    roles: inputs.roles,
  };
}

/** The most nodes alive at the same moment. */
function peakConcurrent(nodes: readonly NodeRow[]): number {
  const edges = nodes.flatMap((n) => [
    { at: n.requestedAt.getTime(), step: 1 },
    { at: n.goneAt?.getTime() ?? Number.POSITIVE_INFINITY, step: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let up = 0;
  let peak = 0;
  for (const edge of edges) {
    up += edge.step;
    peak = Math.max(peak, up);
  }
  return peak;
}

/** Splits the nodes' billed time by what each was doing; jobs count on the node their worker is named after. */
export function nodeTime(nodes: readonly NodeRow[], history: readonly HistoryEntry[], now: Date): NodeTime {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const busy = new Map<string, number>();
  const started = new Map<string, number>();
  for (const entry of history) {
    const key = `${entry.path}#${entry.tryNo}`;
    if (entry.toState === "active" && byName.has(entry.actor)) started.set(key, Date.parse(entry.at));
    else if ((entry.toState === "complete" || entry.toState === "aborted") && started.has(key)) {
      const node = byName.get(entry.actor);
      if (node) busy.set(node.name, (busy.get(node.name) ?? 0) + Date.parse(entry.at) - started.get(key)!);
      started.delete(key);
    }
  }
  let boot = 0;
  let busySum = 0;
  let life = 0;
  for (const node of nodes) {
    const end = (node.goneAt ?? now).getTime();
    const start = node.requestedAt.getTime();
    life += Math.max(0, end - start);
    boot += Math.max(0, Math.min(node.readyAt?.getTime() ?? end, end) - start);
    busySum += busy.get(node.name) ?? 0;
  }
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  return {
    bootSeconds: seconds(boot),
    busySeconds: seconds(busySum),
    idleSeconds: seconds(Math.max(0, life - boot - busySum)),
  };
}

/** CPU seconds the product jobs reported (their `cpu` labels). */
async function jobCpuSeconds(pool: pg.Pool, suite: string): Promise<number> {
  const tree = await showTree(pool, `/${suite}/products`);
  return tree.reduce((sum, node) => sum + (Number(node.labels["cpu"]) || 0), 0);
}

/** Per step: from its file's arrival to the delivery of the last of its products. */
async function timeliness(
  pool: pg.Pool,
  key: string,
  baseTime: Date,
): Promise<{ stepLatencySeconds: StepLatency | null; deliveredBeforeNextStep: boolean }> {
  const files = await pool.query<{ name: string; received_at: Date }>(
    "select name, min(received_at) as received_at from ingest_file group by name",
  );
  const arrival = new Map<number, number>();
  for (const row of files.rows) {
    const parsed = parseDisseminationName(row.name, baseTime);
    if (parsed?.step != null && parsed.baseTime.getTime() === baseTime.getTime()) {
      arrival.set(parsed.step, row.received_at.getTime());
    }
  }
  const delivered = await stepDeliveryTimes(pool, key);
  const steps = [...arrival.keys()].sort((a, b) => a - b);
  const scheduledMinute = new Map(stepArrivals().map((a) => [a.step, a.minute]));
  const latencies: number[] = [];
  let inTime = delivered.length > 0;
  for (const row of delivered) {
    const arrived = arrival.get(row.step);
    if (arrived === undefined || row.last === null || row.open > 0) {
      inTime = false;
      continue;
    }
    latencies.push(Math.max(0, (row.last.getTime() - arrived) / 1000));
    // The next step due later than this one: where the schedule's segments meet (90 and 93, 144 and
    // 150) ECMWF sends two steps at the same minute, and neither can wait for the other.
    const due = scheduledMinute.get(row.step);
    const next = steps.find((s) => (scheduledMinute.get(s) ?? 0) > (due ?? Number.POSITIVE_INFINITY));
    if (next !== undefined && row.last.getTime() > arrival.get(next)!) inTime = false;
  }
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    stepLatencySeconds: latencies.length
      ? {
          p50: round(percentile(latencies, 50)),
          p95: round(percentile(latencies, 95)),
          max: round(latencies.at(-1)!),
        }
      : null,
    deliveredBeforeNextStep: inTime,
  };
}
