// The controller knows providers only through their interface (issue 16): a provider it has never
// heard of, with a data server and a reserved golden image of its own, is driven by its `dataServer`,
// `reserved` and capabilities alone. Here the local provider under another name.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fleetConfigSchema } from "../../src/fleet/config.ts";
import { FleetController } from "../../src/fleet/controller.ts";
import { LocalProvider } from "../../src/fleet/local/provider.ts";
import { type Provider, tagKeys } from "../../src/fleet/provider.ts";
import { FleetStore } from "../../src/fleet/store.ts";
import { tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db.drop();
});

/** `inner` under another name, with its own reserved nodes and data server. */
function renamed(inner: Provider, extra: Pick<Provider, "name" | "reserved" | "dataServer">): Provider {
  return new Proxy(inner, {
    get(target, key) {
      if (key in extra) return extra[key as keyof typeof extra];
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

test("a provider unknown to the controller: its data server runs for the cycle, its reserved nodes stay", async () => {
  const config = fleetConfigSchema.parse({
    environment: "elsewhere",
    local: { command: ["node", "-e", "setInterval(() => {}, 1000)", "--"], readyText: "" },
  });
  const local = new LocalProvider({ config: config.local, stateDir: tempDir("cb-fleet-elsewhere-") });
  const made = async (namePrefix: string) => {
    const [outcome] = await local.createNodes({ count: 1, namePrefix, tags: {}, userData: "", start: false });
    return outcome?.ok ? outcome.node.name : assert.fail("not made");
  };
  // Named like the environment's nodes, so only `reserved` keeps the controller's hands off them.
  const dataServer = await made("cb-elsewhere-data");
  const golden = await made("cb-elsewhere-golden");
  const provider = renamed(local, { name: "elsewhere", reserved: [dataServer, golden], dataServer });
  const store = new FleetStore(db.pool);
  const controller = new FleetController({
    provider,
    store,
    config,
    workerAccess: () => ({ serverUrl: "http://127.0.0.1:9", fingerprint: null }),
  });
  const state = async (name: string) => (await provider.listNodes()).find((n) => n.name === name)?.state;

  await store.planCycle("elsewhere", "c1", new Date(Date.now() + 5_000), 1);
  const up = await controller.reconcile();
  assert.deepEqual(up.errors, []);
  assert.equal(up.created.length, 1);
  assert.equal(await state(dataServer), "running", "the data server is started for the cycle");
  assert.equal(await state(golden), "stopped");

  await store.setCycleState("elsewhere", "c1", "delivered");
  const down = await controller.reconcile();
  assert.deepEqual(down.errors, []);
  assert.equal(down.destroyed.length, 1, JSON.stringify(down));
  assert.equal(await state(dataServer), "stopped", "stopped after delivery, not destroyed");
  assert.equal(await state(golden), "stopped", "reserved: never destroyed");
  assert.deepEqual(
    (await provider.listNodes({ [tagKeys.environment]: "elsewhere" })).map((n) => n.name),
    [],
  );
  for (const node of await local.listNodes()) await local.destroyNode(node.id);
});
