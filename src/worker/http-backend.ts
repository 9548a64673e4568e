// A worker that reaches the flow engine through the control server's HTTP API (bearer token) instead
// of PostgreSQL: for compute nodes outside the database's network. Same jobs, same reports; the server
// long-polls for work, and the heartbeat answer says whether the task was killed.
import type { ChildEventResult } from "../flow/engine/child-events.ts";
import type { QueueName } from "../queue/boss.ts";
import type { FetchedJob, WorkerBackend } from "./backend.ts";

export class ServerRequestError extends Error {
  override name = "ServerRequestError";
}

export function httpBackend(serverUrl: string, token: string): WorkerBackend {
  const base = serverUrl.replace(/\/+$/, "");
  const killListeners: Array<(jobId: string) => void> = [];
  const controller = new AbortController();
  const post = async <T>(
    path: string,
    body: object,
    alsoOk: number[] = [],
    signal: AbortSignal = controller.signal,
  ): Promise<T> => {
    const response = await fetch(`${base}/api/suites/worker/${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
    const text = await response.text();
    if (!response.ok && !alsoOk.includes(response.status)) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not JSON
      }
      throw new ServerRequestError(`${base} answered ${response.status} to ${path}: ${message}`);
    }
    return JSON.parse(text) as T;
  };
  let pendingWait = false;
  return {
    async fetch(queue: QueueName, max: number, signal: AbortSignal) {
      // The first fetch after an empty one long-polls (the server waits up to 10 s for work). Hung up
      // on by `signal`, the server puts back whatever it took for this request.
      const waitSeconds = pendingWait ? 10 : 0;
      pendingWait = false;
      const request = { queue, max, waitSeconds };
      const either = AbortSignal.any([signal, controller.signal]);
      return (await post<{ jobs: FetchedJob[] }>("fetch", request, [], either)).jobs;
    },
    async release(queue, jobs) {
      const attempts = jobs.map((j) => ({ id: j.id, retryCount: j.retryCount }));
      await post("release", { queue, attempts });
    },
    async complete(queue, ids) {
      await post("complete", { queue, ids });
    },
    async heartbeat(queue, job) {
      try {
        const answer = await post<{ current: boolean }>("heartbeat", {
          queue,
          id: job.id,
          suiteId: job.data.suiteId,
          path: job.data.path,
        });
        if (!answer.current) for (const l of killListeners) l(job.id);
        return answer.current;
      } catch {
        return true; // the server is unreachable: keep going, the missing heartbeat decides
      }
    },
    child: (identity, event, actor) =>
      // 409: the report was refused (a zombie); the body says why.
      post<ChildEventResult>("child", { ...identity, event, actor }, [409]).catch((error: Error) => ({
        accepted: false,
        message: error.message,
      })),
    async output(job, lines) {
      await post("output", { suiteId: job.suiteId, path: job.path, tryNo: job.tryNo, lines });
    },
    async waitForWork() {
      // The next fetch long-polls instead.
      pendingWait = true;
    },
    onKill(l) {
      killListeners.push(l);
    },
    async close() {
      controller.abort();
    },
  };
}
