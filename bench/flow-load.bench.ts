// `npm run bench flow-load [TASKS] [ROUNDS]`: load time and memory of a 100,000-task suite definition, ours
// (parse + build + validate, in a fresh Node process, V8 set as `suite check` sets it) against
// `ecflow_client --load` of the same .def into a real ecflow_server on loopback (time, and the
// server's resident memory).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startEcflowServer } from "../test/flow/fixtures/ecflow-server.ts";

/** A suite of `tasks` tasks in families of 100, with the attributes operational suites use. */
export function generateSuite(tasks: number): string {
  const out: string[] = [
    "suite big",
    "  edit ECF_HOME '/tmp/big'",
    "  limit work 50",
    "  repeat date YMD 20240101 20241231 1",
  ];
  const perFamily = 100;
  const families = Math.ceil(tasks / perFamily);
  for (let f = 0; f < families; f++) {
    out.push(`  family f${f}`, `    edit GROUP ${f}`, "    inlimit work");
    if (f > 0) out.push(`    trigger f${f - 1}/t0 == complete`);
    if (f % 10 === 0) out.push("    time 06:00");
    for (let t = 0; t < perFamily && f * perFamily + t < tasks; t++) {
      out.push(
        `    task t${t}`,
        `      edit STEP ${t * 3}`,
        "      event done",
        "      meter progress 0 100 100",
        `      label info "task ${t}"`,
      );
      if (t > 0) out.push(`      trigger t${t - 1} == complete or t${t - 1}:done`);
      if (t % 25 === 0) out.push("      late -s +00:15 -c +01:00");
    }
    out.push("  endfamily");
  }
  out.push("endsuite", "");
  return out.join("\n");
}

interface OurLoad {
  ms: number;
  /** CPU time (user + system, all threads) of the load. */
  cpuMs: number;
  rssKiB: number;
  /** RSS after V8 has also given back its young generation (a "last resort" collection). */
  settledRssKiB: number;
  baseRssKiB: number;
  heapKiB: number;
  tasks: number;
}

const rssNow = (): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0);

