// The server's TLS certificate as its configuration says: the given files, or one generated once into
// the data directory. Read by the server, and by commands that tell nodes which certificate to pin.
import { dirname, join, resolve } from "node:path";
import type { Config } from "../config/load.ts";
import { generatedCertificate, loadCertificate, type ServerCertificate } from "../system/tls.ts";

/** The server's TLS certificate when server.tls is enabled: the configured files, or one generated once. */
export function serverCertificate(config: Config): ServerCertificate | null {
  const { tls } = config.server;
  if (!tls.enabled) return null;
  const base = config.file ? dirname(config.file) : process.cwd();
  if (tls.certFile && tls.keyFile)
    return loadCertificate(resolve(base, tls.certFile), resolve(base, tls.keyFile));
  const names = [
    config.server.host,
    ...(config.server.publicUrl ? [new URL(config.server.publicUrl).hostname] : []),
    ...(config.fleet.vlan ? [config.fleet.vlan.dataAddress] : []),
  ];
  return generatedCertificate(join(config.dataDir, "tls"), names);
}
