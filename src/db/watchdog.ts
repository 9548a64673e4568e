// The embedded cluster's watchdog: a process of its own, started with the postmaster. Once no process
// holds the cluster and no client is connected to it for a few seconds (its owner was killed, say by
// kill -9, and no other came), it stops the cluster, so that no PostgreSQL is left running for good.
// Whoever stops the cluster stops the watchdog too; it also ends when the postmaster does.
// Usage: node watchdog.ts DATA_DIR POSTMASTER_PID
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive } from "../system/processes.ts";
import { isAbandoned, stopAbandoned } from "./embedded.ts";
import { processStartTime } from "./holders.ts";

const checkEveryMs = 1000;
/** Checks in a row that must find the cluster abandoned: a restarting server is back within them. */
const abandonedChecks = 3;

const [dataDir, pidText] = process.argv.slice(2);
const postmaster = Number(pidText);
const started = processStartTime(postmaster);
const running = () => isAlive(postmaster) && processStartTime(postmaster) === started;

let abandoned = 0;
while (dataDir && postmaster > 0 && running()) {
  abandoned = (await isAbandoned(dataDir).catch(() => false)) ? abandoned + 1 : 0;
  if (abandoned >= abandonedChecks && (await stopAbandoned(dataDir, postmaster).catch(() => false))) break;
  await sleep(checkEveryMs);
}
