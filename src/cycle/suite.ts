// The default cycle suite: the thesis's timeline as an ecFlow definition. Start the data server,
// provision the compute nodes, run every product job for every step as soon as its inputs are in the
// catalogue (a data trigger), then destroy the compute, deliver, and stop the data server only once
// delivery is confirmed. Generated as .def text so that operators can export, read and edit it.

export interface CycleProduct {
  /** A name usable in node names and as the product configuration's key. */
  name: string;
  /** Steps the product is made for. */
  steps: number[];
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

export function cycleSuiteName(baseTime: Date): string {
  const iso = baseTime.toISOString();
  return `cycle_${iso.slice(0, 10).replace(/-/g, "")}_${iso.slice(11, 13)}`;
}

const stepFamily = (step: number) => `step_${String(step).padStart(3, "0")}`;

function controlTask(name: string, action: string, trigger?: string): string[] {
  return [
    `    task ${name}`,
    ...(trigger ? [`      trigger ${trigger}`] : []),
    "      edit CB_QUEUE 'control'",
    `      edit CB_ACTION '${action}'`,
  ];
}

export function cycleSuiteDefinition(options: CycleSuiteOptions): string {
  const suite = cycleSuiteName(options.baseTime);
  const slots = options.computeNodes * (options.jobsPerNode ?? 2);
  const steps = [...new Set(options.products.flatMap((p) => p.steps))].sort((a, b) => a - b);
  const lines = [
    `suite ${suite}`,
    `  edit CB_CYCLE '${options.baseTime.toISOString()}'`,
    `  edit CB_NODES '${options.computeNodes}'`,
    ...(options.firstDataAt ? [`  edit CB_FIRST_DATA '${options.firstDataAt.toISOString()}'`] : []),
    `  edit ECF_TRIES '${options.tries ?? 3}'`,
    `  limit compute ${slots}`,
    "  family data_server",
    ...controlTask("start", "cycle.data-server start"),
    "  endfamily",
    "  family fleet",
    ...controlTask("provision", "cycle.fleet up", "../data_server/start == complete"),
    "  endfamily",
    "  family products",
    "    trigger fleet/provision == complete",
  ];
  for (const step of steps) {
    lines.push(`    family ${stepFamily(step)}`, `      edit STEP '${step}'`);
    for (const product of options.products.filter((p) => p.steps.includes(step))) {
      lines.push(
        `      task ${product.name}`,
        `        inlimit /${suite}:compute`,
        // CPU seconds of the job, reported by it: the ideal node-minutes of the cycle are their sum.
        "        label cpu ''",
        `        edit CB_WAIT_FOR 'catalogue:inputs product=${product.name} step=%STEP%'`,
        `        edit CB_ACTION 'cycle.product ${product.name}'`,
      );
    }
    lines.push("    endfamily");
  }
  lines.push(
    "  endfamily",
    "  family teardown",
    "    trigger products == complete",
    ...controlTask("destroy_compute", "cycle.fleet down"),
    ...controlTask("deliver", "cycle.deliver"),
    ...controlTask("stop_data_server", "cycle.data-server stop", "deliver == complete"),
    "  endfamily",
    "endsuite",
    "",
  );
  return lines.join("\n");
}
