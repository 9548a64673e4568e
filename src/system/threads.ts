// Worker threads and child Node processes running this package's own TypeScript modules. Node strips
// types only outside node_modules: in a package installed by npm, bin/cloudburst.js registers
// bin/strip-types.js in its own thread, and neither a worker thread nor a child process inherits a
// hook registered at run time, so each is given it on its command line.
import { sep } from "node:path";
import { fileURLToPath } from "node:url";

/** `execArgv` for `new Worker(...)`: the process's own, with the type-stripping hook where it is needed (else inherited). */
export function workerExecArgv(): string[] | undefined {
  if (
    !fileURLToPath(import.meta.url)
      .split(sep)
      .includes("node_modules")
  )
    return undefined;
  const hook = `--import=${new URL("../../bin/strip-types.js", import.meta.url).href}`;
  return process.execArgv.includes(hook) ? undefined : [...process.execArgv, hook];
}

/**
 * The flags a child Node process running one of this package's TypeScript files directly needs: the
 * type-stripping hook under node_modules (a child process inherits no hook and no flag).
 */
export function childNodeFlags(): string[] {
  return (workerExecArgv() ?? process.execArgv).filter(
    (a) => a.startsWith("--import=") || a.startsWith("--disable-warning="),
  );
}
