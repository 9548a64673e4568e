// A LISTEN connection that outlives the database going away: when its connection is lost (reset,
// refused, the server restarted) it is opened again every second until the database is back, and the
// owner is told, since what was notified meanwhile is lost and must be looked for in the tables.
import pg from "pg";

export interface ListenOptions {
  url: string;
  applicationName: string;
  channels: readonly string[];
  onNotification(channel: string, payload: string): void;
  /** Listening again after a lost connection: notifications sent meanwhile never arrived. */
  onReconnect?: () => void;
  retryMs?: number;
}

export interface Listening {
  close(): Promise<void>;
}

/** Listens on `channels`; the first connection must succeed (its error is thrown), later ones are retried. */
export async function listenOn(options: ListenOptions): Promise<Listening> {
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;

  const open = async (first: boolean): Promise<void> => {
    const fresh = new pg.Client({ connectionString: options.url, application_name: options.applicationName });
    let lost = false;
    let listening = false;
    // Either event may come, or both, or neither (a failed connect only rejects): one retry per client.
    // A first connection that fails is the caller's error, not retried.
    const reopen = () => {
      if (lost || closed || (first && !listening)) return;
      lost = true;
      if (client === fresh) client = null;
      void fresh.end().catch(() => undefined);
      retry = setTimeout(() => void open(false), options.retryMs ?? 1000);
    };
    fresh.on("notification", (n) => options.onNotification(n.channel, n.payload ?? ""));
    fresh.on("error", reopen);
    fresh.on("end", reopen);
    try {
      await fresh.connect();
      for (const channel of options.channels) await fresh.query(`listen ${channel}`);
    } catch (error) {
      if (!first) return reopen();
      await fresh.end().catch(() => undefined);
      throw error;
    }
    listening = true;
    if (closed) {
      await fresh.end().catch(() => undefined);
      return;
    }
    client = fresh;
    if (!first) options.onReconnect?.();
  };

  await open(true);
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
