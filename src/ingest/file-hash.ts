// SHA-256 of a whole file, computed on a worker thread: the main thread is meanwhile busy scanning the
// same file (and hashing each message), so on a 2-core data server the two run side by side. One
// thread serves every file: starting a thread costs more than hashing a 75 MB file.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { workerExecArgv } from "../system/threads.ts";

interface HashRequest {
  id: number;
  path: string;
}

interface HashReply {
  id: number;
  hash?: string;
  error?: string;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

interface Pending {
  resolve: (hash: string) => void;
  reject: (error: Error) => void;
}

/** The hashing thread of one ingest pipeline, started on first use; it does not keep the process alive while idle. */
export class FileHasher {
  #thread: { worker: Worker; pending: Map<number, Pending> } | null = null;
  #nextId = 0;

  /** The hex SHA-256 of the file at `path`. */
  sha256(path: string): Promise<string> {
    const { worker, pending } = this.#start();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, path } satisfies HashRequest);
    });
  }

  #start(): { worker: Worker; pending: Map<number, Pending> } {
    if (this.#thread) return this.#thread;
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { hasher: true },
      execArgv: workerExecArgv(),
    });
    const pending = new Map<number, Pending>();
    const current = { worker, pending };
    const fail = (error: Error) => {
      if (this.#thread === current) this.#thread = null;
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
    };
    worker.on("message", (reply: HashReply) => {
      const waiting = pending.get(reply.id);
      if (!waiting) return;
      pending.delete(reply.id);
      if (reply.hash) waiting.resolve(reply.hash);
      else waiting.reject(new Error(reply.error ?? "hashing failed"));
      if (pending.size === 0) worker.unref();
    });
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the hashing thread exited with code ${code}`)));
    worker.unref();
    this.#thread = current;
    return current;
  }
}

if (!isMainThread && parentPort && (workerData as { hasher?: boolean } | null)?.hasher) {
  const port = parentPort;
  port.on("message", ({ id, path }: HashRequest) => {
    hashFile(path).then(
      (hash) => port.postMessage({ id, hash } satisfies HashReply),
      (error: Error) => port.postMessage({ id, error: error.message } satisfies HashReply),
    );
  });
}
