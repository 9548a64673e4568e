// The FTP receiver (npm ftp-srv): per-user credentials and root directory, an allow-list of source
// networks, a passive port range and optional explicit FTPS. ECMWF uploads under a temporary name and
// renames on success, so a file is handed to the pipeline when it is renamed to a final name, or when
// an upload to a final name completes; a temporary name, or an upload that failed, never is.
import { timingSafeEqual } from "node:crypto";
import type { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { FileSystem, FtpSrv } from "ftp-srv";
import { allowList, type FtpConfig, type FtpUserConfig, isAllowed } from "../config.ts";
import { verifyPassword } from "../passwords.ts";
import type { IngestLogger } from "../pipeline.ts";

export interface CompletedUpload {
  path: string;
  name: string;
  user: string;
  producer: string | undefined;
}

export interface FtpReceiverOptions {
  config: FtpConfig;
  /** Absolute directory holding one root directory per user. */
  rootDir: string;
  isTemporary: (name: string) => boolean;
  onComplete: (upload: CompletedUpload) => void;
  logger: IngestLogger;
  env?: NodeJS.ProcessEnv;
}

export interface FtpReceiver {
  /** ftp://host:port the server listens on. */
  url: string;
  port: number;
  /** True while a client is writing the file at `path` (a sweep must not take it). */
  isUploading(path: string): boolean;
  /** Files clients are writing now. */
  uploads(): number;
  stop(): Promise<void>;
}

interface RawConnection {
  ip: string;
  close(code: number, message: string): Promise<unknown>;
}

/** A user's file system: ftp-srv's (which keeps paths inside the root) that reports renames. */
class ReportingFileSystem extends FileSystem {
  readonly #onRenamed: (path: string) => void;
  readonly #uploading: Set<string>;
  constructor(
    connection: ConstructorParameters<typeof FileSystem>[0],
    root: string,
    onRenamed: (path: string) => void,
    uploading: Set<string>,
  ) {
    super(connection, { root, cwd: "/" });
    this.#onRenamed = onRenamed;
    this.#uploading = uploading;
  }

  override write(fileName: string, options?: { append?: boolean; start?: unknown }): unknown {
    const result = super.write(fileName, options) as { stream: NodeJS.WritableStream & { path: string } };
    const path = result.stream.path;
    this.#uploading.add(path);
    result.stream.once("close", () => this.#uploading.delete(path));
    return result;
  }

  override async rename(from: string, to: string): Promise<unknown> {
    const result = await super.rename(from, to);
    const target = (this as unknown as { _resolvePath(p: string): { fsPath: string } })._resolvePath(
      to,
    ).fsPath;
    this.#onRenamed(target);
    return result;
  }
}

/** ftp-srv wants a bunyan logger; its own messages are not ours to print (we log the events). */
const quietLog = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child() {
    return quietLog;
  },
};

export async function startFtpReceiver(options: FtpReceiverOptions): Promise<FtpReceiver> {
  const { config, logger } = options;
  const env = options.env ?? process.env;
  const users = new Map(config.users.map((u) => [u.name, u]));
  const uploading = new Set<string>();
  const allowed = allowList(config.allow);
  const tls = config.tls ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } : false;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;

  const signalsBefore = new Map(
    (["SIGTERM", "SIGINT", "SIGQUIT"] as const).map((s) => [s, new Set(process.listeners(s))]),
  );
  const server = new FtpSrv({
    url: `ftp://${host}:${config.port}`,
    pasv_min: config.passive.minPort,
    pasv_max: config.passive.maxPort,
    ...(config.passive.url ? { pasv_url: config.passive.url } : {}),
    tls,
    anonymous: false,
    greeting: ["cloudburst ingest"],
    // Not an idle timeout: ftp-srv arms an uncleared timer of this many ms whenever a client leaves,
    // which would keep the process alive that long after a stop. 0 makes those timers 1 s.
    timeout: 0,
    log: quietLog,
  });
  // ftp-srv exits the process on these signals; the control server shuts down in its own order.
  for (const [signal, before] of signalsBefore) {
    for (const listener of process.listeners(signal))
      if (!before.has(listener)) process.off(signal, listener);
  }

  const complete = (path: string, user: FtpUserConfig) => {
    const name = basename(path);
    if (options.isTemporary(name)) return;
    options.onComplete({ path, name, user: user.name, producer: user.producer });
  };

  (server as unknown as EventEmitter).on("connect", ({ connection }: { connection: RawConnection }) => {
    if (isAllowed(allowed, connection.ip)) return;
    logger.warn({ ip: connection.ip }, "FTP connection refused: source address not in ingest.ftp.allow");
    void connection.close(421, "your address is not allowed").catch(() => undefined);
  });

  server.on("login", ({ connection, username, password }, resolve, reject) => {
    void (async () => {
      const user = users.get(username);
      const ok =
        isAllowed(allowed, connection.ip) && user !== undefined && (await checkPassword(user, password, env));
      if (!ok || !user) {
        logger.warn({ user: username, ip: connection.ip }, "FTP login refused");
        reject(new Error("login incorrect"));
        return;
      }
      const root = join(options.rootDir, user.name);
      await mkdir(root, { recursive: true });
      connection.on("STOR", (error: Error | null, path: string) => {
        if (error) {
          logger.warn(
            { user: user.name, err: error.message },
            "FTP upload failed; the partial file is not ingested",
          );
          return;
        }
        complete(path, user);
      });
      logger.info({ user: user.name, ip: connection.ip }, "FTP login");
      resolve({ fs: new ReportingFileSystem(connection, root, (path) => complete(path, user), uploading) });
    })().catch((error: Error) => reject(error));
  });

  try {
    await server.listen();
  } catch (error) {
    await server.close().catch(() => undefined);
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new Error(
        `FTP port ${config.port} on ${config.host} is in use: stop what uses it, or set ingest.ftp.port`,
      );
    throw error;
  }
  const address = (server as unknown as { server: { address(): { port: number } } }).server.address();
  return {
    url: `ftp://${host}:${address.port}`,
    port: address.port,
    isUploading: (path) => uploading.has(path),
    uploads: () => uploading.size,
    async stop() {
      await server.close();
    },
  };
}

async function checkPassword(
  user: FtpUserConfig,
  password: string,
  env: NodeJS.ProcessEnv,
): Promise<boolean> {
  if (user.passwordHash) return verifyPassword(password, user.passwordHash);
  const expected = user.passwordEnv ? env[user.passwordEnv] : undefined;
  if (!expected) return false;
  const a = Buffer.from(password);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
