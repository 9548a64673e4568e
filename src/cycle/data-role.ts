// The data role as the control role sees it when they run apart: its address (the one nodes are given,
// its certificate pinned) and whether it is ready (GET /readyz), waited for before the stream is due.
import { setTimeout as sleep } from "node:timers/promises";
import { type Dispatcher, fetch } from "undici";
import { pinnedDispatcher } from "../system/tls.ts";

export interface DataRoleAddress {
  serverUrl: string;
  /** SHA-256 of its certificate; null without TLS. */
  fingerprint: string | null;
}

/** Why the data role is not ready now (its answer, or why none came); null when it is. */
export async function dataRoleNotReady(
  address: DataRoleAddress,
  signal?: AbortSignal,
  dispatcher?: Dispatcher,
): Promise<string | null> {
  try {
    const response = await fetch(`${address.serverUrl.replace(/\/+$/, "")}/readyz`, {
      signal: AbortSignal.any([AbortSignal.timeout(5_000), ...(signal ? [signal] : [])]),
      ...(dispatcher ? { dispatcher } : {}),
    });
    if (response.ok) return null;
    const body = (await response.json().catch(() => null)) as { message?: string } | null;
    return `answered ${response.status}${body?.message ? `: ${body.message}` : ""}`;
  } catch (error) {
    if (signal?.aborted) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? (error as Error).message;
  }
}

/** Waits until the data role is ready, saying (once per change) why it is not yet. */
export async function waitForDataRole(
  address: DataRoleAddress,
  options: { signal: AbortSignal; log: (line: string) => void; pollMs?: number },
): Promise<void> {
  // One pinned connection pool for the whole wait.
  const dispatcher = address.fingerprint ? pinnedDispatcher(address.fingerprint) : undefined;
  let said: string | null = null;
  try {
    for (;;) {
      const reason = await dataRoleNotReady(address, options.signal, dispatcher);
      if (reason === null) return;
      if (reason !== said) options.log(`the data role at ${address.serverUrl} is not ready yet: ${reason}`);
      said = reason;
      await sleep(options.pollMs ?? 1000, undefined, { signal: options.signal });
    }
  } finally {
    await dispatcher?.close();
  }
}
