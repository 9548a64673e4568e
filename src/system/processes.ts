// Facts about this machine's processes and ports that several subsystems need.
import { createServer } from "node:net";
import { resolve } from "node:path";

/** This checkout's command-line entry point, for the processes it starts of itself (workers, pushes). */
export const cliPath = resolve(import.meta.dirname, "../../bin/cloudburst.js");

/** Whether process `pid` exists (EPERM: it does, but belongs to another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The signals that stop a long-running command: a closed terminal (SIGHUP) as much as Ctrl-C. */
export const stopSignals = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
