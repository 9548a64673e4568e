// A suite as the engine holds it in memory: its model (rebuilt from the stored .def text) and every
// node's runtime, mapped from and to the rows of store.ts. Shared by the engine, the operator commands
// and the queries.
import { checkDefs } from "../def/index.ts";
import {
  type Defs,
  indexNodes,
  type Node,
  type NodeRuntime,
  type NodeState,
  type RuntimeState,
  type Suite,
  walkNode,
} from "../model/index.ts";

/** A loaded suite: its model and the runtime state of every node, as the database has them. */
export interface SuiteSnapshot {
  id: string;
  name: string;
  generation: number;
  begunAt: Date | null;
  defs: Defs;
  suite: Suite;
  index: Map<string, Node>;
  runtime: RuntimeState;
  /** Per path: fields the model's NodeRuntime does not carry. */
  tasks: Map<string, TaskExtra>;
}

export interface TaskExtra {
  submissions: number;
  jobId: string | null;
  queue: string | null;
  password: string | null;
  worker: string | null;
  dataReadyAt: Date | null;
}

export interface NodeRow {
  path: string;
  kind: string;
  state: NodeState;
  suspended: boolean;
  try_no: number;
  submissions: number;
  job_id: string | null;
  queue: string | null;
  password: string | null;
  worker: string | null;
  events: Record<string, boolean>;
  meters: Record<string, number>;
  labels: Record<string, string>;
  variables: Record<string, string>;
  repeat_index: number | null;
  extra: Partial<NodeRuntime>;
  data_ready_at: Date | null;
  aborted_reason: string | null;
  state_since: Date;
}

export function rowToRuntime(row: NodeRow): NodeRuntime {
  const runtime: NodeRuntime = {
    ...row.extra,
    state: row.state,
    suspended: row.suspended,
    events: row.events,
    meters: row.meters,
    labels: row.labels,
    variables: row.variables,
    tryNo: row.try_no,
    stateSince: row.state_since.toISOString(),
  };
  if (row.repeat_index !== null) runtime.repeatIndex = row.repeat_index;
  if (row.aborted_reason) runtime.abortedReason = row.aborted_reason;
  return runtime;
}

/** The extra JSON column: the NodeRuntime fields that have no column of their own. */
export function runtimeExtra(runtime: NodeRuntime): Partial<NodeRuntime> {
  const {
    state: _s,
    suspended: _u,
    events: _e,
    meters: _m,
    labels: _l,
    variables: _v,
    tryNo: _t,
    stateSince: _ss,
    repeatIndex: _r,
    abortedReason: _a,
    ...extra
  } = runtime;
  return extra;
}

/** Parses a stored suite's .def text and picks the suite out of it. */
export function modelOf(name: string, defText: string, file: string | null): { defs: Defs; suite: Suite } {
  const defs = checkDefs(defText, file ?? `<suite ${name}>`);
  const suite = defs.suites.find((s) => s.name === name);
  if (!suite) throw new Error(`the stored definition of suite ${name} no longer contains it`);
  return { defs: { ...defs, suites: [suite] }, suite };
}

export interface SuiteRow {
  id: string;
  name: string;
  def_text: string;
  source_file: string | null;
  generation: number;
  begun_at: Date | null;
  loaded_at: Date;
}

/** Builds a snapshot from a suite row and its node rows. */
export function snapshotOf(row: SuiteRow, nodes: readonly NodeRow[]): SuiteSnapshot {
  const { defs, suite } = modelOf(row.name, row.def_text, row.source_file);
  const snapshot: SuiteSnapshot = {
    id: row.id,
    name: row.name,
    generation: row.generation,
    begunAt: row.begun_at,
    defs,
    suite,
    index: indexNodes(defs),
    runtime: { nodes: new Map() },
    tasks: new Map(),
  };
  for (const node of nodes) applyRow(snapshot, node);
  return snapshot;
}

export function applyRow(snapshot: SuiteSnapshot, row: NodeRow): void {
  snapshot.runtime.nodes.set(row.path, rowToRuntime(row));
  if (row.kind === "task") {
    snapshot.tasks.set(row.path, {
      submissions: row.submissions,
      jobId: row.job_id,
      queue: row.queue,
      password: row.password,
      worker: row.worker,
      dataReadyAt: row.data_ready_at,
    });
  }
}

/** The runtime a node starts with when loaded: as defined. */
export function definedRuntime(node: Node, state: NodeState): NodeRuntime {
  const events: Record<string, boolean> = {};
  for (const e of node.events) events[e.name ?? String(e.number)] = e.initiallySet === true;
  const meters: Record<string, number> = {};
  for (const m of node.meters) meters[m.name] = m.min;
  const labels: Record<string, string> = {};
  for (const l of node.labels) labels[l.name] = l.value;
  const runtime: NodeRuntime = { state, events, meters, labels, tryNo: 0, variables: {} };
  if (node.repeat) runtime.repeatIndex = 0;
  return runtime;
}

/** Every node of a suite in definition order. */
export function suiteNodes(suite: Suite): Node[] {
  return [...walkNode(suite)];
}

/** The event names of a node (name, or number when unnamed), as child commands and the runtime use them. */
export function eventKeys(node: Node): string[] {
  return node.events.map((e) => e.name ?? String(e.number));
}
