// The FTP receiver (npm ftp-srv): per-user credentials and root directory, an allow-list of source
// networks, a passive port range and optional explicit FTPS. ECMWF uploads under a temporary name and
// renames on success, so a file is handed to the pipeline when it is renamed to a final name, or when
// an upload to a final name completes; a temporary name, or an upload that failed, never is.
// A user sees only the inside of their root: replies never name the server's own paths, and SITE
// commands (CHMOD made a root 777) are refused. Sessions beyond what the configuration and the passive
// range allow are refused with 421, so a client tries again instead of failing mid-transfer.
import { timingSafeEqual } from "node:crypto";
import type { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { FileSystem, FtpSrv } from "ftp-srv";
import { allowList, type FtpConfig, type FtpUserConfig, isAllowed } from "../config.ts";
import { verifyPassword } from "../passwords.ts";
import type { IngestLogger } from "../pipeline.ts";
import { passivePortFinder, passiveRangeSize } from "./passive-ports.ts";

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
  commandSocket: { end(): void };
  reply(code: number, message: string): Promise<unknown>;
}

/** What ftp-srv keeps of a session's data connection (passive server, socket). */
interface DataConnection {
  connector?: { dataSocket?: { destroy(): void } | null; dataServer?: { close(): void } | null };
}

type WriteStream = NodeJS.WritableStream & { path: string; destroy(error?: Error): void };

/**
 * A user's file system: ftp-srv's (which keeps paths inside the root) that reports renames, knows the
 * uploads in progress, refuses chmod, and says paths as the user sees them: `/x` for ROOT/x, in
 * replies (MKD answered with the server's absolute path) and in errors (an ENOENT named it too).
 */
class ReportingFileSystem extends FileSystem {
  readonly #onRenamed: (path: string) => void;
  readonly #uploading: Map<string, WriteStream>;
  constructor(
    connection: ConstructorParameters<typeof FileSystem>[0],
    root: string,
    onRenamed: (path: string) => void,
    uploading: Map<string, WriteStream>,
  ) {
    super(connection, { root, cwd: "/" });
    this.#onRenamed = onRenamed;
    this.#uploading = uploading;
  }

  /** `text` with the root's absolute path replaced by the user's `/`. */
  #asUserSees(text: string): string {
    return text.replaceAll(`${this.root}/`, "/").replaceAll(this.root, "/");
  }

  async #inside<T>(operation: () => T | PromiseLike<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw Object.assign(new Error(this.#asUserSees((error as Error).message)), {
        code: (error as { code?: unknown }).code,
      });
    }
  }

  override get(fileName: string) {
    return this.#inside(() => super.get(fileName));
  }
  override list(path?: string) {
    return this.#inside(() => super.list(path));
  }
  override chdir(path?: string) {
    return this.#inside(() => super.chdir(path));
  }
  override read(fileName: string, options?: { start?: unknown }) {
    return this.#inside(() => super.read(fileName, options));
  }
  override delete(path: string) {
    return this.#inside(() => super.delete(path));
  }
  override async mkdir(path: string) {
    return this.#asUserSees(String(await this.#inside(() => super.mkdir(path))));
  }
  override chmod(): Promise<never> {
    return Promise.reject(new Error("permissions are the server's to set"));
  }

  override write(fileName: string, options?: { append?: boolean; start?: unknown }): unknown {
    const result = super.write(fileName, options) as { stream: WriteStream };
    const { stream } = result;
    // Before ftp-srv's own listener replies with the message.
    stream.on("error", (error: Error) => {
      error.message = this.#asUserSees(error.message);
    });
    this.#uploading.set(stream.path, stream);
    stream.once("close", () => this.#uploading.delete(stream.path));
    return result;
  }

  override async rename(from: string, to: string): Promise<unknown> {
    const result = await this.#inside(() => super.rename(from, to));
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
  const uploading = new Map<string, WriteStream>();
  const sessions = Math.min(config.maxConnections, passiveRangeSize(config.passive));
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
    // SITE CHMOD is the only SITE command ftp-srv has, and it let a user make their root 777.
    blacklist: ["SITE"],
  });
  (server as unknown as { getNextPasvPort: () => Promise<number> }).getNextPasvPort = passivePortFinder(
    config.host,
    config.passive,
  );
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

  /** The reply comes first, then the end of the session (a destroy could discard the reply unsent). */
  const refuse = (connection: RawConnection, message: string) =>
    void connection
      .reply(421, message)
      .then(() => connection.commandSocket.end())
      .catch(() => undefined);
  (server as unknown as EventEmitter).on(
    "connect",
    ({ connection, newConnectionCount }: { connection: RawConnection; newConnectionCount: number }) => {
      if (!isAllowed(allowed, connection.ip)) {
        logger.warn({ ip: connection.ip }, "FTP connection refused: source address not in ingest.ftp.allow");
        refuse(connection, "your address is not allowed");
      } else if (newConnectionCount > sessions) {
        logger.warn({ ip: connection.ip, sessions }, "FTP connection refused: too many sessions at once");
        refuse(connection, `too many sessions at once (${sessions} allowed); try again shortly`);
      }
    },
  );

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
      // Transfers in flight end now (their clients saw no 226 and send again), and no passive port
      // stays open: a stop does not wait on a client.
      for (const stream of uploading.values()) stream.destroy(new Error("the server is stopping"));
      for (const connection of Object.values(
        (server as unknown as { connections: Record<string, DataConnection> }).connections,
      )) {
        connection.connector?.dataSocket?.destroy();
        connection.connector?.dataServer?.close();
      }
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
