// Kill anything at any moment (issue 17): a few seeds of the fault-injection harness (harness.ts) on a
// small cycle, steps 0-3 on a 2° grid. Each kills two of the server, a worker and the postmaster at
// moments its seed chooses, and the cycle must still finish with every product delivered once and
// intact, every received file registered, nothing stuck and nothing left running. The seeds are
// chosen so that, between them, each kind of kill happens; one more runs its nodes on the CloudSigma
// simulator as a process of its own and kills that too (its API, while its guests run the workers),
// and must leave no cloud resource behind. `npm run bench faults` runs many more.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { tempDir } from "../helpers/cli.ts";
import {
  cloudFaultTargets,
  type FaultInputs,
  type FaultOutcome,
  type FaultRunOptions,
  faultPlan,
  faultTargets,
  outcomeTable,
  prepareFaultInputs,
  runFaultCycle,
} from "./harness.ts";

const seeds = [2, 10, 12];
const plan = (seed: number) => faultPlan(seed, { count: 2, windowMs: 20_000, targets: faultTargets });
/** Killed while its guests run workers, then one of them (a re-adopted guest) killed too. */
const cloudSeed = 15;
const cloudPlan = faultPlan(cloudSeed, {
  count: 2,
  windowMs: 20_000,
  targets: cloudFaultTargets,
  first: "provider",
});
const describePlan = (faults: FaultRunOptions["faults"]) =>
  faults.map((f) => `${f.target} at ${(f.atMs / 1000).toFixed(1)} s`).join(", ");

describe("a cycle whose server, workers and database are killed at random moments", () => {
  const dir = tempDir("cb-faults-");
  let inputs: FaultInputs;
  const outcomes: FaultOutcome[] = [];

  before(async () => {
    inputs = await prepareFaultInputs(dir, "0-3", 2);
  });
  after(() => {
    if (outcomes.length) process.stdout.write(`# ${outcomeTable(outcomes).replaceAll("\n", "\n# ")}\n`);
    rmSync(dir, { recursive: true, force: true });
  });

  it("kills each kind of part between its seeds", () => {
    const killed = new Set([...seeds.flatMap((seed) => plan(seed)), ...cloudPlan].map((f) => f.target));
    assert.deepEqual([...killed].sort(), [...cloudFaultTargets].sort());
  });

  const runs = [
    ...seeds.map((seed) => ({ seed, faults: plan(seed), fleet: "local" as const })),
    { seed: cloudSeed, faults: cloudPlan, fleet: "cloudsigma" as const },
  ];
  for (const { seed, faults, fleet } of runs) {
    it(`seed ${seed} (${fleet} nodes): ${describePlan(faults)}`, async () => {
      const outcome = await runFaultCycle({
        seed,
        ...inputs,
        faults,
        fleet,
        timeFactor: 60,
        // A clean cycle takes ~30 s alone, ~80 s on this machine under a load of 20; a hang is forever.
        limitSeconds: 180,
        parentDir: dir,
      });
      outcomes.push(outcome);
      const why = `faults: ${JSON.stringify(outcome.faults)}\nserver log:\n${outcome.serverLog}`;
      assert.equal(outcome.suiteState, "complete", why);
      assert.deepEqual(outcome.lost, [], why);
      assert.deepEqual(outcome.duplicated, [], why);
      assert.deepEqual(outcome.stuck, [], why);
      assert.ok(outcome.delivered.size > 0, "products were delivered");
      // The same stream makes the same products, byte for byte, whatever was killed.
      const first = outcomes[0]!;
      assert.deepEqual(
        [...outcome.delivered].sort(),
        [...first.delivered].sort(),
        `seed ${seed} delivered what seed ${first.seed} did`,
      );
    });
  }
});
