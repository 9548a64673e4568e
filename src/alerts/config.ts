// The `alerts:` section: channels (SMTP, webhook), deduplication, rate limit and runbook links.
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
    /** At most this many alerts per channel per rate window; the rest are counted and summarised. */
    maxPerWindow: z.number().int().min(1).default(20),
    windowSeconds: z.number().int().min(1).default(3600),
    /** Runbook link per HTTP code ("402": "https://wiki/…/402"); `default` for the rest. */
    runbooks: z.record(z.string().regex(/^\d{3}$/), z.url()).default({}),
    defaultRunbook: z.url().optional(),
  })
  .prefault({});

export type AlertsConfig = z.infer<typeof alertsConfigSchema>;

export const alertsEnvironmentKeys = { smtpPassword: "CLOUDBURST_SMTP_PASSWORD" } as const;
