// Delivery to an FTP or FTPS server (basic-ftp). One control connection, opened on first use and
// re-opened after a failure, so that a retry after a dropped connection starts clean.
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { Writable } from "node:stream";
import { Client, FTPError } from "basic-ftp";
import { type Destination, type PushItem, TransientDeliveryError } from "./destination.ts";

export interface FtpDestinationOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Root directory on the server. */
  root: string;
  /** FTPS (explicit TLS). */
  secure: boolean;
  /** Accept a self-signed server certificate (tests, private networks). */
  allowSelfSigned?: boolean;
  timeoutMs?: number;
}

export function ftpDestination(options: FtpDestinationOptions): Destination {
  let client: Client | null = null;
  const remote = (path: string) => posix.join(options.root, path);

  async function connected(): Promise<Client> {
    if (client && !client.closed) return client;
    const fresh = new Client(options.timeoutMs ?? 30_000);
    try {
      await fresh.access({
        host: options.host,
        port: options.port,
        user: options.user,
        password: options.password,
        secure: options.secure,
        secureOptions: options.allowSelfSigned ? { rejectUnauthorized: false } : undefined,
      });
    } catch (error) {
      fresh.close();
      throw classify(error);
    }
    client = fresh;
    return fresh;
  }

  /** Runs one operation; a connection-level failure closes the client so the next attempt reconnects. */
  async function run<T>(operation: (c: Client) => Promise<T>): Promise<T> {
    const c = await connected();
    try {
      return await operation(c);
    } catch (error) {
      const classified = classify(error);
      if (classified instanceof TransientDeliveryError) {
        c.close();
        client = null;
      }
      throw classified;
    }
  }

  return {
    label: `${options.secure ? "ftps" : "ftp"}://${options.user}@${options.host}:${options.port}${options.root}`,
    size: (path) =>
      run(async (c) => {
        try {
          return await c.size(remote(path));
        } catch (error) {
          if (error instanceof FTPError && error.code === 550) return null;
          throw error;
        }
      }),
    write: (item: PushItem, start: number, path: string) =>
      run(async (c) => {
        await c.ensureDir(posix.dirname(remote(path)));
        await c.cd("/");
        if (start === 0) await c.uploadFrom(item.localPath, remote(path));
        else await c.appendFrom(item.localPath, remote(path), { localStart: start });
      }),
    checksum: (path) =>
      run(async (c) => {
        const hash = createHash("sha256");
        const sink = new Writable({
          write(chunk: Buffer, _encoding, done) {
            hash.update(chunk);
            done();
          },
        });
        await c.downloadTo(sink, remote(path));
        return hash.digest("hex");
      }),
    rename: (from, to) =>
      run(async (c) => {
        await c.remove(remote(to), true);
        await c.rename(remote(from), remote(to));
      }),
    remove: (path) =>
      run(async (c) => {
        await c.remove(remote(path), true);
      }),
    async close() {
      client?.close();
      client = null;
    },
  };
}

/** 4xx FTP replies other than 450/451/452 and 5xx are permanent (e.g. 530 login refused); the rest is transient. */
function classify(error: unknown): Error {
  if (error instanceof FTPError) {
    const transient =
      error.code === 421 ||
      error.code === 425 ||
      error.code === 426 ||
      (error.code >= 450 && error.code <= 452);
    return transient
      ? new TransientDeliveryError(`FTP ${error.code}: ${error.message}`)
      : new Error(`FTP ${error.code}: ${error.message}`);
  }
  return new TransientDeliveryError(error instanceof Error ? error.message : String(error));
}
