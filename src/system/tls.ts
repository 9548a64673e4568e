// TLS for what crosses a network: the server's certificate (configured, or generated once and kept in
// the data directory) and its SHA-256 fingerprint, which compute nodes pin from their user data instead
// of trusting a certificate authority; and an HTTP dispatcher that accepts only the pinned certificate.
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { hostname, networkInterfaces } from "node:os";
import { join } from "node:path";
import { Agent, buildConnector } from "undici";

export interface ServerCertificate {
  cert: string;
  key: string;
  /** SHA-256 of the certificate, as openssl and Node print it: AB:CD:... */
  fingerprint: string;
}

export class TlsError extends Error {
  override name = "TlsError";
}

/** The certificate's SHA-256 fingerprint (AB:CD:... upper-case hex). */
export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** A fingerprint as given by an operator or user data, in the one form compared. */
export function normaliseFingerprint(text: string): string {
  const hex = text
    .replace(/^sha256[:=]?/i, "")
    .replace(/[^0-9a-f]/gi, "")
    .toUpperCase();
  if (hex.length !== 64)
    throw new TlsError(
      `"${text}" is not a SHA-256 fingerprint: expected 32 bytes in hex (AB:CD:..., as \`openssl x509 -fingerprint -sha256\` prints)`,
    );
  return hex.match(/../g)!.join(":");
}

/** The configured certificate and key files. */
export function loadCertificate(certFile: string, keyFile: string): ServerCertificate {
  for (const [what, file] of [
    ["certificate", certFile],
    ["key", keyFile],
  ] as const)
    if (!existsSync(file))
      throw new TlsError(
        `the TLS ${what} ${file} does not exist: fix server.tls in the configuration, or leave the files out to have one generated`,
      );
  const cert = readFileSync(certFile, "utf8");
  return { cert, key: readFileSync(keyFile, "utf8"), fingerprint: fingerprintOf(cert) };
}

/**
 * The certificate kept in `dir`, generated (self-signed, by openssl) on first use for this host's
 * names and addresses and `extraNames`. Nodes pin its fingerprint, so no authority is needed.
 */
export function generatedCertificate(dir: string, extraNames: readonly string[] = []): ServerCertificate {
  const certFile = join(dir, "server.crt");
  const keyFile = join(dir, "server.key");
  if (existsSync(certFile) && existsSync(keyFile)) return loadCertificate(certFile, keyFile);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const generated = selfSigned(dir, ["localhost", hostname(), ...localAddresses(), ...extraNames]);
  // Renamed into place: a process starting at the same time never reads half a certificate.
  renameSync(join(dir, "server.key.new"), keyFile);
  renameSync(join(dir, "server.crt.new"), certFile);
  return generated;
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
}

/** A self-signed certificate made by openssl (ECDSA P-256, valid 825 days) for `names`. */
function selfSigned(dir: string, names: readonly string[]): ServerCertificate {
  const unique = [...new Set(names)].filter(Boolean);
  const isIp = (n: string) => /^[\d.]+$/.test(n) || n.includes(":");
  const san = unique.map((n) => (isIp(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  const keyFile = join(dir, "server.key.new");
  const certFile = join(dir, "server.crt.new");
  const result = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "825",
      "-subj",
      `/CN=cloudburst ${hostname()}`,
      "-addext",
      `subjectAltName=${san}`,
      "-addext",
      "extendedKeyUsage=serverAuth",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    { encoding: "utf8" },
  );
  if (result.error || result.status !== 0)
    throw new TlsError(
      `could not generate the server's TLS certificate with openssl (${result.error?.message ?? result.stderr.trim()}): install openssl, or give server.tls.certFile and keyFile`,
    );
  chmodSync(keyFile, 0o600);
  const cert = readFileSync(certFile, "utf8");
  return { cert, key: readFileSync(keyFile, "utf8"), fingerprint: fingerprintOf(cert) };
}

/**
 * An HTTP dispatcher for undici's fetch that trusts exactly one certificate, by its fingerprint: the
 * connection is refused before any request is written when the server shows another.
 */
export function pinnedDispatcher(fingerprint: string): Agent {
  const expected = normaliseFingerprint(fingerprint);
  // No TLS session resumption: a resumed session shows no certificate to check, so every connection
  // after the first would be refused (a worker's, once its first connection closed).
  const connect = buildConnector({ rejectUnauthorized: false, maxCachedSessions: 0 });
  return new Agent({
    connect(options, callback) {
      connect(options, (error, socket) => {
        if (error || !socket) return callback(error ?? new TlsError("no connection"), null);
        const shown = "getPeerCertificate" in socket ? socket.getPeerCertificate().fingerprint256 : undefined;
        if (shown !== expected) {
          socket.destroy();
          return callback(
            new TlsError(
              `${options.hostname}:${options.port} showed a certificate with fingerprint ${shown ?? "(none: not TLS)"}, not the pinned ${expected}: refusing to talk to it (is the node's user data from this server? \`cloudburst fleet user-data compute\` prints the fingerprint nodes get)`,
            ),
            null,
          );
        }
        callback(null, socket);
      });
    },
  });
}
