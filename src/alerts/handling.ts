// Operators' answers to alerts, and the alert record as they see it: acknowledge a problem, silence
// alerts for a time, and list alerts by kind (the key's first word: fleet, abort, delivery, ...),
// severity and state. The SQL is kept together here.
import type pg from "pg";

/** An alert's state for an operator: sent and not yet answered, acknowledged, or held back. */
export const alertStates = ["open", "acknowledged", "held"] as const;
export type AlertState = (typeof alertStates)[number];

export interface AlertFilter {
  limit: number;
  kind?: string | undefined;
  severity?: string | undefined;
  state?: AlertState | undefined;
}

export interface AlertEntry {
  id: number;
  key: string;
  kind: string;
  channel: string;
  severity: string;
  title: string;
  text: string | null;
  httpCode: number | null;
  meaning: string | null;
  runbook: string | null;
  held: string | null;
  state: AlertState;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  at: string;
}

export interface Silence {
  id: number;
  matcher: string;
  reason: string;
  createdBy: string;
  createdAt: string;
  endsAt: string;
}

interface AlertRow {
  id: string;
  key: string;
  channel: string;
  severity: string;
  title: string;
  body: { text?: string; httpCode?: number; meaning?: string; runbook?: string };
  held: string | null;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  at: Date;
}

const kindOf = (key: string) => key.split(":", 1)[0]!;

function stateOf(row: Pick<AlertRow, "held" | "acknowledged_at">): AlertState {
  if (row.acknowledged_at) return "acknowledged";
  return row.held ? "held" : "open";
}

const listSql = `
  select id, key, channel, severity, title, body, held, acknowledged_at, acknowledged_by, at
    from alert
   where ($2::text is null or split_part(key, ':', 1) = $2)
     and ($3::text is null or severity = $3)
     and ($4::text is null
          or ($4 = 'acknowledged' and acknowledged_at is not null)
          or ($4 = 'held' and acknowledged_at is null and held is not null)
          or ($4 = 'open' and acknowledged_at is null and held is null))
   order by id desc
   limit $1`;

export async function listAlerts(pool: pg.Pool, filter: AlertFilter): Promise<AlertEntry[]> {
  const { rows } = await pool.query<AlertRow>(listSql, [
    filter.limit,
    filter.kind ?? null,
    filter.severity ?? null,
    filter.state ?? null,
  ]);
  return rows.map((r) => ({
    id: Number(r.id),
    key: r.key,
    kind: kindOf(r.key),
    channel: r.channel,
    severity: r.severity,
    title: r.title,
    text: r.body.text ?? null,
    httpCode: r.body.httpCode ?? null,
    meaning: r.body.meaning ?? null,
    runbook: r.body.runbook ?? null,
    held: r.held,
    state: stateOf(r),
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
    at: r.at.toISOString(),
  }));
}

/** The kinds of alerts on record, for a filter's choices. */
export async function alertKinds(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ kind: string }>(
    "select distinct split_part(key, ':', 1) as kind from alert order by 1",
  );
  return rows.map((r) => r.kind);
}

/** Acknowledges the problem of alert `id` (every record of its key); null when there is no such alert. */
export async function acknowledgeAlert(
  pool: pg.Pool,
  id: number,
  by: string,
): Promise<{ key: string; acknowledged: number } | null> {
  const { rows } = await pool.query<{ key: string; n: string }>(
    `with target as (select key from alert where id = $1),
          done as (
            update alert set acknowledged_at = now(), acknowledged_by = $2
             where key = (select key from target) and acknowledged_at is null
            returning 1)
     select (select key from target) as key, (select count(*) from done) as n`,
    [id, by],
  );
  const row = rows[0];
  return row?.key ? { key: row.key, acknowledged: Number(row.n) } : null;
}

/** Matches `key` against a silence's matcher: the key itself, or a prefix ending in '*'. */
const matchesSql = `(matcher = $1 or (right(matcher, 1) = '*' and starts_with($1, left(matcher, -1))))`;

export async function addSilence(
  pool: pg.Pool,
  silence: { matcher: string; minutes: number; reason: string; by: string },
): Promise<Silence> {
  const { rows } = await pool.query<SilenceRow>(
    `insert into alert_silence (matcher, reason, created_by, ends_at)
     values ($1, $2, $3, now() + make_interval(mins => $4))
     returning id, matcher, reason, created_by, created_at, ends_at`,
    [silence.matcher, silence.reason, silence.by, silence.minutes],
  );
  return silenceOf(rows[0]!);
}

/** Silences still running, soonest end first. */
export async function activeSilences(pool: pg.Pool): Promise<Silence[]> {
  const { rows } = await pool.query<SilenceRow>(
    `select id, matcher, reason, created_by, created_at, ends_at from alert_silence
      where ends_at > now() order by ends_at`,
  );
  return rows.map(silenceOf);
}

/** Ends a silence now; false when it was not running. */
export async function endSilence(pool: pg.Pool, id: number): Promise<boolean> {
  const { rowCount } = await pool.query(
    "update alert_silence set ends_at = now() where id = $1 and ends_at > now()",
    [id],
  );
  return rowCount === 1;
}

/** Why an alert of `key` is held back by an operator's answer now, if it is. */
export async function answeredHold(pool: pg.Pool, key: string): Promise<"silenced" | "acknowledged" | null> {
  const { rows } = await pool.query<{ reason: "silenced" | "acknowledged" | null }>(
    `select case
              when exists (select 1 from alert_silence where ends_at > now() and ${matchesSql}) then 'silenced'
              when exists (select 1 from alert where key = $1 and acknowledged_at is not null) then 'acknowledged'
            end as reason`,
    [key],
  );
  return rows[0]?.reason ?? null;
}

interface SilenceRow {
  id: string;
  matcher: string;
  reason: string;
  created_by: string;
  created_at: Date;
  ends_at: Date;
}

function silenceOf(r: SilenceRow): Silence {
  return {
    id: Number(r.id),
    matcher: r.matcher,
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
  };
}
