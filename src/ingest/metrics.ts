// Prometheus metrics of ingest, registered on the control server's registry when it has one.
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export interface IngestMetrics {
  files: Counter<"outcome" | "receiver">;
  fields: Counter<"change">;
  quarantined: Counter<"code">;
  bytes: Counter;
  duration: Histogram;
  queued: Gauge;
}

export function createIngestMetrics(registry: Registry = new Registry()): IngestMetrics {
  const registers = [registry];
  return {
    files: new Counter({
      name: "cloudburst_ingest_files_total",
      help: "Files ingested, by outcome (registered, partial, rejected, duplicate, failed) and receiver",
      labelNames: ["outcome", "receiver"],
      registers,
    }),
    fields: new Counter({
      name: "cloudburst_ingest_fields_total",
      help: "Fields registered, by change (new, updated, unchanged)",
      labelNames: ["change"],
      registers,
    }),
    quarantined: new Counter({
      name: "cloudburst_ingest_quarantined_total",
      help: "Regions of files quarantined, by reason code",
      labelNames: ["code"],
      registers,
    }),
    bytes: new Counter({ name: "cloudburst_ingest_bytes_total", help: "Bytes of files ingested", registers }),
    duration: new Histogram({
      name: "cloudburst_ingest_file_seconds",
      help: "Time from a complete file to its committed catalogue rows",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    queued: new Gauge({
      name: "cloudburst_ingest_queue_files",
      help: "Files waiting to be ingested",
      registers,
    }),
  };
}
