// A compute node's worker log, sent to the data role in batches (POST /api/worker/log), where the
// operator reads it (a cloud VM's journal is out of reach, and goes with the VM). Lines wait in a
// bounded buffer: while the server is out of reach the oldest are dropped and counted, and the worker
// never waits for its log.
import type { NodeLogLine } from "./protocol.ts";

export interface LogShipperOptions {
  /** How often waiting lines are sent. */
  intervalMs?: number;
  /** Lines kept while the server is out of reach; older ones are dropped. */
  maxLines?: number;
}

/** Lines sent in one request (the protocol's limit). */
export const logBatchLines = 500;

export class LogShipper {
  readonly #send: (lines: NodeLogLine[]) => Promise<unknown>;
  readonly #maxLines: number;
  readonly #timer: NodeJS.Timeout;
  #lines: NodeLogLine[] = [];
  #dropped = 0;
  #flushing: Promise<void> | null = null;

  constructor(send: (lines: NodeLogLine[]) => Promise<unknown>, options: LogShipperOptions = {}) {
    this.#send = send;
    this.#maxLines = options.maxLines ?? 5000;
    this.#timer = setInterval(() => void this.flush(), options.intervalMs ?? 2000);
    this.#timer.unref();
  }

  line(text: string): void {
    this.#lines.push({ at: new Date().toISOString(), line: text });
    this.#trim();
  }

  #trim(): void {
    const over = this.#lines.length - this.#maxLines;
    if (over <= 0) return;
    this.#lines.splice(0, over);
    this.#dropped += over;
  }

  /** Sends what waits (one batch at a time); a failed batch waits for the next try. */
  flush(): Promise<void> {
    this.#flushing ??= this.#flushAll().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #flushAll(): Promise<void> {
    while (this.#lines.length > 0 || this.#dropped > 0) {
      const batch = this.#lines.splice(0, logBatchLines - 1);
      const dropped = this.#dropped;
      this.#dropped = 0;
      if (dropped > 0)
        batch.unshift({
          at: new Date().toISOString(),
          line: `(${dropped} log lines lost while the server was out of reach)`,
        });
      try {
        await this.#send(batch);
      } catch {
        // Kept for the next try: the oldest go first when the buffer is full.
        this.#lines.unshift(...(dropped > 0 ? batch.slice(1) : batch));
        this.#dropped += dropped;
        this.#trim();
        return;
      }
    }
  }

  /** Stops the timer and sends what waits, once. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
