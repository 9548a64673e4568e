// Alerts to operators: each carries what failed, the HTTP code and its meaning, the provider's error
// body and the runbook link; sent by email (SMTP) and/or a webhook; deduplicated by key and
// rate-limited per channel and severity, held when an operator acknowledged or silenced them, with
// the record in PostgreSQL so a restart does not resend. `raise` alerts
// about a lasting problem once for good; secrets are masked before anything is sent or recorded.
import type pg from "pg";
import { httpCodeMeaning, runbookFor } from "./codes.ts";
import type { AlertsConfig } from "./config.ts";
import { answeredHold } from "./handling.ts";
import { redactAlert, redactText, secretValues } from "./redact.ts";

export type Severity = "critical" | "warning" | "info";

export interface Alert {
  /** Alerts with the same key are one problem: sent once per dedup window. */
  key: string;
  severity: Severity;
  title: string;
  /** What happened and what to do, for a person. */
  text: string;
  httpCode?: number;
  meaning?: string;
  providerBody?: string;
  runbook?: string;
  details?: Record<string, unknown>;
}

export interface AlertChannel {
  readonly name: string;
  send(alert: Alert): Promise<void>;
}

export interface SendResult {
  sent: string[];
  held: Array<{ channel: string; reason: string }>;
}

export interface RaiseResult extends SendResult {
  /** Channels that already had the alert on record, or whose failure is retried later. */
  skipped: string[];
  /** True when every channel has the alert on record for good (none failed): it is never sent again. */
  settled: boolean;
}

/** Completes an alert about an HTTP failure with the code's meaning and the runbook link. */
export function withHttpContext(
  alert: Alert,
  config: Pick<AlertsConfig, "runbooks" | "defaultRunbook">,
): Alert {
  if (alert.httpCode === undefined) return alert;
  const runbook = alert.runbook ?? runbookFor(alert.httpCode, config.runbooks, config.defaultRunbook);
  return {
    ...alert,
    meaning: alert.meaning ?? httpCodeMeaning(alert.httpCode),
    ...(runbook ? { runbook } : {}),
  };
}

/** The plain-text form used by email and logs. */
export function renderAlert(alert: Alert): string {
  return [
    `[${alert.severity.toUpperCase()}] ${alert.title}`,
    "",
    alert.text,
    ...(alert.httpCode !== undefined
      ? ["", `HTTP ${alert.httpCode}: ${alert.meaning ?? httpCodeMeaning(alert.httpCode)}`]
      : []),
    ...(alert.providerBody ? ["", "Provider's answer:", alert.providerBody] : []),
    ...(alert.runbook ? ["", `Runbook: ${alert.runbook}`] : []),
    ...(alert.details ? ["", `Details: ${JSON.stringify(alert.details)}`] : []),
    "",
    `Alert key: ${alert.key}`,
  ].join("\n");
}

/** Where the alert record lives: PostgreSQL, or memory for a process without a database. */
interface AlertLog {
  lastSent(key: string, channel: string): Promise<Date | null>;
  /** Whether the key is on record for the channel other than as a failure, and its last failure. */
  standing(key: string, channel: string): Promise<{ settled: boolean; lastFailure: Date | null }>;
  sentSince(channel: string, severity: Severity, since: Date): Promise<number>;
  record(alert: Alert, channel: string, held: string | null): Promise<void>;
  /** Whether an operator has acknowledged the key's problem or silenced it. */
  answered(key: string): Promise<"silenced" | "acknowledged" | null>;
}

class DatabaseLog implements AlertLog {
  readonly pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.pool = pool;
  }
  async lastSent(key: string, channel: string) {
    const r = await this.pool.query<{ at: Date }>(
      "select at from alert where key = $1 and channel = $2 and held is null order by at desc limit 1",
      [key, channel],
    );
    return r.rows[0]?.at ?? null;
  }
  async standing(key: string, channel: string) {
    const r = await this.pool.query<{ settled: boolean | null; last_failure: Date | null }>(
      `select bool_or(held is null or (held not like 'failed:%' and held <> 'silenced')) as settled,
              max(at) filter (where held like 'failed:%') as last_failure
         from alert where key = $1 and channel = $2`,
      [key, channel],
    );
    return { settled: r.rows[0]?.settled === true, lastFailure: r.rows[0]?.last_failure ?? null };
  }
  async sentSince(channel: string, severity: Severity, since: Date) {
    const r = await this.pool.query<{ n: string }>(
      "select count(*) as n from alert where channel = $1 and severity = $2 and held is null and at >= $3",
      [channel, severity, since],
    );
    return Number(r.rows[0]?.n ?? 0);
  }
  async record(alert: Alert, channel: string, held: string | null) {
    const { key, severity, title, ...body } = alert;
    await this.pool.query(
      "insert into alert (key, channel, severity, title, body, held) values ($1, $2, $3, $4, $5, $6)",
      [key, channel, severity, title, JSON.stringify(body), held],
    );
  }
  answered(key: string) {
    return answeredHold(this.pool, key);
  }
}

