// Delivery to an SFTP server (ssh2, pure JavaScript). One SSH connection and SFTP session, opened on
// first use and re-opened after a failure. The server's host key must be pinned (a fingerprint in the
// URL or a known_hosts file): a key that matches neither is refused, never accepted silently.
import { createHash, createHmac } from "node:crypto";
import { createReadStream } from "node:fs";
import { posix } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Client, ConnectConfig, SFTPWrapper, Stats } from "ssh2";
import { type Destination, type PushItem, TransientDeliveryError } from "./destination.ts";

export interface SftpDestinationOptions {
  host: string;
  port: number;
  user: string;
  /** Password authentication (or the passphrase of privateKey). */
  password?: string;
  /** An OpenSSH or PEM private key. */
  privateKey?: Buffer;
  /** Root directory on the server (absolute). */
  root: string;
  /** Accepted host key fingerprints, OpenSSH's "SHA256:base64" form. */
  hostKeyFingerprints?: string[];
  /** known_hosts text (OpenSSH format, hashed names included) to look the host up in. */
  knownHosts?: string;
  /** Where knownHosts came from, for messages. */
  knownHostsPath?: string;
  timeoutMs?: number;
}

interface Session {
  client: Client;
  sftp: SFTPWrapper;
  lost: AbortController;
}

/** A failure found by this transport itself that no retry can mend (a name leaving the root, a file in the way). */
class SftpRefusal extends Error {
  override name = "SftpRefusal";
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02) that ssh2 puts in `error.code`. */
const noSuchFile = 2;
const permissionDenied = 3;
const failure = 4;

/** OpenSSH's fingerprint of a host key blob: "SHA256:" and the unpadded base64 of its SHA-256. */
export function hostKeyFingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The name known_hosts gives a host: "host" on port 22, "[host]:port" otherwise. */
function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith("|1|")) {
    const [, , salt, hash] = pattern.split("|");
    if (!salt || !hash) return false;
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  const regex = pattern
    .replace(/[.+^${}()|\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "i").test(name);
}

/** The verdict of known_hosts text on a host key: "match", "revoked" or "unknown". */
export function knownHostsVerdict(
  text: string,
  host: string,
  port: number,
  blob: Buffer,
): "match" | "revoked" | "unknown" {
  const name = knownHostsName(host, port);
  const key = blob.toString("base64");
  let verdict: "match" | "unknown" = "unknown";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith("@") ? fields.shift() : undefined;
    const [hosts, , base64] = fields;
    if (!hosts || !base64 || marker === "@cert-authority") continue;
    const patterns = hosts.split(",");
    const negated = patterns.some((p) => p.startsWith("!") && patternMatches(p.slice(1), name));
    if (negated || !patterns.some((p) => !p.startsWith("!") && patternMatches(p, name))) continue;
    if (base64 !== key) continue;
    if (marker === "@revoked") return "revoked";
    verdict = "match";
  }
  return verdict;
}

