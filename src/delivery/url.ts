// Destinations named by URL: file:///dir (or a plain path), ftp://user@host:port/dir, ftps://...,
// sftp://user@host:port/dir?hostkey=SHA256:..., http://user@host:port/path/ and https://... (WebDAV).
// The password never appears in the URL: it comes from the environment (DELIVERY_PASSWORD), and so
// do an SSH private key (DELIVERY_SSH_KEY, a path), a known_hosts file (DELIVERY_KNOWN_HOSTS) and
// an HTTP bearer token (DELIVERY_TOKEN).

import { readFileSync } from "node:fs";
import type { Destination } from "./destination.ts";
import { directoryDestination } from "./directory.ts";
import { ftpDestination } from "./ftp.ts";
import { httpDestination } from "./http.ts";
import { sftpDestination } from "./sftp.ts";

export const deliveryPasswordVariable = "DELIVERY_PASSWORD";
export const deliverySshKeyVariable = "DELIVERY_SSH_KEY";
export const deliveryKnownHostsVariable = "DELIVERY_KNOWN_HOSTS";
export const deliveryTokenVariable = "DELIVERY_TOKEN";

const schemes =
  "file:///dir, ftp://user@host:port/dir, ftps://..., sftp://user@host:port/dir?hostkey=SHA256:..., " +
  "http://user@host:port/path/ or https://...";

export class DestinationUrlError extends Error {
  override name = "DestinationUrlError";
}

export function destinationFromUrl(text: string, env: NodeJS.ProcessEnv = process.env): Destination {
  if (!text.includes("://")) return directoryDestination(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DestinationUrlError(`"${text}" is not a URL: use ${schemes}`);
  }
  if (url.protocol === "file:") return directoryDestination(decodeURIComponent(url.pathname));
  if (url.password) {
    throw new DestinationUrlError(
      `put the password in ${deliveryPasswordVariable}, not in the destination URL (it would be logged)`,
    );
  }
  if (url.protocol === "sftp:") return sftpFromUrl(url, env);
  if (url.protocol === "http:" || url.protocol === "https:") return httpFromUrl(url, env);
  if (url.protocol === "ftp:" || url.protocol === "ftps:") {
    const password = env[deliveryPasswordVariable];
    if (!url.username || password === undefined) {
      throw new DestinationUrlError(
        `${url.protocol}// destinations need a user in the URL and the password in ${deliveryPasswordVariable}`,
      );
    }
    return ftpDestination({
      host: url.hostname,
      port: url.port ? Number(url.port) : 21,
      user: decodeURIComponent(url.username),
      password,
      root: decodeURIComponent(url.pathname) || "/",
      secure: url.protocol === "ftps:",
      allowSelfSigned: url.searchParams.get("insecure") === "1",
    });
  }
  throw new DestinationUrlError(`unsupported destination scheme ${url.protocol} (use ${schemes})`);
}

function readSecretFile(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new DestinationUrlError(`cannot read ${variable}=${path}: ${(error as Error).message}`);
  }
}

/** OpenSSH's fingerprint form: "SHA256:" and 43 characters of unpadded base64. */
const fingerprintPattern = /^SHA256:[A-Za-z0-9+/]{43}$/;

function sftpFromUrl(url: URL, env: NodeJS.ProcessEnv): Destination {
  const keyPath = env[deliverySshKeyVariable];
  const password = env[deliveryPasswordVariable];
  if (!url.username || (keyPath === undefined && password === undefined)) {
    throw new DestinationUrlError(
      `sftp:// destinations need a user in the URL and either a private key file in ${deliverySshKeyVariable} ` +
        `or the password in ${deliveryPasswordVariable}`,
    );
  }
  // A "+" in a query is read as a space: put it back, base64 has no spaces.
  const hostKeyFingerprints = url.searchParams.getAll("hostkey").map((value) => value.replaceAll(" ", "+"));
  for (const fingerprint of hostKeyFingerprints) {
    if (!fingerprintPattern.test(fingerprint)) {
      throw new DestinationUrlError(
        `hostkey=${fingerprint} is not an OpenSSH SHA-256 fingerprint (SHA256: and 43 base64 characters, ` +
          `as "ssh-keygen -lf key.pub" prints it)`,
      );
    }
  }
  const knownHostsPath = env[deliveryKnownHostsVariable];
  for (const name of url.searchParams.keys()) {
    if (name !== "hostkey")
      throw new DestinationUrlError(`unknown sftp:// URL parameter "${name}" (only hostkey)`);
  }
  return sftpDestination({
    host: url.hostname,
    port: url.port ? Number(url.port) : 22,
    user: decodeURIComponent(url.username),
    password,
    privateKey: keyPath === undefined ? undefined : readSecretFile(deliverySshKeyVariable, keyPath),
    root: decodeURIComponent(url.pathname) || "/",
    hostKeyFingerprints,
    knownHosts:
      knownHostsPath === undefined
        ? undefined
        : readSecretFile(deliveryKnownHostsVariable, knownHostsPath).toString("utf8"),
    knownHostsPath,
  });
}

function httpFromUrl(url: URL, env: NodeJS.ProcessEnv): Destination {
  const password = env[deliveryPasswordVariable];
  const token = env[deliveryTokenVariable];
  if (url.username && password === undefined && token === undefined) {
    throw new DestinationUrlError(
      `${url.protocol}// destinations with a user need the password in ${deliveryPasswordVariable} ` +
        `(or a bearer token in ${deliveryTokenVariable})`,
    );
  }
  for (const name of url.searchParams.keys()) {
    if (name !== "insecure" || url.protocol !== "https:") {
      throw new DestinationUrlError(
        `unknown ${url.protocol}// URL parameter "${name}" (https:// takes insecure=1)`,
      );
    }
  }
  return httpDestination({
    base: new URL(`${url.protocol}//${url.host}${url.pathname}`),
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password,
    token,
    allowSelfSigned: url.searchParams.get("insecure") === "1",
  });
}
