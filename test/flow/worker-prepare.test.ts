// Workers prepare the actions of their queues before they take a job: a compute node's first job
// starts at once, and a worker of another queue loads nothing it will not run.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ActionRegistry } from "../../src/worker/actions.ts";

describe("preparing actions", () => {
  it("prepares the actions of the worker's queues only, and reports a failure without throwing", async () => {
    const prepared: string[] = [];
    const actions = new ActionRegistry();
    actions.add({
      name: "test.compute-work",
      description: "a compute action",
      queue: "compute",
      prepare: async () => {
        prepared.push("compute");
      },
      run: async () => undefined,
    });
    actions.add({
      name: "test.control-work",
      description: "a control action",
      queue: "control",
      prepare: async () => {
        prepared.push("control");
      },
      run: async () => undefined,
    });
    actions.add({
      name: "test.broken",
      description: "an action whose preparation fails",
      queue: "compute",
      prepare: async () => {
        throw new Error("no configuration");
      },
      run: async () => undefined,
    });
    const log: string[] = [];
    await actions.prepare(["compute"], (line) => log.push(line));
    assert.deepEqual(prepared, ["compute"]);
    assert.deepEqual(log, ["could not prepare action test.broken: no configuration"]);
    await actions.prepare(["control"], (line) => log.push(line));
    assert.deepEqual(prepared, ["compute", "control"]);
  });
});
