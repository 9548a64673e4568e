// `cloudburst ingest` exits as honestly as it reports: a file not registered whole is a failure.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const source = join(import.meta.dirname, "../../../shared/data/himan-dev/relative_humidity/source_gem.grib");

describe("cloudburst ingest's exit code", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  it("is 1 when a file is partly quarantined, with every report still printed", async () => {
    const dir = tempDir();
    const partial = join(dir, "partial.grib");
    writeFileSync(partial, Buffer.concat([readFileSync(source), Buffer.from("trailing garbage")]));
    const result = await runCli(["ingest", "--json", "--producer", "gem", source, partial], {
      cwd: dir,
      env: { DATABASE_URL: db.url },
    });
    assert.equal(result.code, 1);
    const reports = JSON.parse(result.stdout) as Array<{ name: string; outcome: string }>;
    assert.deepEqual(
      reports.map((r) => [r.name, r.outcome]),
      [
        ["source_gem.grib", "registered"],
        ["partial.grib", "partial"],
      ],
    );
    assert.match(
      result.stderr,
      /1 of 2 files not registered whole:\n {2}partial\.grib: partly registered, 1 part quarantined/,
    );
    assert.match(result.stderr, /what to do: `cloudburst quarantine ls --file NAME`/);

    const again = await runCli(["ingest", "--producer", "gem", source], {
      cwd: dir,
      env: { DATABASE_URL: db.url },
    });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /duplicate/);
  });
});
