// A worker that reaches the flow engine through a server's worker protocol (protocol.ts; bearer
// token) instead of PostgreSQL: for compute nodes outside the database's network. Same jobs, same
// reports; the server long-polls for work, and the heartbeat answer says whether the task was killed.

import { fetch as undiciFetch } from "undici";
import type { ChildEventResult } from "../flow/engine/child-events.ts";
import { pinnedDispatcher } from "../system/tls.ts";
import type { FetchedJob, WorkerBackend } from "./backend.ts";
import { type WorkerAnswer, type WorkerCall, type WorkerRequest, workerCalls } from "./protocol.ts";

export class ServerRequestError extends Error {
  override name = "ServerRequestError";
}

/** How a node reaches its server: its URL, its token, and the certificate fingerprint it pins. */
export interface ServerAccess {
  url: string;
  token: string;
  /** SHA-256 of the server's certificate: only that certificate is trusted (HTTPS only). */
  fingerprint?: string | undefined;
}

/** fetch, for the server at `access`: pinned to its certificate when a fingerprint is given. */
export function serverFetch(access: ServerAccess): typeof fetch {
  if (!access.fingerprint) return fetch;
  if (!access.url.startsWith("https:"))
    throw new ServerRequestError(
      `${access.url}: a certificate fingerprint is given but the URL is not https; a pinned certificate needs TLS`,
    );
  const dispatcher = pinnedDispatcher(access.fingerprint);
  return ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher } as Parameters<
      typeof undiciFetch
    >[1])) as unknown as typeof fetch;
}

export function httpBackend(access: ServerAccess): WorkerBackend {
  const base = access.url.replace(/\/+$/, "");
  const token = access.token;
  const request = serverFetch(access);
  const killListeners: Array<(jobId: string) => void> = [];
  const controller = new AbortController();
  const call = async <C extends WorkerCall>(
    name: C,
    body: WorkerRequest<C>,
    options: { alsoOk?: number[]; signal?: AbortSignal } = {},
  ): Promise<WorkerAnswer<C>> => {
    const response = await request(`${base}/api/worker/${name}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: options.signal ?? controller.signal,
    });
    const text = await response.text();
    if (!response.ok && !(options.alsoOk ?? []).includes(response.status))
      throw new ServerRequestError(`${base} answered ${response.status} to ${name}: ${messageOf(text)}`);
    const answer = workerCalls[name].answer.safeParse(JSON.parse(text));
    if (!answer.success)
      throw new ServerRequestError(
        `${base} answered ${name} with something else than the protocol's answer: ${answer.error.message}`,
      );
    return answer.data as WorkerAnswer<C>;
  };
  let pendingWait = false;
  return {
    async fetch(queue, max, signal) {
      // The first fetch after an empty one long-polls (the server waits up to 10 s for work). Hung up
      // on by `signal`, the server puts back whatever it took for this request.
      const waitSeconds = pendingWait ? 10 : 0;
      pendingWait = false;
      const { jobs } = await call(
        "fetch",
        { queue, max, waitSeconds },
        { signal: AbortSignal.any([signal, controller.signal]) },
      );
      return jobs satisfies FetchedJob[];
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
      call("child", { ...identity, event, actor }, { alsoOk: [409] }).catch((error: Error) => ({
        accepted: false,
        message: error.message,
      })),
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
      controller.abort();
    },
  };
}

/** The `message` of the API's error body, or the text as it came. */
function messageOf(text: string): string {
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    return text;
  }
}
