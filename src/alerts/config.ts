// The `alerts:` section: channels (SMTP, webhook), deduplication, rate limit, runbook links, and the
// control server's watch for operational problems (aborted tasks, failed deliveries, quarantine, late steps).
import { z } from "zod";

export const alertsConfigSchema = z
  .strictObject({
    smtp: z
      .strictObject({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(25),
        secure: z.boolean().default(false),
        from: z.string().min(3),
        to: z.array(z.string().min(3)).min(1),
        /** The password comes from CLOUDBURST_SMTP_PASSWORD, never from the file. */
        user: z.string().min(1).optional(),
      })
      .optional(),
    webhook: z
      .strictObject({ url: z.url(), timeoutMs: z.number().int().min(100).default(10_000) })
      .optional(),
    /** An alert with the same key is sent once per window. */
    dedupSeconds: z.number().int().min(0).default(3600),
    /**
     * At most this many alerts per channel and severity per rate window (one number for each severity,
     * or one per severity); the rest are held and recorded. Each severity has its own budget, so a
     * flood of warnings never holds back a critical alert.
     */
    maxPerWindow: z
      .union([
        z.number().int().min(1),
        z.strictObject({
          critical: z.number().int().min(1).default(20),
          warning: z.number().int().min(1).default(20),
          info: z.number().int().min(1).default(20),
        }),
      ])
      .default(20),
    windowSeconds: z.number().int().min(1).default(3600),
    /** Runbook link per HTTP code ("402": "https://wiki/…/402"); `default` for the rest. */
    runbooks: z.record(z.string().regex(/^\d{3}$/), z.url()).default({}),
    defaultRunbook: z.url().optional(),
    /**
     * The control server watches PostgreSQL for problems an operator must hear of: tasks aborted on their
     * last try, deliveries that failed after their retries, quarantined files and late steps. Each is
     * alerted once (its key stays on record), whichever server or restart sees it first.
     */
    watch: z.boolean().default(true),
    /** How often the watch looks without being woken by a change (late steps are found on this clock). */
    watchIntervalSeconds: z.number().int().min(1).max(3600).default(15),
    /** Problems older than this when the watch first sees them are not alerted (e.g. after an upgrade). */
    watchLookbackHours: z.number().int().min(1).default(24),
    /** A step is late when its products are not all made and delivered this long after its data arrived. */
    lateStepSeconds: z.number().int().min(1).default(600),
    /** A channel that failed to send an alert about a problem is tried again after this long. */
    retryFailedSeconds: z.number().int().min(1).default(300),
  })
  .prefault({});

export type AlertsConfig = z.infer<typeof alertsConfigSchema>;

export const alertsEnvironmentKeys = { smtpPassword: "CLOUDBURST_SMTP_PASSWORD" } as const;
