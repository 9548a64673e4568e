// A control server killed (SIGKILL) in the middle of an ingest loses nothing and duplicates nothing:
// wherever the kill lands, after a restart the file is registered exactly once, with every field.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const data = join(import.meta.dirname, "../../../shared/data/himan-dev");
const parts = [
  "dewpoint/source.grib",
  "relative_humidity/source_harmonie.grib",
  "iasi/source.grib",
  "windvector/meps_source.grib2",
];
let db: TestDatabase;

before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db.drop();
});

test("SIGKILL during an ingest, then a restart: every field once, one file version", async () => {
  const dir = tempDir("cb-kill-");
  const drop = join(dir, "drop");
  mkdirSync(drop);
  writeFileSync(
    join(dir, "cloudburst.yaml"),
    `server: { port: 0 }\ningest:\n  watch:\n    - { dir: ${drop}, settleMs: 0, pollMs: 100 }\ncatalogue: { retention: { intervalMinutes: 0 } }\n`,
  );
  const file = Buffer.concat(parts.map((p) => readFileSync(join(data, p))));
  const expected = parts.reduce(
    (n, p) => n + Number(execFileSync("grib_count", [join(data, p)], { encoding: "utf8" }).trim()),
    0,
  );
  const env = { DATABASE_URL: db.url };
  // Kill it three times at different moments: before, during or after the registration.
  for (const [round, delay] of [50, 200, 400].entries()) {
    const server = spawnCli(["server"], { cwd: dir, env });
    await waitForOutput(server, /"server ready"/);
    if (round === 0) {
      writeFileSync(join(drop, ".A1D08280000082824001.part"), file);
      renameSync(join(drop, ".A1D08280000082824001.part"), join(drop, "A1D08280000082824001"));
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    await stopChild(server, "SIGKILL");
  }

  const second = spawnCli(["server"], { cwd: dir, env });
  await waitForOutput(second, /"server ready"/);
  let files: Array<{ version: number; state: string }> = [];
  for (let i = 0; i < 200 && files.length === 0; i++) {
    files = (
      await db.pool.query("select version, state from ingest_file where name = 'A1D08280000082824001'")
    ).rows;
    if (files.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stopChild(second);
  assert.deepEqual(files, [{ version: 1, state: "registered" }]);
  const fields = await db.pool.query<{ n: number }>("select count(*)::int as n from field");
  assert.equal(fields.rows[0]!.n, expected);
});
