// Issue 17: the mutated GRIB corpus (test/grib/mutated-corpus.ts, fixed seed) uploaded through
// PUT /api/ingest: no upload answers 500; a file the codec cannot wholly decode is never registered whole
// when its headers are refused (its bad messages quarantined, saying why and where); a file with nothing
// readable answers 422; every registered field answers /values, /raster and /preview.png with 200, or
// with 422 and the reason when only its data section is damaged (found when decoding), never 500.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { createToken } from "../../src/auth/tokens.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { decodeFields, isGribError, scanBuffer } from "../../src/grib/index.ts";
import { type IngestService, startIngest } from "../../src/ingest/service.ts";
import { buildApp } from "../../src/server/app.ts";
import { createServerMetrics } from "../../src/server/metrics.ts";
import { mutatedCorpus } from "../grib/mutated-corpus.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const SEED = 17;
const silent = { info() {}, warn() {}, error() {} };

/**
 * What the codec makes of the bytes: every message whole ("whole"), a message it refuses from its
 * headers alone ("headers": ingest must quarantine it), or one whose values or grid fail only when
 * decoded ("values": a damaged data section; the field routes must answer 422 for it).
 */
function codecVerdict(bytes: Uint8Array): "whole" | "headers" | "values" {
  let messages = 0;
  let verdict: "whole" | "values" = "whole";
  for (const item of scanBuffer(bytes)) {
    if (isGribError(item)) return "headers";
    messages++;
    let fields: ReturnType<typeof decodeFields>;
    try {
      fields = decodeFields(item.bytes, { offset: item.offset });
      for (const f of fields) void f.metadata;
    } catch (e) {
      if (isGribError(e)) return "headers";
      throw e;
    }
    try {
      for (const f of fields) {
        f.geometry();
        f.values();
      }
    } catch (e) {
      if (!isGribError(e)) throw e;
      verdict = "values";
    }
  }
  return messages > 0 ? verdict : "headers";
}

describe(`ingest of a mutated corpus (seed ${SEED})`, () => {
  let db: TestDatabase;
  let service: IngestService;
  let app: FastifyInstance;
  let baseUrl: string;
  let auth: { authorization: string };
  const dir = mkdtempSync(join(tmpdir(), "cb-mutated-ingest-"));

  before(async () => {
    db = await createTestDatabase();
    const config = await parseConfigText(
      join(dir, "cloudburst.yaml"),
      "dataDir: state\ncatalogue:\n  retention: { intervalMinutes: 0 }\n",
      {},
    );
    const database = { pool: db.pool, url: db.url, embedded: false, close: async () => undefined };
    const metrics = createServerMetrics();
    service = await startIngest(config, database, silent, { registry: metrics.registry });
    app = await buildApp({ pool: db.pool, metrics, ingest: service, store: service.store });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    baseUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    auth = { authorization: `Bearer ${await createToken(db.pool, "mutated-corpus")}` };
  });
  after(async () => {
    await app?.close();
    await service?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers no 500, quarantines refused headers, and serves every registered field or says why not", async (t) => {
    const corpus = mutatedCorpus(SEED);
    const tally = { registered: 0, partial: 0, rejected: 0, duplicate: 0 };
    let fieldsServed = 0;
    let undecodable = 0;
    for (const m of corpus) {
      const response = await fetch(`${baseUrl}/api/ingest/${m.name}`, {
        method: "PUT",
        headers: auth,
        body: Buffer.from(m.bytes),
      });
      const text = await response.text();
      assert.notEqual(response.status, 500, `${m.name}: ${text}`);
      const report = JSON.parse(text) as {
        outcome: keyof typeof tally;
        fileId: number;
        problems: Array<{ code: string; reason: string; offset: number }>;
      };
      assert.ok(report.outcome in tally, `${m.name}: ${text}`);
      tally[report.outcome]++;
      const expected = { registered: 201, partial: 201, rejected: 422, duplicate: 200 }[report.outcome];
      assert.equal(response.status, expected, `${m.name}: ${report.outcome}`);
      const verdict = codecVerdict(m.bytes);
      if (verdict === "headers") {
        assert.notEqual(
          report.outcome,
          "registered",
          `${m.name} was registered whole: the codec refuses part of it`,
        );
        // an empty file has no byte to keep aside
        if (report.outcome !== "duplicate" && m.bytes.length > 0) {
          assert.ok(report.problems.length > 0, `${m.name}: quarantined without a record`);
          for (const p of report.problems) assert.ok(Number.isInteger(p.offset) && p.reason.length > 0);
        }
      }
      const fields = await db.pool.query<{ id: string }>("select id from field where ingest_file_id = $1", [
        report.fileId,
      ]);
      for (const { id } of fields.rows) {
        for (const route of ["values", "raster?width=40", "preview.png?width=40"]) {
          const r = await fetch(`${baseUrl}/api/fields/${id}/${route}`, { headers: auth });
          const body = await r.text();
          const what = `${m.name}: field ${id} /${route}: ${r.status} ${body.slice(0, 300)}`;
          if (verdict === "whole") assert.equal(r.status, 200, what);
          else {
            assert.equal(r.status, 422, what);
            assert.match(body, /cannot be decoded: .*at byte offset \d+/, what);
            undecodable++;
          }
        }
        fieldsServed++;
      }
    }
    t.diagnostic(
      `${corpus.length} files: ${JSON.stringify(tally)}, ${fieldsServed} fields served, ${undecodable} route answers 422 for a damaged data section`,
    );
    assert.ok(tally.rejected > 100, "most of the corpus is refused");
    assert.ok(fieldsServed > 20, "some damaged files still hold a good field");
  });

  it("quarantines contradicting headers with the key and the contradiction", async () => {
    const rows = await db.pool.query<{ file_name: string; reason: string; byte_offset: string }>(
      "select file_name, reason, byte_offset from quarantine where file_name ~ '\\.(Ni-65535|Nj-0|numberOfValues-0|bitsPerValue-33)\\.grib$'",
    );
    assert.ok(rows.rows.length >= 15, `${rows.rows.length} quarantined`);
    for (const r of rows.rows) {
      assert.match(
        r.reason,
        /(Ni|Nj|Ny|numberOfDataPoints|numberOfValues|numberOfCodedValues|bitsPerValue|section7Length|bitmap): /,
        r.file_name,
      );
      assert.match(r.reason, /at byte offset \d+/, r.file_name);
    }
  });
});
