// What the database recorded of a past cycle, as the planner reads it: when each file arrived, when each
// product job had its data, ran and ended, on which node, and each node's life. Loaded at the edge
// (plan/history.ts); everything the planner learns is computed from these (plan/learn.ts).

export interface RecordedFile {
  step: number;
  receivedAt: Date;
  /** When the data server finished registering its fields (null if it never did). */
  registeredAt: Date | null;
}

export interface RecordedJob {
  product: string;
  step: number;
  /** When its data was registered (the data trigger); null if it never was. */
  readyAt: Date | null;
  /** The last try that completed: its start and end, and the worker (named after its node). */
  startedAt: Date | null;
  endedAt: Date | null;
  worker: string | null;
  /** The CPU seconds the job reported (its `cpu` label). */
  cpuSeconds: number | null;
}

export interface RecordedNode {
  name: string;
  provider: string;
  requestedAt: Date;
  readyAt: Date | null;
  goneAt: Date | null;
  failed: boolean;
}

export interface RecordedCycle {
  /** The fleet's cycle key, producer/YYYYMMDDHH. */
  key: string;
  suite: string;
  baseTime: Date;
  /** The grid increment of the cycle's input fields, in degrees; null when none is catalogued. */
  grid: number | null;
  /** When the cycle's first data was due (the fleet's cycle), and when the fleet first planned it. */
  firstDataAt: Date | null;
  plannedAt: Date | null;
  /** The most compute nodes the operator allowed. */
  computeNodes: number | null;
  files: RecordedFile[];
  jobs: RecordedJob[];
  nodes: RecordedNode[];
  /** Per step with products: when its last product was delivered. */
  delivered: Array<{ step: number; at: Date }>;
}
