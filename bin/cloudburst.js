#!/usr/bin/env node
// The sources are TypeScript run directly by Node 24's type stripping: no build step. The project pins
// Node 24 with the `node` package; an older Node found first on PATH (npx run from another directory,
// say) hands the command over to the pinned one.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import module from "node:module";
import { fileURLToPath } from "node:url";

const major = Number(process.versions.node.split(".")[0]);
/** Set in the pinned Node's environment by the older one that handed the command over. */
const wrapperVariable = "CLOUDBURST_WRAPPER_PID";
if (major >= 24) {
  // Compiled (and type-stripped) modules are cached on disk: a compute node's worker, started for a
  // step's jobs and billed from its boot, is up in about half the time.
  module.enableCompileCache();
  followWrapper();
  const { main } = await import("../src/cli/main.ts");
  process.exitCode = await main(process.argv.slice(2));
  // The command has stopped all it started; a timer a library left armed (ftp-srv holds an unused
  // passive port's for 30 s) must not hold the exit.
  setTimeout(() => process.exit(), 1000).unref();
} else {
  const pinned = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url));
  if (!existsSync(pinned)) {
    process.stderr.write(
      `cloudburst needs Node 24 (this is ${process.version}): run \`npm ci\` in the project\n`,
    );
    process.exit(1);
  }
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, [wrapperVariable]: String(process.pid) },
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? (signal ? 128 : 1);
  });
}

/**
 * A signal can be passed on, a kill -9 of the older Node cannot: when it dies, this process stops as on
 * SIGTERM, rather than run on unsupervised (a server with its database, say).
 */
function followWrapper() {
  const wrapper = Number(process.env[wrapperVariable]);
  delete process.env[wrapperVariable]; // not for the processes this one starts
  if (!wrapper) return;
  const timer = setInterval(() => {
    if (process.ppid === wrapper) return;
    clearInterval(timer);
    process.kill(process.pid, "SIGTERM");
  }, 500);
  timer.unref();
}
