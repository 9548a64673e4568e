// The default cycle suite: the thesis's timeline as an ecFlow definition. Start the data server,
// provision the compute nodes and receive the cycle's data, run every product job for every step as
// soon as its inputs are in the catalogue, then destroy the compute, deliver, and stop the data server
// only once delivery is confirmed. Generated as .def text so that operators can export, read and edit it.
//
// The data dependency is said twice, once for each reader. In ecFlow's own terms: the ingest task
// `ingest/receive` is active while the data streams in and its meter `step` says up to which step the
// data is in; each step family triggers on it (`trigger ../ingest/receive:step ge 6`), so that a real
// ecflow_server holds step 6's products until then, as ECMWF's operational suites hold theirs on the
// model's meter. In cloudburst, each product task also names its exact inputs (CB_WAIT_FOR, a data
// trigger), which holds it until every field it reads is catalogued.

import { cycleSuiteName, PRODUCTS_FAMILY, STEPS_VARIABLE, stepFamilyName } from "./names.ts";

export interface CycleProduct {
  /** A name usable in node names and as the product configuration's key. */
  name: string;
  /** Steps the product is made for. */
  steps: number[];
  /** How heavy its job is, against the others' (the fields it writes per step, below 100). */
  weight?: number;
}

export interface CycleSuiteOptions {
  baseTime: Date;
  products: CycleProduct[];
  computeNodes: number;
  /** Product jobs running at once per node. */
  jobsPerNode?: number;
  /** Tries per task (ECF_TRIES). */
  tries?: number;
  /** When the cycle's first data is expected (CB_FIRST_DATA); the fleet starts nodes ahead of it. */
  firstDataAt?: Date;
}

/** The ingest task's meter: the step up to which every planned step's data is in the catalogue. */
export const STEP_METER = "step";
/** The ingest task's path below the suite. */
const INGEST_TASK = "ingest/receive";

/** A task of the control role (or of the data role: delivery works from the store). */
function controlTask(
  name: string,
  action: string,
  trigger?: string,
  attributes: string[] = [],
  queue: "control" | "data" = "control",
): string[] {
  return [
    `    task ${name}`,
    ...(trigger ? [`      trigger ${trigger}`] : []),
    ...attributes.map((a) => `      ${a}`),
    `      edit CB_QUEUE '${queue}'`,
    `      edit CB_ACTION '${action}'`,
  ];
}

/**
 * Receives the cycle once the data server takes data. The meter starts below the first step (-1: no
 * step in yet) and ends at the last; its colour changes there, when the task is about to complete.
 */
function ingestFamily(steps: number[]): string[] {
  const last = steps.at(-1) ?? 0;
  return [
    "  family ingest",
    ...controlTask("receive", "cycle.ingest", "../data_server/start == complete", [
      `meter ${STEP_METER} -1 ${last} ${last}`,
    ]),
    "  endfamily",
  ];
}

function productsFamily(suite: string, products: CycleProduct[], steps: number[]): string[] {
  const lines = [`  family ${PRODUCTS_FAMILY}`, "    trigger fleet/provision == complete"];
  for (const [index, step] of steps.entries()) {
    lines.push(
      `    family ${stepFamilyName(step)}`,
      // Relative to the family's parent (products): the suite's ingest/receive.
      `      trigger ../${INGEST_TASK}:${STEP_METER} ge ${step}`,
      `      edit STEP '${step}'`,
    );
    for (const product of products.filter((p) => p.steps.includes(step))) {
      lines.push(
        `      task ${product.name}`,
        `        inlimit /${suite}:compute`,
        // CPU seconds of the job, reported by it: the ideal node-minutes of the cycle are their sum.
        "        label cpu ''",
        `        edit CB_WAIT_FOR 'catalogue:inputs product=${product.name} step=%STEP%'`,
        `        edit CB_ACTION 'cycle.product ${product.name}'`,
        // Waiting jobs are taken by step, then the heaviest of a step first: its longest job starts
        // first rather than last, and a later step's heavy job never overtakes an earlier step's.
        `        edit CB_PRIORITY '${(steps.length - index) * 100 + Math.min(99, product.weight ?? 0)}'`,
      );
    }
    lines.push("    endfamily");
  }
  lines.push("  endfamily");
  return lines;
}

/**
 * The teardown waits for the ingest as well as the products. Normally the ingest is complete first (the
 * last step's family waits on its meter); but if an operator forces the products of a step that never
 * came, the data server is still not stopped under a stream that is still arriving: ingest/receive stays
 * active, saying which steps it waits for, until the data is in or the operator settles it too.
 */
function teardownFamily(): string[] {
  return [
    "  family teardown",
    `    trigger ${PRODUCTS_FAMILY} == complete and ingest == complete`,
    ...controlTask("destroy_compute", "cycle.fleet down"),
    ...controlTask("deliver", "cycle.deliver", undefined, [], "data"),
    ...controlTask("stop_data_server", "cycle.data-server stop", "deliver == complete"),
    "  endfamily",
  ];
}

/** Jobs that may wait in the compute queue for each node's slot (see the compute limit). */
const queuedJobsPerSlot = 4;

export function cycleSuiteDefinition(options: CycleSuiteOptions): string {
  const suite = cycleSuiteName(options.baseTime);
  // The compute limit lets a queue of jobs wait for each node's slots: a job whose data is in is
  // submitted (and shows so), and the fleet's autoscaler, which sizes the fleet by the queue, sees it.
  // Holding jobs back at exactly the slots would hide the backlog from it: one node, falling behind.
  const slots = options.computeNodes * (options.jobsPerNode ?? 2) * queuedJobsPerSlot;
  const steps = [...new Set(options.products.flatMap((p) => p.steps))].sort((a, b) => a - b);
  return [
    `suite ${suite}`,
    `  edit CB_CYCLE '${options.baseTime.toISOString()}'`,
    `  edit CB_NODES '${options.computeNodes}'`,
    `  edit ${STEPS_VARIABLE} '${steps.join(",")}'`,
    ...(options.firstDataAt ? [`  edit CB_FIRST_DATA '${options.firstDataAt.toISOString()}'`] : []),
    `  edit ECF_TRIES '${options.tries ?? 3}'`,
    `  limit compute ${slots}`,
    "  family data_server",
    ...controlTask("start", "cycle.data-server start"),
    "  endfamily",
    "  family fleet",
    ...controlTask("provision", "cycle.fleet up", "../data_server/start == complete"),
    "  endfamily",
    ...ingestFamily(steps),
    ...productsFamily(suite, options.products, steps),
    ...teardownFamily(),
    "endsuite",
    "",
  ].join("\n");
}
