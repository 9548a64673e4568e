// The stream's encoder, on a worker thread: a 0.25° step takes seconds of CPU, which on the caller's
// thread would stall everything that shares it (in the demo, the data server's ingest, FTP server and
// flow engine), and be measured as their latency.
import { Worker } from "node:worker_threads";
import { workerExecArgv } from "../../system/threads.ts";
import type { EncoderAnswer, EncoderRequest, EncoderSetup } from "./encode-thread.ts";

export interface StepEncoder {
  /** One step's file; steps must be asked for in forecast order (precipitation accumulates). */
  encode(step: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export function startEncoder(setup: EncoderSetup): StepEncoder {
  const worker = new Worker(new URL("./encode-thread.ts", import.meta.url), {
    workerData: setup,
    execArgv: workerExecArgv(),
  });
  const pending = new Map<number, { resolve: (bytes: Uint8Array) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  const failAll = (error: Error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on("message", (answer: EncoderAnswer) => {
    const p = pending.get(answer.id);
    pending.delete(answer.id);
    if ("bytes" in answer) p?.resolve(answer.bytes);
    else p?.reject(new Error(`the simulated stream could not encode a step: ${answer.error}`));
  });
  worker.on("error", failAll);
  worker.on("exit", () => failAll(new Error("the simulated stream's encoder stopped")));
  return {
    encode(step) {
      const id = nextId++;
      const bytes = new Promise<Uint8Array>((resolve, reject) => pending.set(id, { resolve, reject }));
      // A step encoded ahead and never awaited (the stream was stopped) is not an unhandled rejection.
      bytes.catch(() => undefined);
      worker.postMessage({ id, step } satisfies EncoderRequest);
      return bytes;
    },
    async close() {
      await worker.terminate();
    },
  };
}
