// The audit log: who did what to which subject, for operators and auditors (table audit_log).
import type pg from "pg";

export async function recordAudit(
  db: pg.Pool | pg.PoolClient,
  entry: { actor: string; action: string; subject: string; details?: Record<string, unknown> },
): Promise<void> {
  await db.query("insert into audit_log (actor, action, subject, details) values ($1, $2, $3, $4)", [
    entry.actor,
    entry.action,
    entry.subject,
    JSON.stringify(entry.details ?? {}),
  ]);
}
