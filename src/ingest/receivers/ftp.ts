// The FTP receiver (npm ftp-srv): per-user credentials and root directory, an allow-list of source
// networks, a passive port range and optional explicit FTPS. ECMWF uploads under a temporary name and
// renames on success, so a file is handed to the pipeline when it is renamed to a final name, or when
// an upload to a final name completes; a temporary name, or an upload that failed, never is.
// In stream mode the end of a file is the end of its data connection, which a client that gives up
// (or dies) mid-transfer closes just as it would after the last byte. So for an upload to a final name
// the server waits `confirmMs` before it answers 226: a client that is still there and silent wanted
// the end; one that closed its control connection or sent a command (ABOR) before hearing the 226 gave
// up, and its upload fails like one whose data connection was reset: the partial file is removed (the
// client saw no 226 and sends the file again; a truncated file would only be catalogued as a partial
// version). An upload to a temporary name is answered at once, and a part under one keeps what arrived
// however its upload ended: nothing is ingested before the client renames it, once SIZE says the file
// is whole (as our push does; ECPDS too), and until then the client resumes from that SIZE (APPE, or
// REST and STOR). The wait would cost every pushed file confirmMs. The sweep removes parts left
// unchanged past ingest.abandonedPartHours.
// A user sees only the inside of their root: replies never name the server's own paths, and SITE
// commands (CHMOD made a root 777) are refused. Sessions beyond what the configuration and the passive
// range allow are refused with 421, so a client tries again instead of failing mid-transfer.
import { timingSafeEqual } from "node:crypto";
import type { EventEmitter } from "node:events";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdir, rm, stat, truncate } from "node:fs/promises";
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

/** The control connection as the receiver reads it (ftp-srv pauses it during a transfer). */
interface ControlSocket {
  destroyed: boolean;
  readableLength: number;
  _readableState?: { ended?: boolean };
}

/** What ftp-srv keeps of a session's data connection (passive server, socket). */
interface DataConnection {
  connector?: { dataSocket?: { destroy(): void } | null; dataServer?: { close(): void } | null };
}

type WriteStream = NodeJS.WritableStream & {
  path: string;
  writableEnded: boolean;
  destroy(error?: Error): void;
  _final?: (callback: (error?: Error | null) => void) => void;
};

/**
 * Why the client's upload must not count although its data connection ended cleanly: it closed its
 * control connection, or sent a command, before being told the transfer completed; null when it waits.
 */
function abandonment(control: ControlSocket): string | null {
  if (control.destroyed || control._readableState?.ended)
    return "the client left before the upload was confirmed";
  if (control.readableLength > 0) return "the client sent a command (ABOR) before the upload was confirmed";
  return null;
}

/**
 * A user's file system: ftp-srv's (which keeps paths inside the root) that reports renames, knows the
 * uploads in progress, refuses chmod, and says paths as the user sees them: `/x` for ROOT/x, in
 * replies (MKD answered with the server's absolute path) and in errors (an ENOENT named it too).
 */
