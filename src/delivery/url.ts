// Destinations named by URL: file:///dir (or a plain path), ftp://user@host:port/dir, ftps://...
// The password never appears in the URL: it comes from the environment (DELIVERY_PASSWORD).

import type { Destination } from "./destination.ts";
import { directoryDestination } from "./directory.ts";
import { ftpDestination } from "./ftp.ts";

export const deliveryPasswordVariable = "DELIVERY_PASSWORD";

export class DestinationUrlError extends Error {
  override name = "DestinationUrlError";
}

export function destinationFromUrl(text: string, env: NodeJS.ProcessEnv = process.env): Destination {
  if (!text.includes("://")) return directoryDestination(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DestinationUrlError(
      `"${text}" is not a URL: use file:///dir, ftp://user@host:port/dir or ftps://...`,
    );
  }
  if (url.protocol === "file:") return directoryDestination(decodeURIComponent(url.pathname));
  if (url.protocol === "ftp:" || url.protocol === "ftps:") {
    if (url.password) {
      throw new DestinationUrlError(
        `put the FTP password in ${deliveryPasswordVariable}, not in the destination URL (it would be logged)`,
      );
    }
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
  throw new DestinationUrlError(`unsupported destination scheme ${url.protocol} (use file:, ftp: or ftps:)`);
}
