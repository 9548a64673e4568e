// The configuration file's schema: every key, its type and its default. Unknown keys are errors.
import { z } from "zod";
import { alertsConfigSchema } from "../alerts/config.ts";
import { catalogueConfigSchema } from "../catalogue/config.ts";
import { cycleConfigSchema } from "../cycle/config.ts";
import { fleetConfigSchema } from "../fleet/config.ts";
import { ingestConfigSchema } from "../ingest/config.ts";
import { storeConfigSchema } from "../store/config.ts";

const logLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

const server = z
  .strictObject({
    host: z.string().min(1).default("127.0.0.1"),
    port: z.number().int().min(0).max(65535).default(8080),
    /** The address workers and browsers use to reach this server, when it differs from host:port. */
    publicUrl: z.url().optional(),
    /**
     * HTTPS for the API, the web UI and the worker protocol. Without certFile and keyFile a certificate
     * is generated once into dataDir/tls; nodes pin its fingerprint from their user data.
     */
    tls: z
      .strictObject({
        enabled: z.boolean().default(false),
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
      })
      .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
        message: "give both certFile and keyFile, or neither (a certificate is then generated)",
      })
      .prefault({}),
  })
  .prefault({});

const database = z
  .strictObject({
    /** Connections per process. */
    poolSize: z.number().int().min(1).max(200).default(10),
    embedded: z
      .strictObject({
        /** 0 picks a free port at start; other processes find it in the cluster's postmaster.pid. */
        port: z.number().int().min(0).max(65535).default(0),
      })
      .prefault({}),
  })
  .prefault({});

export const configSchema = z
  .strictObject({
    /** Where the embedded database, the store and other state live; relative to the configuration file. */
    dataDir: z.string().min(1).default(".cloudburst"),
    log: z.strictObject({ level: logLevel.default("info") }).prefault({}),
    server,
    database,
    store: storeConfigSchema,
    ingest: ingestConfigSchema,
    catalogue: catalogueConfigSchema,
    fleet: fleetConfigSchema,
    alerts: alertsConfigSchema,
    cycle: cycleConfigSchema,
  })
  .prefault({});

export type ConfigFile = z.infer<typeof configSchema>;

/** Secrets and deployment settings that come from the environment, never from the file. */
export const environmentKeys = {
  databaseUrl: "DATABASE_URL",
  configFile: "CLOUDBURST_CONFIG",
} as const;