class ReportingFileSystem extends FileSystem {
  readonly #onRenamed: (path: string) => void;
  readonly #uploading: Map<string, WriteStream>;
  readonly #confirmMs: number;
  readonly #isTemporary: (name: string) => boolean;
  constructor(
    connection: ConstructorParameters<typeof FileSystem>[0],
    root: string,
    onRenamed: (path: string) => void,
    uploading: Map<string, WriteStream>,
    confirm: { confirmMs: number; isTemporary: (name: string) => boolean },
  ) {
    super(connection, { root, cwd: "/" });
    this.#onRenamed = onRenamed;
    this.#uploading = uploading;
    this.#confirmMs = confirm.confirmMs;
    this.#isTemporary = confirm.isTemporary;
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

  /**
   * ftp-srv's write, but the file counts as being uploaded until its fate is settled: finished, or
   * failed (ftp-srv's own write removes it without waiting, and fakes a `close` event at the end of the
   * data, so a sweep could see the partial file free for a moment). A failed upload to a final name is
   * removed; a part under a temporary name keeps what arrived, for its client to resume from SIZE.
   */
  override async write(fileName: string, options?: { append?: boolean; start?: number }): Promise<unknown> {
    const { fsPath, clientPath } = this.#resolve(fileName);
    const temporary = this.#isTemporary(basename(fsPath));
    // A STOR after REST n resumes at n, in a file of at least n bytes cut to n (ftp-srv's `w+` zeroed
    // the n bytes the client had sent). APPE writes at the end, whatever the position.
    const start = options?.append ? 0 : (options?.start ?? 0);
    if (start > 0) await this.#inside(() => cutForResume(fsPath, start));
    const stream = createWriteStream(fsPath, {
      flags: options?.append ? "a+" : start > 0 ? "r+" : "w+",
      ...(start > 0 ? { start } : {}),
    }) as unknown as WriteStream;
    const release = () => {
      if (this.#uploading.get(fsPath) === stream) this.#uploading.delete(fsPath);
    };
    this.#uploading.set(fsPath, stream);
    stream.once("finish", release);
    // Before ftp-srv's own listener replies with the message.
    stream.on("error", (error: Error) => {
      error.message = this.#asUserSees(error.message);
      const removed = temporary ? Promise.resolve() : rm(fsPath, { force: true }).catch(() => undefined);
      void removed.finally(release);
    });
    if (!temporary) this.#confirmBeforeFinish(stream);
    this.#failWithDataConnection(stream);
    return { stream, clientPath };
  }

  /**
   * The stream finishes (and ftp-srv answers 226) only after `confirmMs` with the client still there and
   * silent; otherwise it fails, the partial file is removed and ftp-srv reports the STOR failed.
   */
  #confirmBeforeFinish(stream: WriteStream): void {
    const control = (this.connection as unknown as { commandSocket: ControlSocket }).commandSocket;
    const final = stream._final?.bind(stream);
    stream._final = (callback) => {
      setTimeout(() => {
        const reason = abandonment(control);
        if (reason) callback(new Error(reason));
        else if (final) final(callback);
        else callback();
      }, this.#confirmMs);
    };
  }

  /**
   * ftp-srv ends a session whose control connection fails by closing its data connection before the
   * data has ended; it would leave the stream open (and the partial file held) for ever: fail it.
   */
  #failWithDataConnection(stream: WriteStream): void {
    const data = (this.connection as unknown as { connector?: { socket?: EventEmitter | null } }).connector
      ?.socket;
    data?.once("close", () => {
      if (!stream.writableEnded)
        stream.destroy(new Error("the data connection closed before the upload ended"));
    });
  }

  #resolve(path: string): { fsPath: string; clientPath: string } {
    return (
      this as unknown as { _resolvePath(p: string): { fsPath: string; clientPath: string } }
    )._resolvePath(path);
  }

  override async rename(from: string, to: string): Promise<unknown> {
    const result = await this.#inside(() => super.rename(from, to));
    this.#onRenamed(this.#resolve(to).fsPath);
    return result;
  }
}

/** Before a STOR resumes at `start` (after REST): the file must hold that much; what follows is cut. */
async function cutForResume(path: string, start: number): Promise<void> {
  const { size } = await stat(path);
  if (start > size)
    throw new Error(
      `REST ${start} is past the end of ${basename(path)} (${size} bytes): resume from its SIZE`,
    );
  if (start < size) await truncate(path, start);
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

/** With FTPS required, a login before AUTH TLS would have sent its password in clear: refused. */
function refusePlainLogin(
  logger: { warn(fields: object, message: string): void },
  user: string,
  ip: string,
  reject: (error: Error) => void,
): void {
  logger.warn({ user, ip }, "FTP login refused: plain FTP, FTPS is required");
  reject(new Error("this server takes FTPS only: say AUTH TLS before logging in"));
}

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
      if (config.tls?.required && !connection.secure)
        return refusePlainLogin(logger, username, connection.ip, reject);
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
            "FTP upload failed; the partial file is removed, not ingested (the client saw no 226 and sends it again)",
          );
          return;
        }
        complete(path, user);
      });
      logger.info({ user: user.name, ip: connection.ip }, "FTP login");
      const fs = new ReportingFileSystem(connection, root, (path) => complete(path, user), uploading, {
        confirmMs: config.confirmMs,
        isTemporary: options.isTemporary,
      });
      resolve({ fs });
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
    stop: () => stopServer(server, uploading),
  };
}

/**
 * Transfers in flight end now (their clients saw no 226 and send again, and their partial files are
 * removed), and no passive port stays open: a stop does not wait on a client.
 */
async function stopServer(server: FtpSrv, uploading: Map<string, WriteStream>): Promise<void> {
  for (const stream of uploading.values()) stream.destroy(new Error("the server is stopping"));
  for (const connection of Object.values(
    (server as unknown as { connections: Record<string, DataConnection> }).connections,
  )) {
    connection.connector?.dataSocket?.destroy();
    connection.connector?.dataServer?.close();
  }
  await server.close();
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
