// How a node's commands (`worker`, `upgrade`) find the server they work for: their options, else the
// environment its user data wrote (/etc/cloudburst/worker.env).
import type { Command } from "commander";
import type { ServerAccess } from "../worker/server-client.ts";
import { UsageError } from "./errors.ts";

/** The server a node works for, from the options or the node's environment (its user data sets it). */
export function serverAccess(options: {
  server?: string;
  token?: string;
  fingerprint?: string;
}): ServerAccess | undefined {
  const env = process.env;
  const url = options.server ?? env["CLOUDBURST_SERVER_URL"];
  if (!url) return undefined;
  const token = options.token ?? env["CLOUDBURST_WORKER_TOKEN"] ?? env["CLOUDBURST_TOKEN"];
  if (!token)
    throw new UsageError("a worker for a server needs its token: --token or CLOUDBURST_WORKER_TOKEN");
  const fingerprint = options.fingerprint ?? env["CLOUDBURST_SERVER_FINGERPRINT"];
  return { url, token, ...(fingerprint ? { fingerprint } : {}) };
}

/** The options that name a node's server; each defaults to what the node's user data set. */
export function withServerOptions(command: Command): Command {
  return command
    .option(
      "--server <url>",
      "the data role's URL: jobs, reports and data over the worker protocol, no database (default: $CLOUDBURST_SERVER_URL)",
    )
    .option(
      "--token <token>",
      "with --server: the node's token (default: $CLOUDBURST_WORKER_TOKEN or $CLOUDBURST_TOKEN)",
    )
    .option(
      "--fingerprint <sha256>",
      "with an https --server: the SHA-256 fingerprint of its certificate, the only one trusted (default: $CLOUDBURST_SERVER_FINGERPRINT)",
    );
}
