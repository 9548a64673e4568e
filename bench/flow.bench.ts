// `npm run bench flow [TASKS] [WORKER_CONCURRENCY]`: task state transitions per second through the
// whole engine — scheduler, pg-boss on PostgreSQL, and two real `cloudburst worker` processes running
// no-op tasks. Each task makes three transitions (queued -> submitted -> active -> complete), each one
// a committed transaction with its history row. Target: at least 1,000 transitions per second.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { startEmbeddedCluster, stopEmbeddedCluster } from "../src/db/embedded.ts";
import { migrate } from "../src/db/migrate.ts";
import { beginSuite, loadSuites } from "../src/flow/engine/commands.ts";
import { FlowEngine } from "../src/flow/engine/engine.ts";

const cli = resolve(import.meta.dirname, "../bin/cloudburst.js");

function suiteText(tasks: number): string {
  const out = ["suite bench", '  edit CB_ACTION "noop"'];
  for (let f = 0; f * 100 < tasks; f++) {
    out.push(`  family f${f}`);
    for (let t = 0; t < 100 && f * 100 + t < tasks; t++) out.push(`    task t${t}`);
    out.push("  endfamily");
  }
  out.push("endsuite", "");
  return out.join("\n");
}

function startWorker(url: string, name: string, concurrency: number): Promise<ChildProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url };
  delete env["CLOUDBURST_CONFIG"];
  const profile = process.env["CB_BENCH_PROFILE"]
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env["CB_BENCH_PROFILE"]}`]
    : [];
  const child = spawn(
    process.execPath,
    [...profile, cli, "worker", "--name", name, "--concurrency", String(concurrency)],
    {
      env,
      stdio: ["ignore", "pipe", "inherit"],
      cwd: tmpdir(),
    },
  );
  return new Promise((resolveReady, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) resolveReady(child);
    });
    child.on("exit", (code) => reject(new Error(`worker ${name} exited ${code}`)));
  });
}

export async function run(args: string[]): Promise<void> {
  const tasks = Number(args[0] ?? 3000);
  const concurrency = Number(args[1] ?? 16);
  const dir = mkdtempSync(join(tmpdir(), "cb-bench-flow-"));
  const cluster = process.env["DATABASE_URL"] ? null : await startEmbeddedCluster(dir, 0);
  const adminUrl = process.env["DATABASE_URL"] ?? cluster!.url;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const name = `bench_flow_${process.pid}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 10 });
  const workers: ChildProcess[] = [];
  try {
    await migrate(pool);
    await loadSuites(pool, suiteText(tasks), "bench.def", { actor: "bench" });
    const engine = await FlowEngine.start({ pool, url: url.toString() });
    workers.push(await startWorker(url.toString(), "bench-1", concurrency));
    workers.push(await startWorker(url.toString(), "bench-2", concurrency));
    const started = performance.now();
    await beginSuite(pool, "bench", "bench");
    for (;;) {
      const r = await pool.query<{ n: string }>(
        "select count(*) as n from flow_node where kind = 'task' and state = 'complete'",
      );
      if (Number(r.rows[0]!.n) >= tasks) break;
      await new Promise((r2) => setTimeout(r2, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage();
    process.stdout.write(`  engine process CPU: ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s\n`);
    const counted = await pool.query<{ n: string }>(
      "select count(*) as n from flow_history h join flow_node n using (suite_id, path) where n.kind = 'task' and h.to_state in ('submitted', 'active', 'complete')",
    );
    const transitions = Number(counted.rows[0]!.n);
    const phases = await pool.query<{ to_state: string; first: Date; last: Date }>(
      "select to_state, min(at) as first, max(at) as last from flow_history where to_state in ('submitted','active','complete') group by to_state",
    );
    const aborts = await pool.query<{ detail: string; n: string }>(
      "select detail, count(*) as n from flow_history where to_state = 'aborted' group by detail",
    );
    for (const a of aborts.rows) process.stdout.write(`  aborted ${a.n}x: ${a.detail}\n`);
    for (const p of phases.rows)
      process.stdout.write(
        `  ${p.to_state}: ${((p.last.getTime() - p.first.getTime()) / 1000).toFixed(2)} s from first to last\n`,
      );
    await engine.stop();
    const rate = transitions / seconds;
    process.stdout.write(
      [
        `flow: ${tasks} no-op tasks, 2 workers x concurrency ${concurrency}, engine in this process`,
        `  ${transitions} task state transitions in ${seconds.toFixed(2)} s = ${Math.round(rate)} transitions/s (target >= 1000: ${rate >= 1000 ? "met" : "NOT met"})`,
        `  ${Math.round(tasks / seconds)} tasks/s end to end`,
        "",
      ].join("\n"),
    );
  } finally {
    for (const w of workers) w.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    await pool.end();
    const cleanup = new pg.Client({ connectionString: adminUrl });
    await cleanup.connect();
    await cleanup.query(`drop database if exists ${name} with (force)`);
    await cleanup.end();
    if (cluster) await stopEmbeddedCluster(cluster);
    rmSync(dir, { recursive: true, force: true });
  }
}
