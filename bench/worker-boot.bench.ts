// `npm run bench worker-boot [--runs 6] [--against DIR]`: how long a compute node's agent takes to start,
// from spawning `cloudburst worker` to its ready line (what the local provider counts as provisioned,
// and every node of a cycle pays), in wall-clock and CPU time, against an embedded PostgreSQL.
// `--against DIR` measures another checkout's bin/cloudburst.js in the same run (e.g. an earlier commit
// in a `git worktree`), for a ratio on this noisy machine.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { startEmbeddedCluster, stopEmbeddedCluster } from "../src/db/embedded.ts";
import { migrate } from "../src/db/migrate.ts";
import { startBoss } from "../src/queue/boss.ts";

const root = resolve(import.meta.dirname, "..");

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

/** CPU seconds a live process has used so far (user + system, from /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function boot(cli: string, databaseUrl: string): Promise<{ wall: number; cpu: number }> {
  const started = performance.now();
  // No configuration file: the defaults and the database of DATABASE_URL.
  const { CLOUDBURST_CONFIG: _, ...env } = process.env;
  const child = spawn(process.execPath, [cli, "worker", "--concurrency", "1"], {
    env: { ...env, DATABASE_URL: databaseUrl },
    stdio: ["ignore", "pipe", "ignore"],
  });
  await new Promise<void>((ready, fail) => {
    child.stdout.on("data", (d: Buffer) => {
      if (d.toString().includes(" ready: queue ")) ready();
    });
    child.once("exit", (code) => fail(new Error(`the worker exited ${code} before it was ready`)));
  });
  const result = { wall: (performance.now() - started) / 1000, cpu: cpuSeconds(child.pid!) };
  child.kill("SIGTERM");
  await new Promise((gone) => child.once("exit", gone));
  return result;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function run(args: string[]): Promise<void> {
  const runs = Number(option(args, "runs") ?? 6);
  const against = option(args, "against");
  const dir = mkdtempSync(join(tmpdir(), "cb-bench-boot-"));
  const cluster = await startEmbeddedCluster(join(dir, "pg"), 0);
  try {
    const pool = new pg.Pool({ connectionString: cluster.url });
    await migrate(pool);
    await pool.end();
    await (await startBoss(cluster.url)).stop();
    const clis = [
      { label: "this checkout", cli: join(root, "bin/cloudburst.js") },
      ...(against ? [{ label: against, cli: join(resolve(against), "bin/cloudburst.js") }] : []),
    ];
    process.stdout.write(
      `| worker | runs | ready after, median s (min-max) | CPU, median s |\n|---|---|---|---|\n`,
    );
    const medians: number[] = [];
    for (const { label, cli } of clis) {
      await boot(cli, cluster.url); // the first start fills Node's compile cache
      const samples = [];
      for (let i = 0; i < runs; i++) samples.push(await boot(cli, cluster.url));
      const walls = samples.map((s) => s.wall);
      medians.push(median(walls));
      process.stdout.write(
        `| ${label} | ${runs} | ${median(walls).toFixed(2)} (${Math.min(...walls).toFixed(2)}-${Math.max(...walls).toFixed(2)}) | ${median(samples.map((s) => s.cpu)).toFixed(2)} |\n`,
      );
    }
    if (medians.length === 2)
      process.stdout.write(`\nratio (this / other): ${(medians[0]! / medians[1]!).toFixed(2)}\n`);
  } finally {
    await stopEmbeddedCluster(cluster);
    rmSync(dir, { recursive: true, force: true });
  }
}
