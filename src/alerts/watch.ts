// The alert watch in the control server: looks at PostgreSQL for problems an operator must hear of
// (tasks aborted for good, deliveries failed after their retries, quarantined files, late steps) and
// raises each once. It only reads what the subsystems recorded, so the flow engine, the delivery and
// the ingest know nothing of alerts; PostgreSQL stays the source of truth: a problem's alert key is on
// record once raised, so a restart, a second server or the next pass never raises it again. It looks
// when woken (a flow change, new data) and on its own clock; the late-step check runs on the clock.
import type pg from "pg";
import type { Alert, Alerter } from "./alerts.ts";
import type { AlertsConfig } from "./config.ts";

export interface ProblemContext {
  now: Date;
  /** Problems older than this are not raised (alerts.watchLookbackHours). */
  since: Date;
  /** True for a key this process knows is raised for good: a source may skip the work of describing it. */
  settled(key: string): boolean;
}

/** One kind of problem: finds them and describes each as an alert with a key that names the problem. */
export interface ProblemSource {
  name: string;
  /** Looked at on the watch's clock only (not on every wake-up): problems that come with time. */
  clockOnly?: boolean;
  find(context: ProblemContext): Promise<Alert[]>;
}

export interface AlertWatchOptions {
  pool: pg.Pool;
  alerter: Pick<Alerter, "raise">;
  sources: ProblemSource[];
  config: Pick<AlertsConfig, "watchIntervalSeconds" | "watchLookbackHours">;
  now?: () => Date;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface WatchReport {
  /** Another process's watch was looking (it holds the lock): this pass did nothing. */
  skipped: boolean;
  /** Alerts this pass sent or recorded, by key. */
  raised: Array<{ key: string; sent: string[]; held: Array<{ channel: string; reason: string }> }>;
  errors: string[];
}

const lockName = "cloudburst-alert-watch";
/** Wake-ups come in bursts (one per task report): one pass at most this often for them. */
const nudgeDelayMs = 500;
const maxRemembered = 10_000;

export class AlertWatch {
  readonly #o: AlertWatchOptions;
  /** Keys raised for good (every channel has them on record): not asked about again. */
  readonly #settled = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #nudgeTimer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  /** A pass asked for while one runs: null for none, true if it must include the clock's sources. */
  #pending: boolean | null = null;
  #stopped = false;

  constructor(options: AlertWatchOptions) {
    this.#o = options;
  }

  /** One pass: every source (`clock: false` leaves out the clock-only ones); another process's pass makes it a no-op. */
  async scan(options: { clock?: boolean } = {}): Promise<WatchReport> {
    const clock = options.clock ?? true;
    const report: WatchReport = { skipped: false, raised: [], errors: [] };
    const client = await this.#o.pool.connect();
    const ignore = () => undefined;
    client.on("error", ignore);
    try {
      const got = await client.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtext($1)) as ok", [
        lockName,
      ]);
      if (!got.rows[0]?.ok) return { ...report, skipped: true };
      try {
        await this.#pass(clock, report);
      } finally {
        await client.query("select pg_advisory_unlock(hashtext($1))", [lockName]);
      }
    } finally {
      client.off("error", ignore);
      client.release();
    }
    return report;
  }

  async #pass(clock: boolean, report: WatchReport): Promise<void> {
    const now = this.#o.now?.() ?? new Date();
    const context: ProblemContext = {
      now,
      since: new Date(now.getTime() - this.#o.config.watchLookbackHours * 3_600_000),
      settled: (key) => this.#settled.has(key),
    };
    if (this.#settled.size > maxRemembered) this.#settled.clear();
    for (const source of this.#o.sources) {
      if (source.clockOnly && !clock) continue;
      let alerts: Alert[];
      try {
        alerts = await source.find(context);
      } catch (error) {
        report.errors.push(`${source.name}: ${(error as Error).message}`);
        this.#o.log?.(`alert watch: cannot look for ${source.name}`, { error: (error as Error).message });
        continue;
      }
      for (const alert of alerts) {
        if (this.#settled.has(alert.key)) continue;
        const result = await this.#o.alerter.raise(alert);
        if (result.settled) this.#settled.add(alert.key);
        if (result.sent.length || result.held.length) {
          report.raised.push({ key: alert.key, sent: result.sent, held: result.held });
          this.#o.log?.(alert.title, { key: alert.key, sent: result.sent, held: result.held });
        }
      }
    }
  }

  /** Looks now and then every alerts.watchIntervalSeconds, until `stop()`. */
  start(): void {
    this.#timer = setInterval(() => this.#kick(true), this.#o.config.watchIntervalSeconds * 1000);
    this.#kick(true);
  }

  /** Something changed (a task reported, data arrived): look soon. */
  nudge(): void {
    if (this.#stopped || this.#nudgeTimer) return;
    this.#nudgeTimer = setTimeout(() => {
      this.#nudgeTimer = null;
      this.#kick(false);
    }, nudgeDelayMs);
  }

  /** Resolves when no pass is running or asked for (for tests). */
  async idle(): Promise<void> {
    while (this.#running || this.#nudgeTimer) {
      if (this.#running) await this.#running;
      else await new Promise((resolve) => setTimeout(resolve, nudgeDelayMs));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#nudgeTimer) clearTimeout(this.#nudgeTimer);
    this.#nudgeTimer = null;
    await this.#running;
  }

  #kick(clock: boolean): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#pending = (this.#pending ?? false) || clock;
      return;
    }
    const passes = async () => {
      let next: boolean | null = clock;
      while (next !== null && !this.#stopped) {
        this.#pending = null;
        try {
          await this.scan({ clock: next });
        } catch (error) {
          this.#o.log?.("alert watch pass failed", { error: (error as Error).message });
        }
        next = this.#pending;
      }
    };
    this.#running = passes().finally(() => {
      this.#running = null;
    });
  }
}
