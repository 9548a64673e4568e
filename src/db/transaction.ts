// One unit of work on a client of its own, out of the pool: `withClient` for any, `inTransaction` for
// one transaction (committed when `work` resolves, rolled back when it throws).
import type pg from "pg";

/**
 * Runs `work` on a client of the pool. A connection lost while the client is out of the pool is an
 * 'error' event that nobody else hears (it would crash the process); the query under way fails with it
 * anyway. A client that lost its connection is closed, not handed out again.
 */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on("error", onError);
  try {
    return await work(client);
  } finally {
    client.off("error", onError);
    client.release(lost);
  }
}

export function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    try {
      await client.query("begin");
      const result = await work(client);
      await client.query("commit");
      return result;
    } catch (error) {
      await client.query("rollback").catch(() => undefined);
      throw error;
    }
  });
}
