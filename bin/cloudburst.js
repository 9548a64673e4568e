#!/usr/bin/env node
// The sources are TypeScript run directly by Node 24's type stripping: no build step. Node 24 comes with
// the package (the optional dependency node-linux-<arch>, which npm installs on Linux); an older Node
// found first on PATH hands the command over to it. Node strips types only outside node_modules, so a
// package installed by npm (which lives in one) runs with bin/strip-types.js as an --import hook, which
// worker threads inherit.
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

if (major >= 24 && (!underNodeModules || process.execArgv.includes(importHook))) {
  // Compiled (and type-stripped) modules are cached on disk: a compute node's worker, started for a
  // step's jobs and billed from its boot, is up in about half the time.
  module.enableCompileCache();
  const { main } = await import("../src/cli/main.ts");
  process.exitCode = await main(process.argv.slice(2));
} else {
  const node = major >= 24 ? process.execPath : packagedNode();
  if (!node) {
    process.stderr.write(
      `cloudburst needs Node 24 (this is ${process.version}) and its package node-${process.platform}-${process.arch} is not installed:\n` +
        "  install cloudburst with its optional dependencies (`npm ci` in a checkout), or use the release bundle\n",
    );
    process.exit(1);
  }
  const flags = underNodeModules ? ["--disable-warning=ExperimentalWarning", importHook] : [];
  const child = spawn(node, [...flags, self, ...process.argv.slice(2)], { stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
  });
}
