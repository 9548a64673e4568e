#!/usr/bin/env node
// The sources are TypeScript run directly by Node 24's type stripping: no build step. Node 24 comes with
// the package (the optional dependency node-linux-<arch>, which npm installs on Linux); an older Node
// found first on PATH hands the command over to it. Node strips types only outside node_modules, so a
// package installed by npm (which lives in one) strips them with bin/strip-types.js: registered in this
// process when it is Node 24 (a second process would cost a whole Node start, ~0.1 s of CPU, on every
// command), given as an --import hook to the Node 24 an older one hands over to; worker threads are
// given it too (src/system/threads.ts).
import { spawn } from "node:child_process";
import module, { createRequire } from "node:module";
import { constants } from "node:os";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
const importHook = `--import=${new URL("./strip-types.js", import.meta.url).href}`;
const underNodeModules = self.split(sep).includes("node_modules");
const major = Number(process.versions.node.split(".")[0]);

/** The Node 24 binary the package carries, or null when its platform package is not installed. */
function packagedNode() {
  try {
    const manifest = createRequire(import.meta.url).resolve(
      `node-${process.platform}-${process.arch}/package.json`,
    );
    return join(dirname(manifest), "bin", "node");
  } catch {
    return null;
  }
}

/** Set in the pinned Node's environment by the older one that handed the command over. */
const wrapperVariable = "CLOUDBURST_WRAPPER_PID";

if (major >= 24) {
  // Compiled (and type-stripped) modules are cached on disk: a compute node's worker, started for a
  // step's jobs and billed from its boot, is up in about half the time.
  module.enableCompileCache();
  if (underNodeModules && !process.execArgv.includes(importHook)) await import("./strip-types.js");
  followWrapper();
  const { main } = await import("../src/cli/main.ts");
  process.exitCode = await main(process.argv.slice(2));
  // The command has stopped all it started; a timer a library left armed (ftp-srv holds an unused
  // passive port's for 30 s) must not hold the exit.
  setTimeout(() => process.exit(), 1000).unref();
} else {
  const node = packagedNode();
  if (!node) {
    process.stderr.write(
      `cloudburst needs Node 24 (this is ${process.version}) and its package node-${process.platform}-${process.arch} is not installed:\n` +
        "  install cloudburst with its optional dependencies (`npm ci` in a checkout), or use the release bundle\n",
    );
    process.exit(1);
  }
  const flags = underNodeModules ? [importHook] : [];
  const child = spawn(node, [...flags, self, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, [wrapperVariable]: String(process.pid) },
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
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
