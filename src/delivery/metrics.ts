// Prometheus metrics of delivery, read from the delivery ledger in PostgreSQL when Prometheus scrapes.
import type pg from "pg";
import { Counter, Gauge, type Registry } from "prom-client";

const states = ["pending", "delivered", "failed"] as const;

export function registerDeliveryMetrics(registry: Registry, pool: pg.Pool): void {
  const registers = [registry];
  // One query for the three metrics: a scrape reads them together, and the ledger is one table.
  let reading: Promise<LedgerTotals> | null = null;
  const totals = () => {
    reading ??= ledgerTotals(pool).finally(() => {
      reading = null;
    });
    return reading;
  };
  const files: Gauge<"state"> = new Gauge({
    name: "cloudburst_delivery_files",
    help: "Files in the delivery ledger, by state (pending, delivered, failed: failed after its retries)",
    labelNames: ["state"],
    registers,
    async collect() {
      const t = await totals();
      for (const state of states) files.set({ state }, t.files[state]);
    },
  });
  const bytes: Counter = new Counter({
    name: "cloudburst_delivery_bytes_total",
    help: "Bytes of the files delivered (checksum verified, renamed into place)",
    registers,
    async collect() {
      bytes.reset();
      bytes.inc((await totals()).bytes);
    },
  });
  const retries: Counter = new Counter({
    name: "cloudburst_delivery_retries_total",
    help: "Delivery attempts beyond each file's first (retries within a delivery, and deliveries tried again)",
    registers,
    async collect() {
      retries.reset();
      retries.inc((await totals()).retries);
    },
  });
}

interface LedgerTotals {
  files: Record<(typeof states)[number], number>;
  bytes: number;
  retries: number;
}

async function ledgerTotals(pool: pg.Pool): Promise<LedgerTotals> {
  const r = await pool.query<Record<string, string | null>>(
    `select count(*) filter (where state = 'pending') as pending,
            count(*) filter (where state = 'delivered') as delivered,
            count(*) filter (where state = 'failed') as failed,
            coalesce(sum(bytes) filter (where state = 'delivered'), 0) as bytes,
            coalesce(sum(greatest(attempts - 1, 0)), 0) as retries
       from delivery`,
  );
  const row = r.rows[0] ?? {};
  const n = (key: string) => Number(row[key] ?? 0);
  return {
    files: { pending: n("pending"), delivered: n("delivered"), failed: n("failed") },
    bytes: n("bytes"),
    retries: n("retries"),
  };
}