export function sftpDestination(options: SftpDestinationOptions): Destination {
  const label = `sftp://${options.user}@${options.host}:${options.port}${options.root}`;
  const remote = (path: string) => {
    const full = posix.join(options.root, path);
    if (full !== options.root && !full.startsWith(posix.join(options.root, "/")))
      throw new SftpRefusal(`"${path}" leaves the destination ${label}`);
    return full;
  };
  /** `lost` is aborted when the connection closes: operations stop waiting on a connection that is gone. */
  let session: Session | null = null;

  async function connected(): Promise<Session> {
    if (session && !session.lost.signal.aborted) return session;
    session = await openSession(options, label);
    return session;
  }

  /** Runs one operation; a connection-level failure closes the session so the next attempt reconnects. */
  async function run<T>(operation: (sftp: SFTPWrapper, signal: AbortSignal) => Promise<T>): Promise<T> {
    const current = await connected();
    const { signal } = current.lost;
    try {
      return await new Promise<T>((resolve, reject) => {
        const onLost = () => reject(signal.reason);
        signal.addEventListener("abort", onLost, { once: true });
        operation(current.sftp, signal)
          .then(resolve, reject)
          .finally(() => signal.removeEventListener("abort", onLost));
      });
    } catch (error) {
      const classified = classify(error, label);
      if (classified instanceof TransientDeliveryError) {
        current.lost.abort(classified);
        current.client.end();
        if (session === current) session = null;
      }
      throw classified;
    }
  }

  return {
    label,
    size: (path) =>
      run(async (sftp) => {
        const stats = await statOrNull(sftp, remote(path));
        return stats ? stats.size : null;
      }),
    write: (item: PushItem, start: number, path: string) =>
      run(async (sftp, signal) => {
        const target = remote(path);
        await makeDirectories(sftp, posix.dirname(target));
        await pipeline(
          createReadStream(item.localPath, { start }),
          sftp.createWriteStream(target, { flags: start === 0 ? "w" : "r+", start }),
          { signal },
        );
      }),
    checksum: (path) =>
      run(async (sftp, signal) => {
        const hash = createHash("sha256");
        await pipeline(sftp.createReadStream(remote(path)), hash, { signal });
        return hash.digest("hex");
      }),
    rename: (from, to) =>
      run(async (sftp) => {
        const [source, target] = [remote(from), remote(to)];
        // posix-rename@openssh.com replaces the target atomically; plain SFTP rename refuses an existing one.
        if (hasExtension(sftp, "posix-rename@openssh.com")) {
          await call<void>((done) => sftp.ext_openssh_rename(source, target, done));
        } else {
          await removeIfPresent(sftp, target);
          await call<void>((done) => sftp.rename(source, target, done));
        }
      }),
    remove: (path) => run((sftp) => removeIfPresent(sftp, remote(path))),
    async close() {
      session?.client.end();
      session = null;
    },
  };
}

/** Decides on the server's host key; remembers why a key was refused for the error message. */
function hostKeyCheck(
  options: SftpDestinationOptions,
  label: string,
): { verify: (blob: Buffer) => boolean; refusal: () => string | null } {
  let refusal: string | null = null;
  const verify = (blob: Buffer) => {
    const fingerprint = hostKeyFingerprint(blob);
    const pinned = options.hostKeyFingerprints ?? [];
    if (pinned.includes(fingerprint)) return true;
    if (options.knownHosts !== undefined) {
      const verdict = knownHostsVerdict(options.knownHosts, options.host, options.port, blob);
      if (verdict === "match") return true;
      if (verdict === "revoked") {
        refusal = `${label}: the server's host key ${fingerprint} is marked @revoked in ${options.knownHostsPath}`;
        return false;
      }
    }
    const tried = [
      pinned.length ? `the pinned ${pinned.join(", ")}` : "",
      options.knownHosts !== undefined
        ? `the keys for ${knownHostsName(options.host, options.port)} in ${options.knownHostsPath}`
        : "",
    ].filter(Boolean);
    refusal =
      `${label}: refusing the server's host key ${fingerprint}` +
      (tried.length
        ? `: it is not ${tried.join(" nor ")} (if the server's key was changed on purpose, update the pin)`
        : ": no host key is pinned") +
      `; check it with the server's administrator (ssh-keygen -lf on its public host key) and add ` +
      `?hostkey=${fingerprint} to the destination URL, or name a known_hosts file in DELIVERY_KNOWN_HOSTS`;
    return false;
  };
  return { verify, refusal: () => refusal };
}

