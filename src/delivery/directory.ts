// Delivery into a directory (local, or an NFS mount as in the thesis).
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Destination, PushItem } from "./destination.ts";

export function directoryDestination(root: string): Destination {
  const base = resolve(root);
  const inside = (path: string) => {
    const full = resolve(base, path);
    if (full !== base && !full.startsWith(base + sep))
      throw new Error(`"${path}" leaves the destination ${base}`);
    return full;
  };
  return {
    label: `file://${base}`,
    async size(path) {
      try {
        return (await stat(inside(path))).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    async write(item: PushItem, start: number, path: string) {
      const target = inside(path);
      await mkdir(dirname(target), { recursive: true });
      await pipeline(
        createReadStream(item.localPath, { start }),
        createWriteStream(target, { flags: start === 0 ? "w" : "a" }),
      );
      // The bytes must be on disk before the rename makes the file visible to consumers.
      const handle = await open(target, "r");
      await handle.sync();
      await handle.close();
    },
    async checksum(path) {
      const hash = createHash("sha256");
      await pipeline(createReadStream(inside(path)), hash);
      return hash.digest("hex");
    },
    async rename(from, to) {
      await rename(inside(from), inside(to));
    },
    async remove(path) {
      await rm(inside(path), { force: true });
    },
    async close() {},
  };
}
