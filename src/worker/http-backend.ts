// A worker that reaches the flow engine through a server's worker protocol (protocol.ts) instead of
// PostgreSQL: for compute nodes outside the database's network. Same jobs, same reports; the server
// long-polls for work, and the heartbeat answer says whether the task was killed. A task's reports are
// retried while the server cannot be reached (a report lost to a cut link would leave the task active
// until its heartbeat ran out, and a made product would be made again); the server takes a repeat of
// a report it applied as done.
import type { ChildEventResult } from "../flow/engine/child-events.ts";
import { type RetryPolicy, withBackoff } from "../system/backoff.ts";
import type { WorkerBackend } from "./backend.ts";
import { type WorkerAnswer, type WorkerCall, type WorkerRequest, workerCalls } from "./protocol.ts";
import { type OnServerRetry, type ServerClient, ServerRequestError, serverRetry } from "./server-client.ts";

export function httpBackend(
  client: ServerClient,
  options: { retry?: RetryPolicy; onRetry?: OnServerRetry } = {},
): WorkerBackend {
  const killListeners: Array<(jobId: string) => void> = [];
  const call = <C extends WorkerCall>(
    name: C,
    body: WorkerRequest<C>,
    options: { alsoOk?: number[]; signal?: AbortSignal } = {},
  ) => client.json(name, body, workerCalls[name].answer, options) as Promise<WorkerAnswer<C>>;
  let pendingWait = false;
  return {
    async fetch(queue, max, signal) {
      // The first fetch after an empty one long-polls (the server waits up to 10 s for work). Hung up
      // on by `signal`, the server puts back whatever it took for this request.
      const waitSeconds = pendingWait ? 10 : 0;
      pendingWait = false;
      return (await call("fetch", { queue, max, waitSeconds }, { signal })).jobs;
    },
    async release(queue, jobs) {
      await call("release", { queue, attempts: jobs.map((j) => ({ id: j.id, retryCount: j.retryCount })) });
    },
    async complete(queue, ids) {
      await call("complete", { queue, ids });
    },
    async heartbeat(queue, job) {
      try {
        const answer = await call("heartbeat", { queue, id: job.id, suiteId: job.suiteId, path: job.path });
        if (!answer.current) for (const l of killListeners) l(job.id);
        return answer.current;
      } catch {
        return true; // the server is unreachable: keep going, the missing heartbeat decides
      }
    },
    child: (identity, event, actor): Promise<ChildEventResult> =>
      // 409: the report was refused (a zombie); the body says why.
      withBackoff(
        () => call("child", { ...identity, event, actor }, { alsoOk: [409] }),
        options.retry ?? serverRetry,
        {
          retryable: (error) => error instanceof ServerRequestError && error.retryable,
          onRetry: (error, attempt, delay) =>
            options.onRetry?.(`the ${event.type} report of ${identity.path}`, error, attempt, delay),
        },
      ).catch((error: Error) => ({ accepted: false, message: error.message })),
    async output(job, lines) {
      await call("output", { suiteId: job.suiteId, path: job.path, tryNo: job.tryNo, lines });
    },
    async waitForWork() {
      // The next fetch long-polls instead.
      pendingWait = true;
    },
    onKill(l) {
      killListeners.push(l);
    },
    async close() {
      client.close();
    },
  };
}
