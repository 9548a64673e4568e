// The catalogue and ingest commands, run as a user runs them (the real binary, no control server).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { verifyPassword } from "../../src/ingest/passwords.ts";
import { runCli, tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const data = join(import.meta.dirname, "../../../shared/data/himan-dev");
let db: TestDatabase;
let cwd: string;

const cli = (args: string[], input?: string) =>
  runCli(args, { cwd, env: { DATABASE_URL: db.url }, ...(input !== undefined ? { input } : {}) });

before(async () => {
  db = await createTestDatabase();
  cwd = tempDir("cb-cli-");
  writeFileSync(
    join(cwd, "cloudburst.yaml"),
    "catalogue:\n  producers:\n    - { name: gem, expectedFields: 2 }\n",
  );
});
after(async () => {
  await db.drop();
});

describe("cloudburst ingest / fields / cycles / quarantine / files", () => {
  test("ingest registers files and reports each; fields ls filters them", async () => {
    const ingest = await cli([
      "ingest",
      "--producer",
      "gem",
      "--json",
      join(data, "relative_humidity/source_gem.grib"),
    ]);
    assert.equal(ingest.code, 0, ingest.stderr);
    const reports = JSON.parse(ingest.stdout) as Array<{ outcome: string; fieldsNew: number }>;
    assert.equal(reports[0]?.outcome, "registered");
    assert.equal(reports[0]?.fieldsNew, 2);

    const ls = await cli(["fields", "ls", "producer=gem", "param=t,q", "level=700", "step=0..6", "--json"]);
    assert.equal(ls.code, 0, ls.stderr);
    const rows = JSON.parse(ls.stdout) as Array<{ param: string; level: number; step: number }>;
    assert.deepEqual(rows.map((r) => r.param).sort(), ["q", "t"]);
    const none = await cli(["fields", "ls", "producer=gem", "step=7..", "--json"]);
    assert.deepEqual(JSON.parse(none.stdout), []);
    const table = await cli(["fields", "ls", "param=t"]);
    assert.match(table.stdout, /^ID\s+PRODUCER\s+BASE/);
    assert.match(table.stdout, /gem\s+2015-06-11T00Z\s+t\s+isobaricInhPa 700/);
  });

  test("cycles ls shows progress against the configured expected count", async () => {
    const result = await cli(["cycles", "ls", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const cycles = JSON.parse(result.stdout) as Array<{ producer: string; state: string; progress: number }>;
    const gem = cycles.find((c) => c.producer === "gem");
    assert.equal(gem?.state, "complete");
    assert.equal(gem?.progress, 1);
  });

  test("a bad file is quarantined, listed, and the command exits 1", async () => {
    const bad = join(cwd, "bad.grib");
    writeFileSync(bad, "definitely not a weather file");
    const ingest = await cli(["ingest", bad]);
    assert.equal(ingest.code, 1);
    assert.match(
      ingest.stderr,
      /1 of 1 files not registered whole:\n {2}bad\.grib: rejected, nothing registered/,
    );
    assert.match(ingest.stdout, /bad\.grib: rejected/);
    assert.match(ingest.stderr, /quarantined not-grib at byte 0/);
    const q = await cli(["quarantine", "ls", "--json"]);
    const rows = JSON.parse(q.stdout) as Array<{ file: string; code: string; offset: number }>;
    assert.deepEqual(
      rows.map((r) => [r.file, r.code, r.offset]),
      [["bad.grib", "not-grib", 0]],
    );
    const files = await cli(["files", "ls", "--json"]);
    assert.equal((JSON.parse(files.stdout) as unknown[]).length, 2);
  });

  test("a missing file fails with exit 1 and a clear message; a bad filter is a usage error", async () => {
    const missing = await cli(["ingest", join(cwd, "nope.grib")]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /1 of 1 files could not be ingested/);
    const bad = await cli(["fields", "ls", "colour=red"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown filter key "colour"/);
  });

  test("catalogue prune applies retention", async () => {
    const result = await cli(["catalogue", "prune", "--days", "1", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {
      cutoff: string;
      partitionsDropped: string[];
      nodeLogLinesDeleted: number;
    };
    assert.equal(report.cutoff, "2015-06-10T00:00:00.000Z");
    assert.deepEqual(report.partitionsDropped, []);
    assert.equal(report.nodeLogLinesDeleted, 0);
  });

  test("ftp hash-password reads standard input and prints a verifiable hash", async () => {
    const result = await cli(["ftp", "hash-password"], "s3cret password\n");
    assert.equal(result.code, 0, result.stderr);
    const hash = result.stdout.trim();
    assert.match(hash, /^scrypt\$/);
    assert.equal(await verifyPassword("s3cret password", hash), true);
    assert.equal(await verifyPassword("wrong", hash), false);
    assert.equal(result.stdout.includes("s3cret"), false);
  });
});
