// `npm run bench ingest [--file F.grib] [--keep]`: fields registered per second and MB/s, from FTP arrival
// (the rename of a completed upload) to committed catalogue rows, for a 1,000-message file; against
// `grib_copy` splitting the same file and `grib_ls` indexing it, in the same run.
// Without --file, the 1,000-message file is made from a real 1.4 MB GRIB2 message of ../shared/data
// (steps 0..999 set with grib_filter): about 1.4 GB, like one ECMWF dissemination file.

import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "basic-ftp";
import { parseConfigText } from "../src/config/load.ts";
import type { Database } from "../src/db/database.ts";
import { startIngest } from "../src/ingest/service.ts";
import { tempDir } from "../test/helpers/cli.ts";
import { createTestDatabase } from "../test/helpers/database.ts";

/** The FTP user's password, made up for this run. */
const benchPassword = randomBytes(12).toString("base64url");

const data = join(import.meta.dirname, "../../shared/data/himan-dev");

/** `count` copies of the first message of `source`, with steps 0..count-1 (grib_filter). */
function makeFile(dir: string, source: string, count: number): string {
  const one = join(dir, "one.grib2");
  execFileSync("grib_copy", ["-w", "count=1", source, one]);
  const rules = join(dir, "steps.rules");
  writeFileSync(rules, "set step = count - 1;\nwrite;\n");
  const dup = join(dir, "dup.grib2");
  execFileSync("sh", ["-c", `for i in $(seq ${count}); do cat '${one}'; done > '${dup}'`]);
  const out = join(dir, `bench_${count}.grib2`);
  execFileSync("grib_filter", ["-o", out, rules, dup]);
  rmSync(dup);
  rmSync(one);
  return out;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function timeCommand(command: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ["ignore", "ignore", "inherit"] });
  if (result.status !== 0) throw new Error(`${command} failed`);
  return seconds(start);
}

export async function run(args: string[]): Promise<void> {
  const fileArg = args.indexOf("--file");
  if (fileArg >= 0) return benchFile(args[fileArg + 1]!, false);
  const work = tempDir("cb-bench-ingest-");
  try {
    // One ECMWF-sized dissemination file: 1,000 messages of 1.4 MB (Lambert, GRIB2).
    await benchFile(makeFile(work, join(data, "windvector/meps_source.grib2"), 1000), true);
    // Registration rate: 10,000 small messages (22 KB, polar stereographic).
    await benchFile(makeFile(work, join(data, "iasi/source.grib"), 10_000), false);
  } finally {
    if (!args.includes("--keep")) rmSync(work, { recursive: true, force: true });
  }
}

async function benchFile(file: string, withSplit: boolean): Promise<void> {
  const size = statSync(file).size;
  const messages = Number(execFileSync("grib_count", [file], { encoding: "utf8" }).trim());
  const mb = size / 1e6;
  process.stdout.write(`file: ${file} (${messages} messages, ${mb.toFixed(0)} MB)\n`);

  // Peers, on a warm page cache (read the file once first).
  execFileSync("cat", [file], { stdio: ["ignore", "ignore", "ignore"], maxBuffer: 1 });
  const splitDir = tempDir("cb-bench-split-");
  const gribCopy = timeCommand("grib_copy", [file, join(splitDir, "[step].grib2")]);
  rmSync(splitDir, { recursive: true });
  const gribLs = timeCommand("grib_ls", ["-p", "shortName,typeOfLevel,level,stepRange,offset", file]);

  const db = await createTestDatabase();
  const database: Database = { pool: db.pool, url: db.url, embedded: false, close: async () => undefined };
  const results: Array<{ mode: string; seconds: number }> = [];
  try {
    for (const split of withSplit ? [false, true] : [false]) {
      const dir = tempDir("cb-bench-state-");
      const config = parseConfigText(
        join(dir, "cloudburst.yaml"),
        `
dataDir: ${dir}
store: { split: ${split} }
ingest:
  ftp:
    enabled: true
    host: 127.0.0.1
    port: 0
    passive: { url: 127.0.0.1, minPort: 45000, maxPort: 45100 }
    users: [{ name: bench, passwordEnv: BENCH_FTP_PASSWORD }]
catalogue: { retention: { intervalMinutes: 0 } }
`,
        { BENCH_FTP_PASSWORD: benchPassword },
      );
      process.env["BENCH_FTP_PASSWORD"] = benchPassword;
      const quiet = { info() {}, warn() {}, error() {} };
      const service = await startIngest(config, database, quiet);
      const client = new Client(0);
      client.ftp.verbose = false;
      await client.access({
        host: "127.0.0.1",
        port: service.ftp!.port,
        user: "bench",
        password: benchPassword,
      });
      const name = "A1D05220000052300001";
      const uploadStart = process.hrtime.bigint();
      await client.uploadFrom(file, `${name}.tmp`);
      const upload = seconds(uploadStart);
      const start = process.hrtime.bigint();
      await client.rename(`${name}.tmp`, name);
      await service.pipeline.idle();
      const ingest = seconds(start);
      client.close();
      const rows = await db.pool.query<{ n: string }>(
        "select count(*) as n from field where ingest_file_id = (select max(id) from ingest_file)",
      );
      await service.stop();
      if (Number(rows.rows[0]!.n) !== messages)
        throw new Error(`registered ${rows.rows[0]!.n} of ${messages} fields`);
      results.push({ mode: split ? "ingest, split mode" : "ingest (index in place)", seconds: ingest });
      process.stdout.write(`FTP upload over loopback (not counted): ${upload.toFixed(2)} s\n`);
      rmSync(dir, { recursive: true, force: true });
      // The next run registers the same fields again from another file: drop them for a like-for-like run.
      await db.pool.query("truncate field, ingest_file, quarantine, cycle cascade");
    }
  } finally {
    await db.drop();
  }

  const lines = [
    `| what | seconds | fields/s | MB/s | vs grib_copy split |`,
    `|---|---|---|---|---|`,
    ...results.map(
      (r) =>
        `| ${r.mode}: rename → committed rows | ${r.seconds.toFixed(2)} | ${Math.round(messages / r.seconds)} | ${Math.round(mb / r.seconds)} | ${(r.seconds / gribCopy).toFixed(2)} |`,
    ),
    `| grib_copy split into one file per message | ${gribCopy.toFixed(2)} | ${Math.round(messages / gribCopy)} | ${Math.round(mb / gribCopy)} | 1.00 |`,
    `| grib_ls index (shortName,typeOfLevel,level,stepRange,offset) | ${gribLs.toFixed(2)} | ${Math.round(messages / gribLs)} | ${Math.round(mb / gribLs)} | ${(gribLs / gribCopy).toFixed(2)} |`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
