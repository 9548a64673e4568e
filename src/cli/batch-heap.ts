// The young generation of a command that builds one large structure and then exits.
import { setFlagsFromString } from "node:v8";

/**
 * Stops V8's young generation from growing for the rest of the process: it stays at the size start-up
 * left it (2 MiB a semi-space when `suite check` starts to parse). Building a large model (`suite
 * check` of a 10,000-task definition), almost all that V8 copies out of the young generation
 * survives, and V8 answers by doubling it up to 16 MiB a semi-space; the fresh pages it then touches
 * cost more in page faults (system time) than the fewer collections save: 10,000 tasks take about a
 * fifth less CPU without the growth (bench/RESULTS.md, flow-load). The growth factor is read at each
 * growth, so it takes effect after start-up (the maximum size is fixed when the heap is made). Not for
 * servers: their garbage is short-lived requests, which a larger young generation lets die young.
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString("--semi-space-growth-factor=1");
}
