// The ingest pipeline on real GRIB from ../shared/data against a real PostgreSQL: the catalogue equals
// grib_ls, a file sent twice registers nothing twice, a changed file is a new version, bad bytes are
// quarantined with their offsets, NOTIFY tells the flow engine, split mode and retention work.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { fieldsRegisteredChannel, parseFieldsRegistered } from "../../src/catalogue/events.ts";
import { listPartitions } from "../../src/catalogue/partitions.ts";
import { listCycles, listFields, listQuarantine, parseFieldFilter } from "../../src/catalogue/query.ts";
import { runRetention } from "../../src/catalogue/retention.ts";
import { describeMessage } from "../../src/ingest/describe.ts";
import { IngestPipeline } from "../../src/ingest/pipeline.ts";
import { LocalStore } from "../../src/store/store.ts";
import { tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const data = join(import.meta.dirname, "../../../shared/data/himan-dev");
const gribFiles = readdirSync(data, { recursive: true, encoding: "utf8" })
  .filter((f) => /\.grib2?$/.test(f))
  .sort()
  .map((f) => join(data, f));

interface EcMessage {
  offset: number;
  totalLength: number;
  shortName: string;
  typeOfLevel: string;
  level: number;
  stepRange: string | number;
  dataDate: number;
  dataTime: number;
}

function gribLs(path: string): EcMessage[] {
  const out = execFileSync(
    "grib_ls",
    ["-j", "-p", "offset:i,totalLength:i,shortName,typeOfLevel,level,stepRange,dataDate,dataTime", path],
    {
      encoding: "utf8",
    },
  );
  return (JSON.parse(out) as { messages: EcMessage[] }).messages;
}

let db: TestDatabase;
let store: LocalStore;
let pipeline: IngestPipeline;

before(async () => {
  db = await createTestDatabase();
  store = new LocalStore(tempDir("cb-store-"));
  pipeline = new IngestPipeline({ pool: db.pool, store, describe: describeMessage });
});
after(async () => {
  await db.drop();
});

describe("ingest pipeline", () => {
  test("every message of every himan file is registered, and the catalogue equals grib_ls", async () => {
    let expected = 0;
    for (const file of gribFiles) {
      const report = await pipeline.submit({ path: file, source: "cli", mode: "copy" });
      const messages = gribLs(file);
      expected += messages.length;
      assert.equal(report.messages, messages.length, file);
      if (file.endsWith("split_sum/harmonie_source.grib")) {
        // Its messages 3 and 4 are byte-identical: one is registered, the other quarantined, not lost.
        assert.deepEqual(
          report.problems.map((p) => [p.code, p.offset]),
          [["duplicate-field", messages[2]!.offset]],
        );
      } else assert.equal(report.quarantined, 0, `${file}: ${JSON.stringify(report.problems)}`);
      assert.ok(existsSync(file), "copy mode leaves the source file where it was");
      const rows = await listFields(db.pool, parseFieldFilter([["file", report.name]]), {});
      // Rows of this file (a field sent by an earlier file with the same content stays with that file).
      const mine = rows.filter((r) => r.fileId === report.fileId);
      assert.equal(mine.length + report.quarantined + report.fieldsUnchanged, messages.length, file);
      for (const m of messages) {
        const row = mine.find((r) => r.offset === m.offset);
        if (!row) {
          // Quarantined (a duplicate within the file) or identical to a field another file registered.
          assert.ok(report.problems.some((p) => p.offset === m.offset) || report.fieldsUnchanged > 0, file);
          continue;
        }
        assert.equal(row.length, m.totalLength);
        assert.equal(row.levelType, m.typeOfLevel);
        assert.equal(row.level, m.level);
        assert.equal(row.stepRange, String(m.stepRange));
        if (m.shortName !== "unknown") assert.equal(row.param, m.shortName);
        const base = `${m.dataDate}`.replace(/(\d{4})(\d{2})(\d{2})/, "$1-$2-$3");
        assert.equal(row.baseTime.slice(0, 10), base);
      }
    }
    const all = await listFields(db.pool, {}, { limit: 10_000 });
    const files = await db.pool.query<{ n: string }>("select count(*) as n from ingest_file");
    assert.equal(Number(files.rows[0]!.n), gribFiles.length);
    // Each field's bytes, read back from the store, are exactly the message grib_ls describes.
    for (const row of all.slice(0, 10)) {
      const bytes = readFileSync(store.path(row.storageUri)).subarray(row.offset, row.offset + row.length);
      assert.equal(bytes.subarray(0, 4).toString(), "GRIB");
      assert.equal(bytes.subarray(-4).toString(), "7777");
    }
    assert.ok(all.length > 0 && all.length <= expected);
  });

  test("the same file again registers nothing twice", async () => {
    const file = join(data, "dewpoint/source.grib");
    const before = await db.pool.query<{ n: string }>("select count(*) as n from field");
    const report = await pipeline.submit({ path: file, source: "cli", mode: "copy" });
    assert.equal(report.outcome, "duplicate");
    assert.equal(report.fieldsNew, 0);
    const afterCount = await db.pool.query<{ n: string }>("select count(*) as n from field");
    assert.equal(afterCount.rows[0]!.n, before.rows[0]!.n);
  });

  test("a different file under the same name is a new version, reported, and replaces its fields", async () => {
    const dir = tempDir();
    const first = join(dir, "A1D05170000051701001");
    const source = readFileSync(join(data, "split_sum/harmonie_source.grib"));
    const messages = gribLs(join(data, "split_sum/harmonie_source.grib"));
    // Version 1: the first two messages; version 2: all of them.
    writeFileSync(first, source.subarray(0, messages[2]!.offset));
    const v1 = await pipeline.submit({ path: first, source: "cli", mode: "copy", producer: "test-versions" });
    assert.equal(v1.version, 1);
    assert.equal(v1.newVersion, false);
    assert.equal(v1.fieldsNew, 2);
    assert.equal(v1.nameInfo?.template, "legacy");
    assert.deepEqual(v1.warnings, [], "the name's base time (05-17 00Z) and step 0 match the messages");
    writeFileSync(first, source);
    const v2 = await pipeline.submit({ path: first, source: "cli", mode: "copy", producer: "test-versions" });
    assert.equal(v2.version, 2);
    assert.equal(v2.newVersion, true);
    // 5 messages, 4 distinct fields (two are byte-identical): 2 already registered, 2 new.
    assert.equal(v2.fieldsUnchanged, 2);
    assert.equal(v2.fieldsNew, 2);
    const rows = await listFields(db.pool, parseFieldFilter([["producer", "test-versions"]]));
    assert.equal(rows.length, 4);
  });

  test("bad bytes are quarantined with reason and offset; good messages are registered; nothing crashes", async () => {
    const dir = tempDir();
    const good = readFileSync(join(data, "iasi/source.grib"));
    const garbage = Buffer.from("not a weather file\n".repeat(10));
    const truncated = good.subarray(0, 5000);
    const file = join(dir, "mixed.grib");
    writeFileSync(file, Buffer.concat([garbage, good, truncated]));
    const report = await pipeline.submit({ path: file, source: "cli", mode: "copy", producer: "test-bad" });
    assert.equal(report.outcome, "partial");
    assert.equal(report.fieldsNew, 3);
    const codes = report.problems.map((p) => [p.code, p.offset, p.length]);
    assert.deepEqual(codes, [
      ["not-grib", 0, garbage.length],
      ["truncated", garbage.length + good.length, truncated.length],
    ]);
    const listed = await listQuarantine(db.pool, { file: "mixed.grib" });
    assert.equal(listed.length, 2);
    assert.ok(await store.exists(listed[0]!.storageUri!), "the raw file is kept");

    const text = join(dir, "notes.txt");
    writeFileSync(text, "hello, this is no weather");
    const rejected = await pipeline.submit({ path: text, source: "cli", mode: "copy" });
    assert.equal(rejected.outcome, "rejected");
    assert.equal(rejected.problems[0]?.code, "not-grib");
    assert.equal(rejected.problems[0]?.length, 25);
  });

  test("a corrupt message in the middle is quarantined at its offset; its neighbours are registered", async () => {
    const dir = tempDir();
    const bytes = Buffer.from(readFileSync(join(data, "dewpoint/source.grib")));
    const messages = gribLs(join(data, "dewpoint/source.grib"));
    // Section 1 of message 2 claims 16 MB: it runs past the message.
    bytes.writeUIntBE(0xffffff, messages[1]!.offset + 8, 3);
    const file = join(dir, "corrupt.grib");
    writeFileSync(file, bytes);
    const report = await pipeline.submit({
      path: file,
      source: "cli",
      mode: "copy",
      producer: "test-corrupt",
    });
    assert.equal(report.outcome, "partial");
    assert.equal(report.fieldsNew, messages.length - 1);
    assert.equal(report.problems.length, 1);
    assert.equal(report.problems[0]!.offset, messages[1]!.offset);
    assert.equal(report.problems[0]!.length, messages[1]!.totalLength);
    assert.match(report.problems[0]!.reason, /message 2 could not be read/);
  });

  test("a dissemination name that disagrees with the messages is registered with a warning", async () => {
    const report = await pipeline.submit({
      path: join(data, "iasi/source.grib"),
      name: "A1D01010000010106001",
      source: "cli",
      mode: "copy",
      producer: "test-names",
    });
    assert.equal(report.outcome, "registered");
    assert.equal(report.warnings.length, 1);
    assert.match(report.warnings[0]!, /says base time .*01-01T00:00.*2018-04-24T10:46/);
  });

  test("registration publishes fields_registered with cycle, producer, base time and counts", async () => {
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    const received: string[] = [];
    listener.on("notification", (n) => received.push(n.payload ?? ""));
    await listener.query(`listen ${fieldsRegisteredChannel}`);
    const report = await pipeline.submit({
      path: join(data, "windvector/meps_source.grib2"),
      name: "notify-test.grib2",
      source: "cli",
      mode: "copy",
      producer: "test-notify",
    });
    for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await listener.end();
    assert.equal(received.length, 1);
    const event = parseFieldsRegistered(received[0]!);
    assert.equal(event.producer, "test-notify");
    assert.equal(event.baseTime, "2016-11-18T00:00:00.000Z");
    assert.equal(event.fileId, report.fileId);
    assert.equal(event.newFields, 2);
    assert.deepEqual(event.steps, [6]);
    const cycles = await listCycles(db.pool, { producer: "test-notify" });
    assert.equal(cycles[0]?.receivedFields, 2);
  });

  test("split mode writes one-message files and removes the raw file", async () => {
    const splitStore = new LocalStore(tempDir("cb-split-"));
    const split = new IngestPipeline({
      pool: db.pool,
      store: splitStore,
      describe: describeMessage,
      split: true,
    });
    // Byte-identical messages (3 and 4) share one content-addressed file: written once, safely.
    const twins = await split.submit({
      path: join(data, "split_sum/harmonie_source.grib"),
      name: "split-twins.grib",
      source: "cli",
      mode: "copy",
      producer: "test-split-twins",
    });
    assert.equal(twins.fieldsNew, 4);
    const file = join(data, "relative_humidity/source_harmonie.grib");
    const report = await split.submit({
      path: file,
      name: "split.grib",
      source: "cli",
      mode: "copy",
      producer: "test-split",
    });
    assert.equal(report.fieldsNew, 3);
    const rows = await listFields(db.pool, parseFieldFilter([["producer", "test-split"]]));
    const original = readFileSync(file);
    for (const row of rows) {
      assert.equal(row.offset, 0);
      const bytes = readFileSync(splitStore.path(row.storageUri));
      assert.equal(bytes.length, row.length);
      assert.ok(original.includes(bytes), "a one-message file is the message's bytes");
    }
    assert.equal(await splitStore.exists(report.storageUri!), false, "the raw file is gone once split");
  });

  test("retention drops whole day partitions and the files of old cycles", async () => {
    const partitionsBefore = await listPartitions(db.pool);
    assert.ok(partitionsBefore.some((p) => p.day === "2013-04-09"));
    // Keep 10 days back from the newest base time (2023-05-22).
    const report = await runRetention(db.pool, store, 10, new Date("2030-01-01T00:00:00Z"));
    assert.equal(report.cutoff, "2023-05-12T00:00:00.000Z");
    assert.ok(report.partitionsDropped.includes("field_p20130409"));
    const left = await db.pool.query<{ min: Date }>("select min(base_time) as min from field");
    assert.ok(left.rows[0]!.min >= new Date(report.cutoff));
    const partitionsAfter = await listPartitions(db.pool);
    assert.ok(partitionsAfter.every((p) => p.day >= "2023-05-12"));
    const oldFiles = await db.pool.query("select 1 from ingest_file where max_base_time < $1", [
      report.cutoff,
    ]);
    assert.equal(oldFiles.rowCount, 0);
    // Registering old data again recreates its partition.
    const again = await pipeline.submit({
      path: join(data, "transformer/gfs_source.grib2"),
      source: "cli",
      mode: "copy",
    });
    assert.equal(again.fieldsNew, 1);
  });
});
