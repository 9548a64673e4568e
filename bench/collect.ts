// Runs a command to its end and collects what it printed: the benchmarks' way of running `cloudburst`.
import { spawn } from "node:child_process";

export interface Collected {
  code: number | null;
  out: string;
  err: string;
}

export function collect(command: string, args: readonly string[], cwd: string): Promise<Collected> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d;
    });
    child.once("error", reject);
    child.on("close", (code) => resolveRun({ code, out, err }));
  });
}
