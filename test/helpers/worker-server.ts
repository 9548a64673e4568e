// The worker protocol as a data role serves it, for tests whose workers are real `cloudburst worker`
// processes: they reach the queue and the flow state only through it, as compute nodes do.
import type { FastifyInstance } from "fastify";
import type pg from "pg";
import { buildApp } from "../../src/server/app.ts";
import { directBackend, type WorkerBackend } from "../../src/worker/backend.ts";

export interface WorkerServer {
  url: string;
  close(): Promise<void>;
}

export async function startWorkerServer(db: { pool: pg.Pool; url: string }): Promise<WorkerServer> {
  const backend: WorkerBackend = await directBackend(db.url, { concurrency: 4, pool: db.pool });
  const app: FastifyInstance = await buildApp({ pool: db.pool, workerBackend: backend });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      await backend.close();
    },
  };
}
