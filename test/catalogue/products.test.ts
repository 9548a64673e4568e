// Products: registered with their job and lineage to input fields; a rerun replaces, never duplicates.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Dimensions } from "../../src/catalogue/lookups.ts";
import { getProduct, listProducts, productLineage, registerProduct } from "../../src/catalogue/products.ts";
import { listFields, parseFieldFilter } from "../../src/catalogue/query.ts";
import { describeMessage } from "../../src/ingest/describe.ts";
import { IngestPipeline } from "../../src/ingest/pipeline.ts";
import { LocalStore } from "../../src/store/store.ts";
import { tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const data = join(import.meta.dirname, "../../../shared/data/himan-dev");
let db: TestDatabase;

before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db.drop();
});

test("a product records the job that made it and the fields it came from", async () => {
  const pipeline = new IngestPipeline({
    pool: db.pool,
    store: new LocalStore(tempDir()),
    describe: describeMessage,
  });
  await pipeline.process({ path: join(data, "dewpoint/source.grib"), source: "cli", mode: "copy" });
  const inputs = await listFields(
    db.pool,
    parseFieldFilter([
      ["param", "T-K,RH-PRCNT"],
      ["levelType", "heightAboveGround"],
    ]),
  );
  assert.equal(inputs.length, 2);
  const t = inputs[0]!;
  const dimensions = new Dimensions();
  const product = {
    producer: "cloudburst",
    baseTime: new Date(t.baseTime),
    param: { name: "TD-K", paramId: null, longName: "dew point", units: "K" },
    levelType: "heightAboveGround",
    level: 2,
    startStep: t.startStep,
    endStep: t.step,
    stepRange: t.stepRange,
    stepType: "instant",
    dataType: "fc",
    member: null,
    geometry: { gridType: "rotated_ll", definition: { Ni: 720, Nj: 800 } },
    edition: 2 as const,
    packingType: "grid_ccsds",
    storageUri: "store:products/x.grib",
    offset: 0,
    length: 1000,
    checksum: "ab".repeat(32),
    jobId: "job-1",
    inputs: inputs.map((f) => ({ kind: "field" as const, id: f.id })),
  };
  const id = await registerProduct(db.pool, dimensions, product);
  assert.deepEqual(await productLineage(db.pool, id), {
    id,
    jobId: "job-1",
    inputs: inputs.map((f) => ({ kind: "field", id: f.id })).sort((a, b) => a.id - b.id),
  });
  // A rerun with one input: same product row, new job, new lineage.
  const again = await registerProduct(db.pool, dimensions, {
    ...product,
    jobId: "job-2",
    inputs: [{ kind: "field", id: t.id }],
  });
  assert.equal(again, id);
  assert.deepEqual(await productLineage(db.pool, id), {
    id,
    jobId: "job-2",
    inputs: [{ kind: "field", id: t.id }],
  });
  const count = await db.pool.query("select count(*)::int as n from product");
  assert.equal(count.rows[0].n, 1);

  // Listed and filtered as fields are, paged by id; a key products do not have is refused.
  const second = await registerProduct(db.pool, dimensions, { ...product, level: 10, jobId: "job-3" });
  const listed = await listProducts(db.pool, parseFieldFilter([["param", "TD-K"]]));
  assert.deepEqual(
    listed.map((p) => [p.id, p.param, p.level, p.jobId]),
    [
      [id, "TD-K", 2, "job-2"],
      [second, "TD-K", 10, "job-3"],
    ],
  );
  assert.deepEqual(
    (await listProducts(db.pool, parseFieldFilter([["level", "5..20"]]))).map((p) => p.id),
    [second],
  );
  assert.deepEqual(
    (await listProducts(db.pool, {}, { limit: 1, after: id })).map((p) => p.id),
    [second],
  );
  assert.equal((await listProducts(db.pool, parseFieldFilter([["param", "T-K"]]))).length, 0);
  await assert.rejects(
    listProducts(db.pool, parseFieldFilter([["geometry", "x"]])),
    /cannot filter by "geometry" here/,
  );
  assert.equal((await getProduct(db.pool, second))?.storageUri, "store:products/x.grib");
  assert.equal(await getProduct(db.pool, second + 1000), null);
});
