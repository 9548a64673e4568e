// Alerts to operators: each carries what failed, the HTTP code and its meaning, the provider's error
// body and the runbook link; sent by email (SMTP) and/or a webhook; deduplicated by key and
// rate-limited per channel, with the record in PostgreSQL so a restart does not resend.
import type pg from "pg";
import { httpCodeMeaning, runbookFor } from "./codes.ts";
import type { AlertsConfig } from "./config.ts";

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
  sentSince(channel: string, since: Date): Promise<number>;
  record(alert: Alert, channel: string, held: string | null): Promise<void>;
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
  async sentSince(channel: string, since: Date) {
    const r = await this.pool.query<{ n: string }>(
      "select count(*) as n from alert where channel = $1 and held is null and at >= $2",
      [channel, since],
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
}

class MemoryLog implements AlertLog {
  readonly entries: Array<{ key: string; channel: string; at: Date; held: string | null }> = [];
  async lastSent(key: string, channel: string) {
    const sent = this.entries.filter((e) => e.key === key && e.channel === channel && e.held === null);
    return sent.length ? sent[sent.length - 1]!.at : null;
  }
  async sentSince(channel: string, since: Date) {
    return this.entries.filter((e) => e.channel === channel && e.held === null && e.at >= since).length;
  }
  async record(alert: Alert, channel: string, held: string | null) {
    this.entries.push({ key: alert.key, channel, at: new Date(), held });
  }
}

const recordOnly: AlertChannel = { name: "record", send: async () => undefined };

export class Alerter {
  readonly #channels: AlertChannel[];
  readonly #config: AlertsConfig;
  readonly #log: AlertLog;

  constructor(config: AlertsConfig, channels: AlertChannel[], pool: pg.Pool | null) {
    this.#config = config;
    // With no channel configured, alerts are still recorded (the web UI and /api/alerts show them).
    this.#channels = channels.length ? channels : [recordOnly];
    this.#log = pool ? new DatabaseLog(pool) : new MemoryLog();
  }

  get channels(): readonly string[] {
    return this.#channels.map((c) => c.name);
  }

  /** Sends the alert on every channel unless it is a duplicate or the channel is over its rate. */
  async send(raw: Alert): Promise<SendResult> {
    const alert = withHttpContext(raw, this.#config);
    const result: SendResult = { sent: [], held: [] };
    const now = Date.now();
    for (const channel of this.#channels) {
      const last = await this.#log.lastSent(alert.key, channel.name);
      let held: string | null = null;
      if (last && now - last.getTime() < this.#config.dedupSeconds * 1000) held = "duplicate";
      else if (
        (await this.#log.sentSince(channel.name, new Date(now - this.#config.windowSeconds * 1000))) >=
        this.#config.maxPerWindow
      )
        held = "rate_limited";
      if (held === null) {
        try {
          await channel.send(alert);
        } catch (error) {
          held = `failed: ${(error as Error).message}`.slice(0, 500);
        }
      }
      await this.#log.record(alert, channel.name, held);
      if (held === null) result.sent.push(channel.name);
      else result.held.push({ channel: channel.name, reason: held });
    }
    return result;
  }
}
