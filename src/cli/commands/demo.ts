// `cloudburst demo`: the README's first command. One accelerated forecast cycle on this machine, from
// the simulated ECMWF stream to delivered products, with progress and a summary; nothing is left
// running unless --keep.
import { type Command, InvalidArgumentError, Option } from "commander";
import { type DemoProgress, runDemo } from "../../app/demo.ts";
import { stopOnSignals } from "../../app/server.ts";
import { demoConfigFile, demoDataDir } from "../../config/installation.ts";
import type { DemoSummary } from "../../cycle/summary.ts";
import { logDestination } from "../../system/log.ts";
import { stopSignals } from "../../system/processes.ts";
import { parseCycleTime, positiveNumber } from "../arguments.ts";
import { commandConfig } from "../context.ts";
import { printJson, progress } from "../output.ts";
import { parsePort } from "./server.ts";
import { preparedStreamOption } from "./sim-ecmwf.ts";

function wholeNumber(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError("expected a whole number");
  return number;
}

function describeProgress(p: DemoProgress): string {
  return `files ${p.filesReceived}/${p.filesPlanned}  jobs ${p.jobsComplete}/${p.jobsPlanned}  nodes ready ${p.nodesReady}  suite ${p.suiteState}`;
}

function printSummary(s: DemoSummary, keep: boolean, configFile: string): void {
  const latency = s.stepLatencySeconds;
  process.stdout.write(
    [
      `cycle ${s.cycle}: suite ${s.suite} ${s.suiteState} in ${s.seconds} s`,
      `  fields in:        ${s.fieldsIn} (${s.filesIn} files)`,
      `  products:         ${s.productsOut} files made (${s.productsCatalogued} fields catalogued with lineage), ${s.productsDelivered} delivered (${s.bytesDelivered} bytes) to ${s.deliveredTo}, ${s.productsReplicated} rows replicated to its catalogue`,
      `  compute:          ${s.nodes} node${s.nodes === 1 ? "" : "s"} started, at most ${s.peakNodes} at once, ${s.nodeMinutes} node-minutes (ideal ${s.idealNodeMinutes}), cost ${s.cost} ${s.currency}`,
      `  node time:        ${s.nodeTime.bootSeconds} s booting, ${s.nodeTime.busySeconds} s running jobs, ${s.nodeTime.idleSeconds} s idle or stopping`,
      `  arrival→delivery: ${latency ? `p50 ${latency.p50} s, p95 ${latency.p95} s, max ${latency.max} s` : "no step delivered"}; ${s.deliveredBeforeNextStep ? "every step delivered before the next arrived" : "some step was late"}`,
      `  roles:            control and data in ${s.roles.control}; compute on ${s.roles.compute}`,
      `  web UI:           ${keep ? s.ui : "stopped with the cycle (--keep keeps it running)"}`,
      `  configuration:    ${configFile} (another terminal: export CLOUDBURST_CONFIG=${configFile})`,
      "",
    ].join("\n"),
  );
}

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description(
      "run one accelerated forecast cycle on this machine, from the model stream to delivered products",
    )
    .option("--steps <spec>", "forecast steps of the cycle, e.g. 0-12 or 0-90/3", "0-6")
    .option(
      "--stream <dir>",
      "play the stream prepared in DIR by `sim ecmwf --prepare` (its cycle, grid and steps) instead of making one",
    )
    .option("--grid <degrees>", "the simulated model's global grid increment", positiveNumber, 2)
    // 10×, the rate of the benchmark's targets: a step every 1.8 s, which this machine keeps up with.
    .option("--time-factor <x>", "compression of ECMWF's dissemination schedule", positiveNumber, 10)
    .option("--nodes <n>", "compute nodes: the most the autoscaler starts at once", wholeNumber, 2)
    .option("--fixed-nodes", "keep all --nodes up for the whole cycle instead of following the backlog")
    .addOption(
      new Option("--provider <provider>", "where compute nodes come from")
        .choices(["local", "sim-cloudsigma"])
        .default("local"),
    )
    .option(
      "--base-time <time>",
      "the cycle's base time (default: the latest 00/06/12/18 UTC)",
      parseCycleTime,
    )
    .option("--port <port>", "the control server's port (default: a free one)", parsePort)
    .option("--timeout <seconds>", "give up after this long", positiveNumber, 900)
    .option("--keep", "keep the server (and its web UI) running after the cycle, until Ctrl-C")
    .option("--json", "print the summary as JSON")
    .action(
      async (
        options: {
          steps: string;
          grid: number;
          timeFactor: number;
          nodes: number;
          fixedNodes?: boolean;
          provider: "local" | "sim-cloudsigma";
          baseTime?: Date;
          port?: number;
          timeout: number;
          keep?: boolean;
          json?: boolean;
          stream?: string;
        },
        command: Command,
      ) => {
        const config = commandConfig(command);
        const prepared = options.stream
          ? preparedStreamOption(options.stream, command, "--stream")
          : undefined;
        const configFile = demoConfigFile(config.dataDir);
        // Progress, log records and notices share the terminal: each record is a whole line above the
        // progress line (JSON when the output is not a terminal, or with --json).
        const status = progress();
        const logStream = logDestination({
          human: process.stderr.isTTY === true && !options.json,
          write: (line) => status.print(line),
        });
        // Ctrl-C during the cycle stops everything it started (the database clusters, the nodes).
        const interrupt = new AbortController();
        const onSignal = () => interrupt.abort();
        // "on", not "once": a second signal while everything stops must not kill the process half-way.
        for (const signal of stopSignals) process.on(signal, onSignal);
        const demo = await runDemo({
          dataDir: demoDataDir(config.dataDir),
          logStream,
          baseTime: options.baseTime,
          steps: options.steps,
          grid: options.grid,
          timeFactor: options.timeFactor,
          nodes: options.nodes,
          fixedNodes: options.fixedNodes,
          provider: options.provider,
          port: options.port,
          timeoutSeconds: options.timeout,
          prepared,
          signal: interrupt.signal,
          onProgress: (p) => status.update(describeProgress(p)),
          // An operator at the terminal can watch the cycle in the browser while it runs; the token is
          // shown there once, never written where output is captured.
          onServerReady: ({ ui, token }) => {
            if (!process.stderr.isTTY) return;
            status.print(`web UI: ${ui}  (API token, shown once: ${token})`);
            status.print(
              `another terminal: export CLOUDBURST_CONFIG=${configFile}  (then e.g. cloudburst cycles ls)`,
            );
          },
          onPreparing: (done, total) =>
            status.update(`preparing the simulated ECMWF stream: ${done}/${total} files`),
        }).finally(() => {
          for (const signal of stopSignals) process.off(signal, onSignal);
          status.done();
        });
        if (options.json)
          printJson({ ...demo.summary, configFile, ...(options.keep ? { token: demo.token } : {}) });
        else printSummary(demo.summary, options.keep === true, configFile);
        if (options.keep) {
          if (!options.json)
            process.stdout.write(`  API token:        ${demo.token} (shown once; Ctrl-C stops)\n`);
          await stopOnSignals(demo.server);
        }
        await demo.stop();
        if (demo.summary.suiteState !== "complete") process.exitCode = 1;
      },
    );
}
