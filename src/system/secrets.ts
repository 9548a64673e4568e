// Secrets as they may be printed: masked. A URL's password and the values of its secret-looking query
// parameters (token=, key=, sig=, ...) are replaced by ****, leaving the rest of the text as it was; a
// webhook's URL keeps only its origin, since its path is the secret (Slack, Teams, ...).

export const mask = "****";

/**
 * Query parameters whose values are credentials (`access_token`, `api_key`, `sig`, `X-Amz-Signature`,
 * ...); an SFTP destination's `hostkey` is a public fingerprint.
 */
const secretParameter = /^(?!hostkey$).*(token|key|secret|sig|password|passwd|pwd|auth|credential|session)/i;
const urlInText = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
const userInfoPassword = /^([a-z][a-z0-9+.-]*:\/\/[^/?#@\s:]*):[^/?#@\s]*@/i;
const queryParameter = /([?&])([^=&#\s]+)=([^&#\s]*)/g;

/** `url` with its password and secret query values masked; `path: true` keeps only the origin. */
export function maskUrl(url: string, options: { path?: boolean } = {}): string {
  if (options.path) {
    const origin = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^/?#@\s]*@)?([^/?#\s]*)/i.exec(url);
    return origin ? `${origin[1]}${origin[2]}/${mask}` : mask;
  }
  return url
    .replace(userInfoPassword, `$1:${mask}@`)
    .replace(queryParameter, (whole, lead: string, name: string, value: string) =>
      value && secretParameter.test(decodeName(name)) ? `${lead}${name}=${mask}` : whole,
    );
}

/** `text` with every URL in it masked as maskUrl masks one. */
export function maskUrlsIn(text: string): string {
  return text.replace(urlInText, (url) => maskUrl(url));
}

/** True when the URL carries a password in its user information (`scheme://user:password@host`). */
export function hasUrlPassword(text: string): boolean {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s:]*:([^/?#@\s]*)@/i.exec(text);
  return match !== null && match[1] !== "";
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
