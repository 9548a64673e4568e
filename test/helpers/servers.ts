// Server processes that tests start themselves (sshd, nginx), and a TCP relay in front of them that
// can cut a connection part-way through an upload, as a network failure does.
import type { ChildProcess } from "node:child_process";
import { connect, createServer, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** Waits until 127.0.0.1:port accepts connections; fails with the server's stderr if it exits first. */
export async function waitForPort(port: number, child: ChildProcess, name: string): Promise<void> {
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}): ${stderr}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`${name} did not listen on 127.0.0.1:${port} within 15 s: ${stderr}`);
}

/** Sends `signal` and waits for the process to exit (SIGKILL after 10 s). */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface CuttingRelay {
  /** The relay's port on 127.0.0.1. */
  port: number;
  /** Connections cut so far. */
  cuts: number;
  /** Cuts the next connection that sends more than `bytes` towards the server (once). */
  cutAfter(bytes: number): void;
  close(): Promise<void>;
}

/** A TCP relay from 127.0.0.1 to 127.0.0.1:target that can drop a connection mid-upload. */
export async function cuttingRelay(target: number): Promise<CuttingRelay> {
  let limit: number | null = null;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    let sent = 0;
    client.on("data", (chunk: Buffer) => {
      sent += chunk.length;
      if (limit !== null && sent > limit) {
        limit = null;
        relay.cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on("end", () => upstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const relay: CuttingRelay = {
    port: typeof address === "object" && address ? address.port : 0,
    cuts: 0,
    cutAfter(bytes) {
      limit = bytes;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return relay;
}
