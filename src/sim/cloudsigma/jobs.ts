// Simulated jobs: the record of an asynchronous operation (a clone), with its children and progress;
// "history of completed jobs is kept for 3 days".
import { randomUUID } from "node:crypto";
import type { CloudSigmaEngine } from "./engine.ts";
import type { Job } from "./model.ts";

export class Jobs {
  readonly #e: CloudSigmaEngine;
  #lastPrune = 0;

  constructor(engine: CloudSigmaEngine) {
    this.#e = engine;
  }

  create(operation: Job["operation"], resources: string[], now: number): Job {
    const job: Job = {
      uuid: randomUUID(),
      operation,
      resources: resources.map((r) => `/api/2.0/${r}/`),
      children: [],
      created: now,
      last_modified: now,
      start: now,
      end: now,
      state: "started",
    };
    this.#e.data.jobs[job.uuid] = job;
    return job;
  }

  progress(job: Job): number {
    if (job.state !== "started") return 100;
    const span = job.end - job.start;
    if (span <= 0) return 100;
    return Math.min(99, Math.max(0, Math.floor(((this.#e.now() - job.start) / span) * 100)));
  }

  /** Forgets jobs that ended three days ago (looked at once an hour). */
  prune(now: number): void {
    if (now - this.#lastPrune <= 3600_000) return;
    this.#lastPrune = now;
    const data = this.#e.data;
    const old = new Set(
      Object.values(data.jobs)
        .filter((j) => j.state !== "started" && j.last_modified < now - 3 * 86400_000)
        .map((j) => j.uuid),
    );
    if (old.size === 0) return;
    for (const uuid of old) delete data.jobs[uuid];
    for (const item of [...Object.values(data.drives), ...Object.values(data.servers)])
      item.jobs = item.jobs.filter((j) => !old.has(j));
    for (const job of Object.values(data.jobs)) job.children = job.children.filter((c) => !old.has(c));
    this.#e.markDirty();
  }
}
