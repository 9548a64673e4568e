// `cloudburst cycle def`: the default cycle suite for a base time, as ecFlow .def text to load, read
// or edit (`cloudburst suite load` takes it back).
import { type Command, InvalidArgumentError } from "commander";
import { selectSteps, stepArrivals } from "../../cycle/dissemination.ts";
import { cycleProducts, suiteProducts } from "../../cycle/products.ts";
import { cycleSuiteDefinition } from "../../cycle/suite.ts";
import { latestBaseTime } from "../../sim/ecmwf/stream.ts";
import { parseTime } from "../arguments.ts";
import { commandConfig } from "../context.ts";
import { UserError } from "../errors.ts";

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number");
  return n;
}

export function registerCycleCommands(program: Command): void {
  const cycle = program.command("cycle").description("forecast cycles: the default cycle suite");
  cycle
    .command("def")
    .description(
      "print the cycle suite (start data server, provision, ingest with a step meter, products per step on data triggers, teardown, deliver) as .def",
    )
    .option("--base-time <time>", "the cycle's base time (default: the latest 00/06/12/18 UTC)", parseTime)
    .option(
      "--steps <spec>",
      "model steps to make products for, e.g. 0-90/3 (default: all the products want)",
    )
    .option("--nodes <n>", "compute nodes (default: fleet.computeNodes)", count)
    .action((options: { baseTime?: Date; steps?: string; nodes?: number }, command: Command) => {
      const config = commandConfig(command);
      let steps: number[];
      try {
        steps = selectSteps(stepArrivals(), options.steps).map((a) => a.step);
      } catch (error) {
        throw new UserError((error as Error).message, "give steps like 0-24, 0-90/3 or 0,6,12");
      }
      const products = suiteProducts(cycleProducts(config, steps));
      process.stdout.write(
        cycleSuiteDefinition({
          baseTime: options.baseTime ?? latestBaseTime(),
          products,
          computeNodes: options.nodes ?? config.fleet.computeNodes,
          jobsPerNode: config.cycle.jobsPerNode,
        }),
      );
    });
}
