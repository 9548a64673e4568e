// Receivers over loopback with real clients: FTP (basic-ftp and curl) to the ftp-srv receiver, HTTP PUT
// and range reads with a token, a watched directory, and a restart that loses and duplicates nothing.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { Client } from "basic-ftp";
import type { FastifyInstance } from "fastify";
import { createToken } from "../../src/auth/tokens.ts";
import { listFields, parseFieldFilter } from "../../src/catalogue/query.ts";
import { type Config, parseConfigText } from "../../src/config/load.ts";
import type { Database } from "../../src/db/database.ts";
import { allowList, isAllowed } from "../../src/ingest/config.ts";
import { hashPassword } from "../../src/ingest/passwords.ts";
import { type IngestService, startIngest } from "../../src/ingest/service.ts";
import { buildApp } from "../../src/server/app.ts";
import { createServerMetrics } from "../../src/server/metrics.ts";
import { tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const run = promisify(execFile);
const data = join(import.meta.dirname, "../../../shared/data/himan-dev");
const sample = join(data, "dewpoint/source.grib");
const password = randomBytes(12).toString("base64url");
const silent = { info() {}, warn() {}, error() {} };

let db: TestDatabase;
let database: Database;
let config: Config;
let service: IngestService;
let app: FastifyInstance;
let baseUrl: string;
let token: string;
let watchDir: string;

async function configure(): Promise<Config> {
  const dir = tempDir("cb-recv-");
  watchDir = join(dir, "drop");
  mkdirSync(watchDir);
  const pasv = 41000 + Math.floor(Math.random() * 2000);
  return parseConfigText(
    join(dir, "cloudburst.yaml"),
    `
dataDir: state
ingest:
  ftp:
    enabled: true
    host: 127.0.0.1
    port: 0
    passive: { url: 127.0.0.1, minPort: ${pasv}, maxPort: ${pasv + 50} }
    users:
      - { name: ecmwf, passwordEnv: TEST_FTP_PASSWORD, producer: ecmwf-test }
      - { name: other, passwordHash: "${await hashPassword(password)}" }
  watch:
    - { dir: ${watchDir}, settleMs: 0, pollMs: 100, producer: watched }
  settleMs: 400
catalogue:
  retention: { intervalMinutes: 0 }
`,
    { TEST_FTP_PASSWORD: password },
  );
}

async function startAll(): Promise<void> {
  const metrics = createServerMetrics();
  service = await startIngest(config, database, silent, { registry: metrics.registry });
  app = await buildApp({ pool: db.pool, metrics, ingest: service, store: service.store });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  baseUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

async function stopAll(): Promise<void> {
  await app.close();
  await service.stop();
}

async function ftpClient(user = "ecmwf", pass = password): Promise<Client> {
  const client = new Client(10_000);
  await client.access({ host: "127.0.0.1", port: service.ftp!.port, user, password: pass });
  return client;
}

async function fileRows(name: string): Promise<Array<{ version: number; state: string; source: string }>> {
  const result = await db.pool.query(
    "select version, state, source from ingest_file where name = $1 order by version",
    [name],
  );
  return result.rows;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

before(async () => {
  db = await createTestDatabase();
  database = { pool: db.pool, url: db.url, embedded: false, close: async () => undefined };
  config = await configure();
  await startAll();
  token = await createToken(db.pool, "ingest-test");
});
after(async () => {
  await stopAll();
  await db.drop();
});

describe("FTP receiver", () => {
  test("a temporary name is never ingested; the rename to the final name is", async () => {
    const client = await ftpClient();
    await client.uploadFrom(sample, "A1D08280000082824001.tmp");
    await service.pipeline.idle();
    assert.deepEqual(await fileRows("A1D08280000082824001.tmp"), []);
    assert.deepEqual(await fileRows("A1D08280000082824001"), []);
    await client.rename("A1D08280000082824001.tmp", "A1D08280000082824001");
    client.close();
    await service.pipeline.idle();
    const rows = await fileRows("A1D08280000082824001");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.state, "registered");
    assert.equal(rows[0]!.source, "ftp:ecmwf");
    const fields = await listFields(db.pool, parseFieldFilter([["file", "A1D08280000082824001"]]));
    assert.equal(fields.length, 4);
    assert.ok(
      fields.every((f) => f.producer === "ecmwf-test"),
      "the user's configured producer",
    );
    const userRoot = join(service.store.root, "incoming/ftp/ecmwf");
    assert.equal(existsSync(join(userRoot, "A1D08280000082824001")), false, "moved into the store");
  });

  test("an upload to a final name is ingested once complete (curl, with its own rename too)", async () => {
    await run("curl", [
      "-sS",
      "--ftp-pasv",
      "-T",
      join(data, "iasi/source.grib"),
      `ftp://other:${encodeURIComponent(password)}@127.0.0.1:${service.ftp!.port}/iasi.tmp`,
      "-Q",
      "-RNFR iasi.tmp",
      "-Q",
      "-RNTO iasi.grib",
    ]);
    await service.pipeline.idle();
    assert.equal((await fileRows("iasi.grib"))[0]?.state, "registered");
    assert.deepEqual(await fileRows("iasi.tmp"), []);
    const client = await ftpClient("other");
    await client.uploadFrom(join(data, "transformer/gfs_source.grib2"), "gfs.grib2");
    client.close();
    await service.pipeline.idle();
    assert.equal((await fileRows("gfs.grib2"))[0]?.source, "ftp:other");
  });

  test("a wrong password and an unknown user are refused", async () => {
    await assert.rejects(ftpClient("ecmwf", "wrong password"), /530/);
    await assert.rejects(ftpClient("nobody", password), /530/);
  });

  test("../ stays inside the user's root", async () => {
    const client = await ftpClient("other");
    await client.uploadFrom(join(data, "iasi/source.grib"), "../../../escape.grib");
    client.close();
    await service.pipeline.idle();
    const root = join(service.store.root, "incoming/ftp");
    assert.equal(existsSync(join(root, "escape.grib")), false);
    assert.equal(existsSync(join(dirname(service.store.root), "escape.grib")), false);
    assert.equal(existsSync(join(service.store.root, "escape.grib")), false);
    // It landed in other's root (as /escape.grib) and was ingested from there.
    assert.equal((await fileRows("escape.grib"))[0]?.source, "ftp:other");
  });

  test("an upload cut in the middle under a temporary name is never ingested", async () => {
    const bytes = readFileSync(sample);
    const client = await ftpClient();
    let sent = false;
    const cut = new Readable({
      read() {
        if (sent) {
          this.destroy(new Error("connection lost"));
          return;
        }
        sent = true;
        this.push(bytes.subarray(0, 100_000));
      },
    });
    await assert.rejects(client.uploadFrom(cut, "A1D08280000082806001.tmp"));
    client.close();
    await service.pipeline.idle();
    assert.deepEqual(await fileRows("A1D08280000082806001.tmp"), []);
    assert.deepEqual(await fileRows("A1D08280000082806001"), []);
  });

  test("a part under a temporary name that its client cut stays, and a resume by APPE or REST completes it", async () => {
    // As for a final name, the client goes away mid-file; here no confirmation is waited for (the
    // rename is the client's word), so the part stays for a resume from its SIZE: APPE, as ECPDS and
    // our own push resume, or REST and STOR, as other clients do (the file must not be truncated).
    const bytes = readFileSync(sample);
    const resumes: Array<[string, (client: Client, part: string) => Promise<unknown>]> = [
      ["A1D08280000082811001", (client, part) => client.appendFrom(sample, part, { localStart: 100_000 })],
      [
        "A1D08280000082813001",
        async (client, part) => {
          await client.send("REST 100000");
          return client.uploadFrom(Readable.from([bytes.subarray(100_000)]), part);
        },
      ],
    ];
    for (const [name, resume] of resumes) {
      const part = `${name}.tmp`;
      await cutUpload(part, (source) => source.destroy(new Error("connection lost")));
      assert.deepEqual(await fileRows(part), [], "a part is not catalogued");
      const client = await ftpClient();
      assert.equal(await client.size(part), 100_000, "the part holds what the client sent");
      await resume(client, part);
      await client.rename(part, name);
      client.close();
      await service.pipeline.idle();
      const { rows } = await db.pool.query(
        "select version, state, size, checksum, message_count from ingest_file where name = $1",
        [name],
      );
      assert.deepEqual(
        rows,
        [
          {
            version: 1,
            state: "registered",
            size: String(bytes.length),
            checksum: createHash("sha256").update(bytes).digest("hex"),
            message_count: 4,
          },
        ],
        `${name}: the resumed file is the whole file`,
      );
    }
  });

  test("a part under a temporary name whose data connection is reset keeps what arrived, for a resume", async () => {
    const name = "A1D08280000082816001";
    const part = `${name}.tmp`;
    await cutUpload(part, (_source, client) => client.ftp.dataSocket?.resetAndDestroy());
    const client = await ftpClient();
    const kept = await client.size(part);
    assert.ok(kept > 0 && kept <= 100_000, `${kept} bytes kept of the 100,000 sent`);
    // A REST past the part's end is refused, and the part is left as it was.
    await client.send(`REST ${kept + 1000}`);
    await assert.rejects(client.uploadFrom(Readable.from([Buffer.alloc(10)]), part), /past the end/);
    assert.equal(await client.size(part), kept);
    await client.appendFrom(sample, part, { localStart: kept });
    await client.rename(part, name);
    client.close();
    await service.pipeline.idle();
    const bytes = readFileSync(sample);
    const { rows } = await db.pool.query("select state, size, checksum from ingest_file where name = $1", [
      name,
    ]);
    assert.deepEqual(rows, [
      {
        state: "registered",
        size: String(bytes.length),
        checksum: createHash("sha256").update(bytes).digest("hex"),
      },
    ]);
  });

  test("the sweep removes a part its client abandoned a day ago, and keeps a recent one", async () => {
    const userRoot = join(service.store.root, "incoming/ftp/ecmwf");
    const old = join(userRoot, "A1D08280000082814001.tmp");
    const recent = join(userRoot, "A1D08280000082815001.tmp");
    writeFileSync(old, Buffer.alloc(1000));
    writeFileSync(recent, Buffer.alloc(1000));
    const dayAndHourAgo = new Date(Date.now() - 25 * 3600 * 1000);
    utimesSync(old, dayAndHourAgo, dayAndHourAgo);
    // Twice: a sweep under way when the files were written (the minute's) is the one the first call joins.
    await service.sweep();
    await service.sweep();
    assert.equal(existsSync(old), false, "unchanged for 25 h (ingest.abandonedPartHours: 24): removed");
    assert.equal(existsSync(recent), true, "a part written now may still be resumed");
    rmSync(recent);
  });

  /** Sends the first 100 kB of `sample` to `name` as a STOR, then lets `cut` end it as a client does. */
  async function cutUpload(name: string, cut: (source: Readable, client: Client) => void): Promise<void> {
    const bytes = readFileSync(sample);
    const client = await ftpClient();
    let sent = false;
    const source = new Readable({
      read() {
        if (sent) return void setTimeout(() => cut(this, client), 100);
        sent = true;
        this.push(bytes.subarray(0, 100_000));
      },
    });
    await assert.rejects(client.uploadFrom(source, name));
    client.close();
    await waitFor("the server to let the upload go", async () => service.ftp!.uploads() === 0);
    await service.pipeline.idle();
  }

  /** After a cut upload: nothing registered, nothing left under the final name, and a resend is version 1. */
  async function assertCutThenResent(name: string): Promise<void> {
    assert.deepEqual(await fileRows(name), [], "a cut upload is not catalogued");
    const userRoot = join(service.store.root, "incoming/ftp/ecmwf");
    assert.equal(existsSync(join(userRoot, name)), false, "no partial file is left under the final name");
    const client = await ftpClient();
    await client.uploadFrom(sample, name);
    client.close();
    await service.pipeline.idle();
    const rows = await fileRows(name);
    assert.deepEqual(
      rows.map((r) => [r.version, r.state]),
      [[1, "registered"]],
    );
  }

  test("an upload to a final name cut by the client going away is never ingested", async () => {
    // The source fails: basic-ftp closes the data connection (a FIN, as for a complete file), then the
    // client closes its control connection without waiting for the reply.
    await cutUpload("A1D08280000082807001", (source) => source.destroy(new Error("connection lost")));
    await assertCutThenResent("A1D08280000082807001");
  });

  test("an upload to a final name ended by ABOR is never ingested", async () => {
    await cutUpload("A1D08280000082808001", (source, client) => {
      client.ftp.socket.write("ABOR\r\n");
      source.push(null);
    });
    await assertCutThenResent("A1D08280000082808001");
  });

  test("an upload to a final name whose data connection is reset is never ingested", async () => {
    await cutUpload("A1D08280000082809001", (_source, client) => client.ftp.dataSocket?.resetAndDestroy());
    await assertCutThenResent("A1D08280000082809001");
  });

  test("an upload whose control connection is reset mid-transfer is never ingested", async () => {
    // The server closes the session and its data connection before the data has ended.
    await cutUpload("A1D08280000082810001", (_source, client) => client.ftp.socket.resetAndDestroy());
    await assertCutThenResent("A1D08280000082810001");
  });

  test("only listed networks (and loopback) are allowed", () => {
    const list = allowList(["192.0.2.0/24", "2001:db8::/32"]);
    assert.equal(isAllowed(list, "192.0.2.77"), true);
    assert.equal(isAllowed(list, "::ffff:192.0.2.77"), true);
    assert.equal(isAllowed(list, "198.51.100.1"), false);
    assert.equal(isAllowed(list, "2001:db8::1"), true);
    assert.equal(isAllowed(list, "127.0.0.1"), true);
    assert.equal(isAllowed(list, undefined), false);
  });
});

describe("HTTP", () => {
  const auth = () => ({ authorization: `Bearer ${token}` });

  test("PUT /api/ingest/{name} registers a file; the same file again registers nothing", async () => {
    const body = readFileSync(join(data, "relative_humidity/source_gem.grib"));
    const put = () =>
      fetch(`${baseUrl}/api/ingest/gem.grib?producer=gem`, { method: "PUT", headers: auth(), body });
    const first = await put();
    assert.equal(first.status, 201);
    const report = (await first.json()) as { outcome: string; fieldsNew: number };
    assert.equal(report.outcome, "registered");
    assert.equal(report.fieldsNew, 2);
    const second = await put();
    assert.equal(second.status, 200);
    assert.equal(((await second.json()) as { outcome: string }).outcome, "duplicate");
    const anonymous = await fetch(`${baseUrl}/api/ingest/gem.grib`, { method: "PUT", body });
    assert.equal(anonymous.status, 401);
    const bad = await fetch(`${baseUrl}/api/ingest/.hidden`, { method: "PUT", headers: auth(), body });
    assert.equal(bad.status, 400);
  });

  test("PUT of a file nothing can be registered from answers 422 with the report, a partial one 201", async () => {
    const put = (name: string, body: BodyInit) =>
      fetch(`${baseUrl}/api/ingest/${name}`, { method: "PUT", headers: auth(), body });
    const rejected = await put("junk.grib", Buffer.from("a text file, not GRIB"));
    assert.equal(rejected.status, 422);
    const report = (await rejected.json()) as { outcome: string; quarantined: number };
    assert.equal(report.outcome, "rejected");
    assert.ok(report.quarantined > 0);
    const good = readFileSync(join(data, "relative_humidity/source_gem.grib"));
    const partial = await put("partial.grib", Buffer.concat([good, Buffer.from("trailing garbage")]));
    assert.equal(partial.status, 201);
    assert.equal(((await partial.json()) as { outcome: string }).outcome, "partial");
  });

  test("GET /api/fields filters, and /grib range-reads a field's bytes with a token", async () => {
    const list = await fetch(`${baseUrl}/api/fields?producer=gem&param=t`, { headers: auth() });
    assert.equal(list.status, 200);
    const { fields } = (await list.json()) as {
      fields: Array<{ id: number; offset: number; length: number }>;
    };
    assert.equal(fields.length, 1);
    const field = fields[0]!;
    const original = readFileSync(join(data, "relative_humidity/source_gem.grib"));
    const whole = await fetch(`${baseUrl}/api/fields/${field.id}/grib`, { headers: auth() });
    assert.equal(whole.status, 200);
    const wholeBytes = Buffer.from(await whole.arrayBuffer());
    assert.deepEqual(wholeBytes, original.subarray(field.offset, field.offset + field.length));
    const part = await fetch(`${baseUrl}/api/fields/${field.id}/grib`, {
      headers: { ...auth(), range: "bytes=0-15" },
    });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), `bytes 0-15/${field.length}`);
    assert.deepEqual(
      Buffer.from(await part.arrayBuffer()),
      original.subarray(field.offset, field.offset + 16),
    );
    const noToken = await fetch(`${baseUrl}/api/fields/${field.id}/grib`);
    assert.equal(noToken.status, 401);
    const missing = await fetch(`${baseUrl}/api/fields/99999999/grib`, { headers: auth() });
    assert.equal(missing.status, 404);
    const badFilter = await fetch(`${baseUrl}/api/fields?colour=red`, { headers: auth() });
    assert.equal(badFilter.status, 400);
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    assert.match(metrics, /cloudburst_ingest_files_total\{outcome="registered",receiver="ftp"\} [1-9]/);
    assert.match(metrics, /cloudburst_ingest_fields_total\{change="new"\} [1-9]/);
  });

  test("GET /api/fields/{id}/values gives the decoded values inside a box", async () => {
    const { fields } = (await (
      await fetch(`${baseUrl}/api/fields?producer=gem&param=t`, { headers: auth() })
    ).json()) as { fields: Array<{ id: number }> };
    const response = await fetch(`${baseUrl}/api/fields/${fields[0]!.id}/values?bbox=20,60,21,61`, {
      headers: auth(),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { points: Array<[number, number, number]> };
    assert.ok(body.points.length > 0);
    for (const [lat, lon, value] of body.points) {
      assert.ok(lat >= 60 && lat <= 61 && lon >= 20 && lon <= 21);
      assert.ok(value > 200 && value < 320, "a temperature in kelvin");
    }
  });
});

describe("preview", () => {
  test("GET /api/fields/{id}/preview.png is a PNG of the field with the parameter's colour scale", async () => {
    const { fields } = (await (
      await fetch(`${baseUrl}/api/fields?producer=gem&param=t`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { fields: Array<{ id: number }> };
    const response = await fetch(`${baseUrl}/api/fields/${fields[0]!.id}/preview.png?width=300`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "image/png");
    assert.equal(response.headers.get("x-colour-scale"), "temperature");
    const png = Buffer.from(await response.arrayBuffer());
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.equal(png.readUInt32BE(16), 300, "width from IHDR");
    const min = Number(response.headers.get("x-value-min"));
    const max = Number(response.headers.get("x-value-max"));
    assert.ok(min > 150 && max < 350 && min < max);
  });
});

describe("watched directory and restart", () => {
  test("a file renamed into the watched directory is ingested", async () => {
    const temporary = join(watchDir, "drop.grib.part");
    writeFileSync(temporary, readFileSync(join(data, "hybrid_pressure/lnsp_ec.grib2")));
    renameSync(temporary, join(watchDir, "drop.grib"));
    const rows = await waitFor("the watched file", async () => {
      const r = await fileRows("drop.grib");
      return r.length ? r : null;
    });
    assert.equal(rows[0]!.source, `watch:${watchDir}`);
    await service.pipeline.idle();
    assert.equal(existsSync(join(watchDir, "drop.grib")), false);
  });

  test("a restart registers what was complete but unregistered, and duplicates nothing", async () => {
    await stopAll();
    // As if the process stopped after the file was complete but before it was processed.
    const userRoot = join(service.store.root, "incoming/ftp/ecmwf");
    writeFileSync(
      join(userRoot, "A1D08280000082812001"),
      readFileSync(join(data, "dewpoint/harmonie_result_height.grib")),
    );
    // As if it stopped after keeping a file in the store but before committing its rows.
    const kept = join(service.store.root, "raw/20261125/kept.grib.0123456789abcdef");
    mkdirSync(dirname(kept), { recursive: true });
    writeFileSync(kept, readFileSync(join(data, "dewpoint/harmonie_result_pressure.grib")));
    const fieldsBefore = Number((await db.pool.query("select count(*) from field")).rows[0].count);
    await startAll();
    await waitFor("recovery", async () => (await fileRows("A1D08280000082812001")).length > 0);
    await waitFor("recovery of the store", async () => (await fileRows("kept.grib")).length > 0);
    await service.pipeline.idle();
    const fieldsAfter = Number((await db.pool.query("select count(*) from field")).rows[0].count);
    assert.equal(fieldsAfter, fieldsBefore + 2);
    // A second restart finds nothing to do.
    await stopAll();
    await startAll();
    await service.pipeline.idle();
    assert.equal(Number((await db.pool.query("select count(*) from field")).rows[0].count), fieldsAfter);
    assert.equal(
      Number((await db.pool.query("select count(*) from ingest_file where version > 1")).rows[0].count),
      0,
    );
  });

  test("the sweep takes a file under a final name only once it has stopped growing", async () => {
    await stopAll();
    // As if another program (or an FTP server before a restart) were still writing it.
    const name = "A1D08280000082818001";
    const path = join(service.store.root, "incoming/ftp/ecmwf", name);
    const bytes = readFileSync(join(data, "split_sum/meps_source.grib"));
    let written = 100_000;
    writeFileSync(path, bytes.subarray(0, written));
    const growing = setInterval(() => {
      const next = Math.min(written + 2_000, bytes.length - 1);
      appendFileSync(path, bytes.subarray(written, next));
      written = next;
    }, 50);
    try {
      await startAll(); // sweeps at start
      await service.sweep();
      await service.pipeline.idle();
      assert.deepEqual(await fileRows(name), [], "a growing file is left alone");
      assert.ok(existsSync(path));
    } finally {
      clearInterval(growing);
    }
    appendFileSync(path, bytes.subarray(written));
    await service.sweep();
    await service.pipeline.idle();
    assert.deepEqual(
      (await fileRows(name)).map((r) => [r.version, r.state]),
      [[1, "registered"]],
    );
    assert.equal(existsSync(path), false);
  });
});