/** A new SSH connection with its SFTP channel, the server's host key checked. */
async function openSession(options: SftpDestinationOptions, label: string): Promise<Session> {
  // ssh2 is loaded on first use: a product job delivering to a directory or FTP never needs it.
  const { Client } = await import("ssh2");
  const client = new Client();
  const hostKey = hostKeyCheck(options, label);
  const config: ConnectConfig = {
    host: options.host,
    port: options.port,
    username: options.user,
    readyTimeout: options.timeoutMs ?? 30_000,
    keepaliveInterval: 15_000,
    keepaliveCountMax: 4,
    hostVerifier: (blob: Buffer) => hostKey.verify(blob),
  };
  if (options.privateKey) {
    config.privateKey = options.privateKey;
    if (options.password !== undefined) config.passphrase = options.password;
  } else {
    config.password = options.password;
  }
  let sftp: SFTPWrapper;
  try {
    sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
      client.once("error", reject);
      client.once("close", () => reject(new Error(`${label}: the connection closed during the handshake`)));
      client.once("ready", () => client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp))));
      client.connect(config);
    });
  } catch (error) {
    client.end();
    const refusal = hostKey.refusal();
    if (refusal) throw new Error(refusal);
    throw classify(error, label);
  }
  const opened: Session = { client, sftp, lost: new AbortController() };
  const lose = (error?: Error) =>
    opened.lost.abort(
      new TransientDeliveryError(`${label}: connection lost${error ? ` (${error.message})` : ""}`),
    );
  client.on("error", lose);
  client.on("close", () => lose());
  return opened;
}

function call<T>(
  operation: (done: (error: Error | null | undefined, result?: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) =>
    operation((error, result) => (error ? reject(error) : resolve(result as T))),
  );
}

function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

function hasExtension(sftp: SFTPWrapper, name: string): boolean {
  const extensions = (sftp as unknown as { _extensions?: Record<string, unknown> })._extensions;
  return extensions?.[name] !== undefined;
}

async function statOrNull(sftp: SFTPWrapper, path: string): Promise<Stats | null> {
  try {
    return await call<Stats>((done) => sftp.stat(path, done));
  } catch (error) {
    if (statusCode(error) === noSuchFile) return null;
    throw error;
  }
}

async function removeIfPresent(sftp: SFTPWrapper, path: string): Promise<void> {
  try {
    await call<void>((done) => sftp.unlink(path, done));
  } catch (error) {
    if (statusCode(error) !== noSuchFile) throw error;
  }
}

/** mkdir -p: creates the missing directories of `path`, from the top. */
async function makeDirectories(sftp: SFTPWrapper, path: string): Promise<void> {
  const stats = await statOrNull(sftp, path);
  if (stats?.isDirectory()) return;
  if (stats) throw new SftpRefusal(`${path} exists and is not a directory`);
  const parent = posix.dirname(path);
  if (parent !== path) await makeDirectories(sftp, parent);
  try {
    await call<void>((done) => sftp.mkdir(path, done));
  } catch (error) {
    // Another delivery may have created it in the meantime.
    if (!(await statOrNull(sftp, path))?.isDirectory()) throw error;
  }
}

/**
 * Refused authentication, "permission denied", "no such file" and other SFTP status replies are
 * permanent; connection errors, timeouts and a dropped session ("No response from server") are transient.
 * SSH_FX_FAILURE (4) is transient too: OpenSSH's sftp-server reports a full disk that way.
 */
function classify(error: unknown, label: string): Error {
  if (error instanceof TransientDeliveryError || error instanceof SftpRefusal) return error;
  const message = error instanceof Error ? error.message : String(error);
  const level = (error as { level?: unknown } | null)?.level;
  if (level === "client-authentication") {
    return new Error(`${label}: the server refused the login (${message}); check the user, key or password`);
  }
  const code = statusCode(error);
  if (code === noSuchFile || code === permissionDenied)
    return new Error(`${label}: SFTP ${code}: ${message}`);
  if (code === failure) return new TransientDeliveryError(`${label}: SFTP ${code}: ${message}`);
  if (code !== undefined && code > failure && code !== 6 && code !== 7) {
    return new Error(`${label}: SFTP ${code}: ${message}`);
  }
  return new TransientDeliveryError(`${label}: ${message}`);
}