class MemoryLog implements AlertLog {
  readonly entries: Array<{
    key: string;
    channel: string;
    severity: Severity;
    at: Date;
    held: string | null;
  }> = [];
  async lastSent(key: string, channel: string) {
    const sent = this.entries.filter((e) => e.key === key && e.channel === channel && e.held === null);
    return sent.length ? sent[sent.length - 1]!.at : null;
  }
  async standing(key: string, channel: string) {
    const mine = this.entries.filter((e) => e.key === key && e.channel === channel);
    const failures = mine.filter((e) => e.held?.startsWith("failed:"));
    return {
      settled: mine.some((e) => !e.held?.startsWith("failed:") && e.held !== "silenced"),
      lastFailure: failures.length ? failures[failures.length - 1]!.at : null,
    };
  }
  async sentSince(channel: string, severity: Severity, since: Date) {
    return this.entries.filter(
      (e) => e.channel === channel && e.severity === severity && e.held === null && e.at >= since,
    ).length;
  }
  async record(alert: Alert, channel: string, held: string | null) {
    this.entries.push({ key: alert.key, channel, severity: alert.severity, at: new Date(), held });
  }
  /** Without a database there is no operator's answer to hold an alert. */
  async answered() {
    return null;
  }
}

const recordOnly: AlertChannel = { name: "record", send: async () => undefined };

export class Alerter {
  readonly #channels: AlertChannel[];
  readonly #config: AlertsConfig;
  readonly #log: AlertLog;
  readonly #secrets: string[];

  /** `env` holds the secrets to mask in alerts (the process's environment by default). */
  constructor(
    config: AlertsConfig,
    channels: AlertChannel[],
    pool: pg.Pool | null,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.#config = config;
    this.#secrets = secretValues(env);
    // With no channel configured, alerts are still recorded (the web UI and /api/alerts show them).
    this.#channels = channels.length ? channels : [recordOnly];
    this.#log = pool ? new DatabaseLog(pool) : new MemoryLog();
  }

  get channels(): readonly string[] {
    return this.#channels.map((c) => c.name);
  }

  /** Sends the alert on every channel unless it is a duplicate or the channel is over its rate. */
  async send(raw: Alert): Promise<SendResult> {
    return this.#dispatch(this.#prepare(raw), this.#channels);
  }

  /**
   * Alerts about a lasting problem once: a channel that has the key on record (sent, or held as a
   * duplicate or by the rate limit) is skipped for good, whatever `dedupSeconds` says; a channel that
   * failed to send it is tried again `retryFailedSeconds` after its failure. Nothing is recorded for a
   * skipped channel, so asking again and again costs one query per channel.
   */
  async raise(raw: Alert): Promise<RaiseResult> {
    const alert = this.#prepare(raw);
    const now = Date.now();
    const due: AlertChannel[] = [];
    const skipped: string[] = [];
    let waiting = false;
    for (const channel of this.#channels) {
      const standing = await this.#log.standing(alert.key, channel.name);
      if (standing.settled) skipped.push(channel.name);
      else if (
        standing.lastFailure &&
        now - standing.lastFailure.getTime() < this.#config.retryFailedSeconds * 1000
      ) {
        skipped.push(channel.name);
        waiting = true;
      } else due.push(channel);
    }
    const result = await this.#dispatch(alert, due);
    // A failed channel is tried again; a silenced alert is raised again once its silence ends.
    const again = result.held.some((h) => h.reason.startsWith("failed:") || h.reason === "silenced");
    return { ...result, skipped, settled: !waiting && !again };
  }

  #prepare(raw: Alert): Alert {
    return redactAlert(withHttpContext(raw, this.#config), this.#secrets);
  }

  /** Whether the channel has sent its budget of alerts of this severity in the rate window. */
  async #overRate(channel: string, severity: Severity, now: number): Promise<boolean> {
    const { maxPerWindow, windowSeconds } = this.#config;
    const budget = typeof maxPerWindow === "number" ? maxPerWindow : maxPerWindow[severity];
    return (await this.#log.sentSince(channel, severity, new Date(now - windowSeconds * 1000))) >= budget;
  }

  /** Why the channel holds the alert back by itself: a duplicate, or over its rate; null to send. */
  async #throttled(alert: Alert, channel: string, now: number): Promise<"duplicate" | "rate_limited" | null> {
    const last = await this.#log.lastSent(alert.key, channel);
    if (last && now - last.getTime() < this.#config.dedupSeconds * 1000) return "duplicate";
    return (await this.#overRate(channel, alert.severity, now)) ? "rate_limited" : null;
  }

  async #dispatch(alert: Alert, channels: readonly AlertChannel[]): Promise<SendResult> {
    const result: SendResult = { sent: [], held: [] };
    const now = Date.now();
    // An alert whose problem an operator acknowledged or silenced is recorded, not sent.
    const answered = channels.length ? await this.#log.answered(alert.key) : null;
    for (const channel of channels) {
      let held: string | null = answered ?? (await this.#throttled(alert, channel.name, now));
      if (held === null) {
        try {
          await channel.send(alert);
        } catch (error) {
          held = redactText(`failed: ${(error as Error).message}`, this.#secrets).slice(0, 500);
        }
      }
      await this.#log.record(alert, channel.name, held);
      if (held === null) result.sent.push(channel.name);
      else result.held.push({ channel: channel.name, reason: held });
    }
    return result;
  }
}
