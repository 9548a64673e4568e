// The watched-directory receiver: a file is taken when its name is final (not temporary) and its size
// and modification time have not changed for `settleMs` (another program may still be writing it).
// Polling, not inotify: it works the same on NFS, where change events do not cross machines.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { WatchConfig } from "../config.ts";

export interface WatchedFile {
  path: string;
  name: string;
}

export interface DirectoryWatcher {
  /** Polls once now (tests and start-up). */
  poll(): Promise<void>;
  stop(): Promise<void>;
}

export function watchDirectory(
  config: WatchConfig & { dir: string },
  isTemporary: (name: string) => boolean,
  onSettled: (file: WatchedFile) => Promise<unknown>,
): DirectoryWatcher {
  const seen = new Map<string, { size: number; mtimeMs: number; since: number }>();
  const busy = new Set<string>();
  const retryAfter = new Map<string, number>();
  let polling: Promise<void> | null = null;
  let stopped = false;

  const pollOnce = async () => {
    const now = Date.now();
    const names = await readdir(config.dir).catch(() => [] as string[]);
    const present = new Set<string>();
    for (const name of names) {
      if (isTemporary(name)) continue;
      const path = join(config.dir, name);
      present.add(path);
      if (busy.has(path) || (retryAfter.get(path) ?? 0) > now) continue;
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) continue;
      const last = seen.get(path);
      if (!last || last.size !== info.size || last.mtimeMs !== info.mtimeMs) {
        seen.set(path, { size: info.size, mtimeMs: info.mtimeMs, since: now });
        if (config.settleMs > 0) continue;
      } else if (now - last.since < config.settleMs) continue;
      seen.delete(path);
      busy.add(path);
      void onSettled({ path, name })
        .then(() => retryAfter.delete(path))
        .catch(() => retryAfter.set(path, Date.now() + 30_000))
        .finally(() => busy.delete(path));
    }
    for (const path of seen.keys()) if (!present.has(path)) seen.delete(path);
  };

  const poll = () => {
    polling ??= pollOnce().finally(() => {
      polling = null;
    });
    return polling;
  };
  const timer = setInterval(() => {
    if (!stopped) void poll();
  }, config.pollMs);
  timer.unref();
  return {
    poll,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await polling;
    },
  };
}
