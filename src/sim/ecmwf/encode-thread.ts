// The worker-thread side of encoder.ts: encodes the steps it is sent, in order, carrying the
// accumulated precipitation from one to the next.
import { parentPort, workerData } from "node:worker_threads";
import { encodeStep } from "./encode.ts";
import { globalGrid, newAccumulation, type StreamContent } from "./fields.ts";

export interface EncoderSetup {
  content: StreamContent;
  increment: number;
  baseTime: Date;
}

export type EncoderRequest = { id: number; step: number };
export type EncoderAnswer = { id: number; bytes: Uint8Array } | { id: number; error: string };

const port = parentPort;
if (port) {
  const setup = workerData as EncoderSetup;
  const grid = globalGrid(setup.increment);
  const accumulation = newAccumulation(grid);
  port.on("message", ({ id, step }: EncoderRequest) => {
    let answer: EncoderAnswer;
    try {
      answer = { id, bytes: encodeStep(setup.content, grid, setup.baseTime, step, accumulation) };
    } catch (error) {
      answer = { id, error: (error as Error).message };
    }
    port.postMessage(answer, "bytes" in answer ? [answer.bytes.buffer as ArrayBuffer] : []);
  });
}
