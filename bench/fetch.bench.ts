// `npm run bench fetch [--grid 0.25] [--steps 0] [--runs 3]`: a compute node's input fetch over loopback
// HTTP (RemoteProductData: GET /api/worker/fields/:id through the real server, SHA-256 checked against
// the catalogue) against reading the same bytes from the data role's store (LocalStore.readBytes), for
// the fields of steps of the simulated ECMWF stream, ingested into an embedded PostgreSQL. "cold": a
// new RemoteProductData, every field over HTTP; "warm": the same one again, from its bounded cache.
// The store's files were just written, so the local reads come from the OS page cache in both passes.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createNodeToken } from "../src/auth/tokens.ts";
import { parseStepSpec } from "../src/cycle/dissemination.ts";
import type { InputField } from "../src/cycle/product-data.ts";
import { RemoteProductData } from "../src/cycle/remote-data.ts";
import { startEmbeddedCluster, stopEmbeddedCluster } from "../src/db/embedded.ts";
import { migrate } from "../src/db/migrate.ts";
import { describeMessage } from "../src/ingest/describe.ts";
import { IngestPipeline } from "../src/ingest/pipeline.ts";
import { buildApp } from "../src/server/app.ts";
import { encodeStep } from "../src/sim/ecmwf/encode.ts";
import { defaultContent, globalGrid, newAccumulation } from "../src/sim/ecmwf/fields.ts";
import { legacyDisseminationName } from "../src/sim/ecmwf/names.ts";
import { LocalStore } from "../src/store/store.ts";
import { ServerClient } from "../src/worker/server-client.ts";

const baseTime = new Date("2026-11-24T00:00:00Z");

function option(args: string[], name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? (args[index + 1] ?? fallback) : fallback;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** The steps' files of the simulated stream, through the real ingest into the store and the catalogue. */
async function ingestSteps(pool: pg.Pool, store: LocalStore, dir: string, grid: number, steps: number[]) {
  const pipeline = new IngestPipeline({ pool, store, describe: describeMessage });
  const accumulation = newAccumulation(globalGrid(grid));
  for (const step of steps) {
    const path = join(dir, legacyDisseminationName("A1", "D", baseTime, step));
    writeFileSync(path, encodeStep(defaultContent, globalGrid(grid), baseTime, step, accumulation));
    await pipeline.submit({ path, source: "bench", mode: "move", producer: "ecmf" });
  }
}

type StoredField = InputField & { uri: string };

async function catalogued(pool: pg.Pool): Promise<StoredField[]> {
  const rows = await pool.query<{
    id: string;
    storage_uri: string;
    byte_offset: string;
    byte_length: string;
    checksum: Buffer;
  }>("select id, storage_uri, byte_offset, byte_length, checksum from field order by id");
  return rows.rows.map((r) => ({
    id: Number(r.id),
    param: "",
    levelType: "",
    level: 0,
    stepRange: "",
    offset: Number(r.byte_offset),
    length: Number(r.byte_length),
    checksum: r.checksum.toString("hex"),
    uri: r.storage_uri,
  }));
}

/** Seconds to read every field with `read`, one after another as a job does. */
async function timed(fields: StoredField[], read: (f: StoredField) => Promise<Uint8Array>): Promise<number> {
  const started = performance.now();
  for (const field of fields) await read(field);
  return (performance.now() - started) / 1000;
}

export async function run(args: string[]): Promise<void> {
  const grid = Number(option(args, "grid", "0.25"));
  const steps = [...parseStepSpec(option(args, "steps", "0"))].sort((a, b) => a - b);
  const runs = Number(option(args, "runs", "3"));
  const dir = mkdtempSync(join(tmpdir(), "cb-bench-fetch-"));
  const cluster = await startEmbeddedCluster(join(dir, "pg"), 0);
  const pool = new pg.Pool({ connectionString: cluster.url });
  // A connection still closing as the cluster stops at the end is no result of the benchmark.
  pool.on("error", () => undefined);
  const store = new LocalStore(join(dir, "store"));
  const app = await buildApp({ pool, store });
  try {
    await migrate(pool);
    await ingestSteps(pool, store, dir, grid, steps);
    const fields = await catalogued(pool);
    const megabytes = fields.reduce((sum, f) => sum + f.length, 0) / 1e6;
    await app.listen({ host: "127.0.0.1", port: 0 });
    const token = await createNodeToken(pool, {
      node: "bench",
      cycle: "ecmf/2026112400",
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const client = new ServerClient({
      url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`,
      token,
    });
    const samples = { local: [] as number[], cold: [] as number[], warm: [] as number[] };
    for (let i = 0; i < runs; i++) {
      samples.local.push(await timed(fields, (f) => store.readBytes(f.uri, f.offset, f.length)));
      const remote = new RemoteProductData(client, { cacheBytes: 2 * megabytes * 1e6 });
      samples.cold.push(await timed(fields, (f) => remote.read(f)));
      samples.warm.push(await timed(fields, (f) => remote.read(f)));
    }
    client.close();
    const local = megabytes / median(samples.local);
    process.stdout.write(
      `${fields.length} fields, ${megabytes.toFixed(1)} MB (steps ${steps.join(",")} at ${grid}°), median of ${runs} runs\n\n` +
        "| read | MB/s | ratio to local store |\n|---|---|---|\n",
    );
    for (const [label, times] of [
      ["local store (LocalStore.readBytes)", samples.local],
      ["HTTP, cold cache (GET /api/worker/fields/:id + SHA-256)", samples.cold],
      ["HTTP, warm cache (RemoteProductData's cache)", samples.warm],
    ] as const) {
      const rate = megabytes / median(times);
      process.stdout.write(`| ${label} | ${rate.toFixed(0)} | ${(rate / local).toFixed(2)} |\n`);
    }
  } finally {
    await app.close();
    await pool.end();
    await stopEmbeddedCluster(cluster);
    rmSync(dir, { recursive: true, force: true });
  }
}
