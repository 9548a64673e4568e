// A file found under a final name in a receiver's directory may still be being written by something the
// receiver does not see (another program, a copy over NFS, an FTP server before a restart): it is taken
// only when its size and modification time stayed the same over the settle interval and nothing the
// process knows of (an FTP upload, an ingest) holds it. A part under a temporary name that has not
// changed for hours was given up by its client.
import { stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/** Size and modification time of a regular file; null when it is gone or not a file. */
async function fingerprint(path: string): Promise<string | null> {
  const info = await stat(path).catch(() => null);
  return info?.isFile() ? `${info.size}:${info.mtimeMs}` : null;
}

/** The `paths` unchanged over `settleMs` and not held when it ends. */
export async function settledFiles(
  paths: readonly string[],
  settleMs: number,
  isHeld: (path: string) => boolean,
): Promise<string[]> {
  if (paths.length === 0) return [];
  const before = await Promise.all(paths.map(fingerprint));
  await sleep(settleMs);
  const settled: string[] = [];
  for (const [i, path] of paths.entries()) {
    if (isHeld(path) || before[i] === null) continue;
    if ((await fingerprint(path)) === before[i]) settled.push(path);
  }
  return settled;
}

/** The `paths` unchanged for longer than `maxAgeMs` (by their modification time). */
export async function abandonedFiles(
  paths: readonly string[],
  maxAgeMs: number,
  now = Date.now(),
): Promise<Array<{ path: string; bytes: number; hours: number }>> {
  const abandoned: Array<{ path: string; bytes: number; hours: number }> = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info?.isFile() || now - info.mtimeMs <= maxAgeMs) continue;
    abandoned.push({ path, bytes: info.size, hours: Math.round((now - info.mtimeMs) / 36e5) });
  }
  return abandoned;
}
