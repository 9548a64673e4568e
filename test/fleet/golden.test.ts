// Golden images by name on the CloudSigma simulator: update keeps K backups, rollback by name.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { goldenImages, rollbackGolden, rotateGolden } from "../../src/fleet/cloudsigma/golden.ts";
import { CloudSigmaProvider } from "../../src/fleet/cloudsigma/provider.ts";
import { fleetConfigSchema } from "../../src/fleet/config.ts";
import { type RunningSimulator, startCloudSigmaSimulator } from "../../src/sim/cloudsigma/index.ts";

let sim: RunningSimulator;
let provider: CloudSigmaProvider;
before(async () => {
  sim = await startCloudSigmaSimulator({ timeScale: 0.01, launchGuests: false, stateFile: null });
  provider = new CloudSigmaProvider({
    apiUrl: sim.url,
    credentials: { token: sim.credentials.token },
    config: fleetConfigSchema.parse({ cloudsigma: { goldenServer: "cloudburst-golden", pollIntervalMs: 20 } })
      .cloudsigma,
  });
});
after(async () => {
  await sim.stop();
});

async function candidate(): Promise<string> {
  const [made] = await provider.createNodes({
    count: 1,
    namePrefix: "candidate",
    tags: {},
    userData: "",
    start: false,
  });
  assert.ok(made?.ok);
  return made.node.id;
}

test("update keeps the previous golden as a backup, K at most; rollback puts one back by name", async () => {
  const original = (await goldenImages(provider, "cloudburst-golden")).current!;
  const first = await candidate();
  const r1 = await rotateGolden(provider, "cloudburst-golden", first, 1, new Date("2026-11-24T10:00:00Z"));
  assert.equal(r1.golden.id, first);
  assert.equal(r1.backup?.name, "cloudburst-golden@20261124T100000Z");
  assert.deepEqual(r1.destroyed, []);

  const second = await candidate(); // cloned from the new golden, by name
  const r2 = await rotateGolden(provider, "cloudburst-golden", second, 1, new Date("2026-11-25T10:00:00Z"));
  assert.equal(r2.golden.id, second);
  assert.deepEqual(r2.destroyed, ["cloudburst-golden@20261124T100000Z"], "only K = 1 backup kept");
  assert.equal(await provider.getNode(original.id), null, "the oldest golden is gone, with its drives");

  let images = await goldenImages(provider, "cloudburst-golden");
  assert.equal(images.current?.id, second);
  assert.deepEqual(
    images.backups.map((b) => [b.id, b.name]),
    [[first, "cloudburst-golden@20261125T100000Z"]],
  );

  const back = await rollbackGolden(
    provider,
    "cloudburst-golden",
    "cloudburst-golden@20261125T100000Z",
    new Date("2026-11-25T11:00:00Z"),
  );
  assert.equal(back.golden.id, first);
  images = await goldenImages(provider, "cloudburst-golden");
  assert.equal(images.current?.id, first);
  assert.deepEqual(
    images.backups.map((b) => b.id),
    [second],
  );
  await assert.rejects(rollbackGolden(provider, "cloudburst-golden", "nope"), /no golden backup "nope"/);
});
