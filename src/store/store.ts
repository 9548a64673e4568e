// The store: where every received byte is kept. A local directory by default (which may be an NFS mount
// shared with the compute nodes). Locations are recorded as store URIs, "store:<relative path>", so a
// worker that mounts the store elsewhere, or reads it over HTTP, resolves them against its own root.
import { randomUUID } from "node:crypto";
import { createReadStream, type ReadStream } from "node:fs";
import { copyFile, mkdir, open, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { StoreConfig } from "./config.ts";

const scheme = "store:";

/** The configured store: `store.dir`, relative to the data directory. */
export function storeOf(config: { dataDir: string; store: Pick<StoreConfig, "dir"> }): LocalStore {
  return new LocalStore(resolve(config.dataDir, config.store.dir));
}

export class StoreError extends Error {
  override name = "StoreError";
}

export class LocalStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Where a receiver of `kind` ("http", "ftp", ...) writes files still arriving. */
  incomingDir(kind: string): string {
    return join(this.root, "incoming", kind);
  }

  /** The URI of a raw file: raw/<day received>/<name>.<first 16 hex digits of its SHA-256>. */
  rawUri(name: string, checksum: string, receivedAt: Date): string {
    return `${scheme}raw/${day(receivedAt)}/${safeName(name)}.${checksum.slice(0, 16)}`;
  }

  /** The URI of a one-message file in split mode: content-addressed, so writing it twice is harmless. */
  splitUri(baseTime: Date, checksum: string): string {
    return `${scheme}fields/${day(baseTime)}/${checksum.slice(0, 2)}/${checksum}.grib`;
  }

  /** The absolute path of a store URI; refuses anything that would leave the store. */
  path(uri: string): string {
    if (!uri.startsWith(scheme)) throw new StoreError(`not a store URI: ${uri}`);
    const rel = uri.slice(scheme.length);
    const full = resolve(this.root, rel);
    if (isAbsolute(rel) || (full !== this.root && !full.startsWith(this.root + sep)))
      throw new StoreError(`store URI leaves the store: ${uri}`);
    return full;
  }

  uriOf(path: string): string {
    const rel = relative(this.root, path);
    if (rel.startsWith("..") || isAbsolute(rel))
      throw new StoreError(`${path} is not inside the store ${this.root}`);
    return scheme + rel.split(sep).join("/");
  }

  /**
   * Moves (or copies) a complete file into the store at `uri`. A move across file systems becomes a
   * copy to a temporary name, a rename, then the removal of the source: the destination never exists
   * half-written.
   */
  async adopt(source: string, uri: string, mode: "move" | "copy"): Promise<void> {
    const target = this.path(uri);
    await mkdir(dirname(target), { recursive: true });
    if (mode === "move") {
      try {
        await rename(source, target);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
      }
    }
    const temporary = `${target}.part-${process.pid}-${randomUUID()}`;
    await copyFile(source, temporary);
    await rename(temporary, target);
    if (mode === "move") await rm(source, { force: true });
  }

  /** Writes `bytes` at `uri` atomically (a temporary name of its own, then rename). */
  async write(uri: string, bytes: Uint8Array): Promise<void> {
    const target = this.path(uri);
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${target}.part-${process.pid}-${randomUUID()}`;
    await writeFile(temporary, bytes);
    await rename(temporary, target);
  }

  async exists(uri: string): Promise<boolean> {
    return stat(this.path(uri)).then(
      () => true,
      () => false,
    );
  }

  /** A stream of `length` bytes at `offset` of the file at `uri`. */
  readRange(uri: string, offset: number, length: number): ReadStream {
    if (length <= 0) throw new StoreError("a range read needs a positive length");
    return createReadStream(this.path(uri), { start: offset, end: offset + length - 1 });
  }

  /** `length` bytes at `offset` of the file at `uri`, in memory (one field, for decoding). */
  async readBytes(uri: string, offset: number, length: number): Promise<Uint8Array> {
    const handle = await open(this.path(uri), "r");
    try {
      const bytes = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await handle.read(bytes, got, length - got, offset + got);
        if (bytesRead === 0) throw new StoreError(`${uri} ends before byte ${offset + length}`);
        got += bytesRead;
      }
      return bytes;
    } finally {
      await handle.close();
    }
  }

  async remove(uri: string): Promise<void> {
    await rm(this.path(uri), { force: true });
  }
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10).replaceAll("-", "");
}

/** A file name as the store keeps it: no directories, nothing hidden, nothing strange. */
export function safeName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = base.replace(/[^A-Za-z0-9._+,=-]/g, "_").replace(/^\.+/, "_");
  return cleaned.length > 0 ? cleaned.slice(0, 200) : "unnamed";
}