/** In the child process: parse, build and validate, then report time and memory. */
async function child(file: string): Promise<void> {
  const { checkDefs } = await import("../src/flow/def/check.ts");
  const { allTasks } = await import("../src/flow/model/tree.ts");
  const { tuneV8ForOnePass } = await import("../src/cli/one-pass.ts");
  const gc = (globalThis as { gc?: (options?: object) => void }).gc;
  gc?.();
  const baseRssKiB = rssNow();
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const text = readFileSync(file, "utf8");
  tuneV8ForOnePass(text.length); // as `suite check` does
  const defs = checkDefs(text, file);
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - start;
  gc?.();
  const rssKiB = rssNow();
  gc?.({ type: "major", execution: "sync", flavor: "last-resort" });
  const result: OurLoad = {
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssKiB,
    settledRssKiB: rssNow(),
    baseRssKiB,
    heapKiB: Math.round(process.memoryUsage().heapUsed / 1024),
    tasks: allTasks(defs).length,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Ours in a fresh process: parse, build and validate (see `child`). */
function ourLoad(file: string): OurLoad {
  const r = spawnSync(process.execPath, ["--expose-gc", import.meta.filename, "--child", file], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`our load failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop() as string) as OurLoad;
}

/** The CLI end to end (process start included), as ecflow_client is measured: wall and CPU. */
function cliCheck(file: string): { ms: number; cpuMs: number } {
  const t0 = performance.now();
  const r = spawnSync(
    "/usr/bin/time",
    [
      "-f",
      "cpu %U %S",
      process.execPath,
      join(import.meta.dirname, "../bin/cloudburst.js"),
      "suite",
      "check",
      file,
    ],
    { encoding: "utf8" },
  );
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`cloudburst suite check failed: ${r.stderr}`);
  const [, user, sys] = /cpu ([\d.]+) ([\d.]+)/.exec(r.stderr) ?? [];
  return { ms, cpuMs: (Number(user) + Number(sys)) * 1000 };
}

interface EcflowLoad {
  ms: number;
  cpuMs: number;
  rssKiB: number;
  baseRssKiB: number;
}

/** ecFlow: `ecflow_client --load` into a fresh server; CPU of client and server, the server's RSS before and after. */
async function ecflowLoad(file: string): Promise<EcflowLoad> {
  const server = await startEcflowServer();
  try {
    const baseRssKiB = server.rssKiB();
    const serverCpu0 = server.cpuMs();
    const t0 = performance.now();
    // /usr/bin/time gives the client's own CPU time; the server's comes from /proc.
    const r = spawnSync(
      "/usr/bin/time",
      ["-f", "cpu %U %S", "ecflow_client", "--host=127.0.0.1", `--port=${server.port}`, `--load=${file}`],
      { encoding: "utf8", maxBuffer: 1 << 26 },
    );
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`ecflow_client --load failed: ${r.stderr.slice(0, 500)}`);
    const [, user, sys] = /cpu ([\d.]+) ([\d.]+)/.exec(r.stderr) ?? [];
    const clientCpu = (Number(user) + Number(sys)) * 1000;
    return { ms, cpuMs: clientCpu + server.cpuMs() - serverCpu0, rssKiB: server.rssKiB(), baseRssKiB };
  } finally {
    await server.stop();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function run(args: string[]): Promise<void> {
  const tasks = Number(args[0] ?? 100_000);
  const rounds = Number(args[1] ?? 3);
  const dir = mkdtempSync(join(tmpdir(), "cb-flow-load-"));
  const file = join(dir, "big.def");
  writeFileSync(file, generateSuite(tasks));
  const sizeMiB = statSync(file).size / 2 ** 20;
  process.stdout.write(`flow-load: ${tasks} tasks, ${sizeMiB.toFixed(1)} MiB of .def\n`);
  try {
    // Rounds of ours, the CLI and ecFlow in turn, so that each side sees the same load of this shared
    // machine; the medians of the rounds are reported.
    const loadBefore = loadavg()[0] as number;
    const ours: OurLoad[] = [];
    const cliMs: number[] = [];
    const cliCpuMs: number[] = [];
    const ecf: EcflowLoad[] = [];
    for (let i = 0; i < rounds; i++) {
      ours.push(ourLoad(file));
      if (ours[0]?.tasks !== tasks) throw new Error(`parsed ${ours[0]?.tasks} tasks, expected ${tasks}`);
      const cli = cliCheck(file);
      cliMs.push(cli.ms);
      cliCpuMs.push(cli.cpuMs);
      ecf.push(await ecflowLoad(file));
    }
    const ourMs = median(ours.map((o) => o.ms));
    const ourCli = median(cliMs);
    const ourCliCpu = median(cliCpuMs);
    const ecfMs = median(ecf.map((e) => e.ms));
    const ourCpu = median(ours.map((o) => o.cpuMs));
    const ecfCpu = median(ecf.map((e) => e.cpuMs));
    const ourRss = median(ours.map((o) => o.rssKiB - o.baseRssKiB)) / 1024;
    const ourTotal = median(ours.map((o) => o.rssKiB)) / 1024;
    const ourHeap = median(ours.map((o) => o.heapKiB)) / 1024;
    const ourSettled = median(ours.map((o) => o.settledRssKiB - o.baseRssKiB)) / 1024;
    const ecfRss = median(ecf.map((e) => e.rssKiB - e.baseRssKiB)) / 1024;
    const ecfTotal = median(ecf.map((e) => e.rssKiB)) / 1024;
    const lines = [
      `ours: parse+build+validate ${ourMs.toFixed(0)} ms wall, ${ourCpu.toFixed(0)} ms CPU (median of ${rounds}); \`cloudburst suite check\` end to end ${ourCli.toFixed(0)} ms wall, ${ourCliCpu.toFixed(0)} ms CPU`,
      `ours: memory +${ourRss.toFixed(0)} MiB RSS right after the load, +${ourSettled.toFixed(0)} MiB once V8 returns its young generation (process ${ourTotal.toFixed(0)} MiB RSS, JS heap ${ourHeap.toFixed(0)} MiB)`,
      `ecflow: \`ecflow_client --load\` ${ecfMs.toFixed(0)} ms wall, ${ecfCpu.toFixed(0)} ms CPU (client + server); ecflow_server +${ecfRss.toFixed(0)} MiB RSS (server ${ecfTotal.toFixed(0)} MiB RSS)`,
      `ratios (ours / ecFlow, lower is better): CPU of \`cloudburst suite check\` / \`ecflow_client --load\` (client + server) ${(ourCliCpu / ecfCpu).toFixed(2)}, of the load alone ${(ourCpu / ecfCpu).toFixed(2)}; wall ${(ourMs / ecfMs).toFixed(2)} (end to end ${(ourCli / ecfMs).toFixed(2)}); memory for the definition ${(ourSettled / ecfRss).toFixed(2)} settled, ${(ourRss / ecfRss).toFixed(2)} right after the load (whole process ${(ourTotal / ecfTotal).toFixed(2)})`,
    ];
    lines.push(`load average ${loadBefore.toFixed(1)} before, ${(loadavg()[0] as number).toFixed(1)} after`);
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename && process.argv[2] === "--child")
  await child(process.argv[3] as string);
