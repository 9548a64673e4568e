// Keeps secrets out of alerts: an alert's text is built from error messages of other systems (an FTP
// server, a cloud API, a database driver), and any of them may echo a credential. Before an alert is
// sent or recorded, the values of the secret variables in the environment and the password of any URL
// in it are replaced by ****.
import { mask, maskUrlsIn } from "../system/secrets.ts";
import type { Alert } from "./alerts.ts";

/** Variables whose values are secrets (CLOUDBURST_SMTP_PASSWORD, DELIVERY_PASSWORD, DELIVERY_TOKEN, ...). */
const secretName = /PASSWORD|PASSPHRASE|TOKEN|SECRET|API_KEY|PRIVATE_KEY/i;
/** Shorter values are not masked: they would mangle ordinary words. */
const minSecretLength = 6;

/** The secret values in an environment: secret variables, and the passwords in URL variables. */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (secretName.test(name) && value.length >= minSecretLength) values.add(value);
    const password = urlPassword(value);
    if (password && password.length >= minSecretLength) values.add(password);
  }
  // Longest first, so that a secret containing another is masked whole.
  return [...values].sort((a, b) => b.length - a.length);
}

function urlPassword(text: string): string | null {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(text)) return null;
  try {
    const password = new URL(text).password;
    return password ? decodeURIComponent(password) : null;
  } catch {
    return null;
  }
}

/** `text` with the secrets, and any URL's password and secret query values, masked. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = maskUrlsIn(text);
  for (const secret of secrets) out = out.split(secret).join(mask);
  return out;
}

function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, secrets)]));
  return value;
}

/** The alert with every string in it redacted (the key too: it is shown and recorded). */
export function redactAlert(alert: Alert, secrets: readonly string[]): Alert {
  return redactValue(alert, secrets) as Alert;
}
