// The cycle's delivery (`cycle.deliver`): confirms every product of the cycle at the destination,
// retrying what failed, then replicates the product rows into the destination's catalogue.
import pg from "pg";
import { migrate } from "../db/migrate.ts";
import { deliver } from "../delivery/deliver.ts";
import { deliverCycle } from "../delivery/ledger.ts";
import { replicateProducts } from "../delivery/replicate.ts";
import { destinationFromUrl } from "../delivery/url.ts";
import type { ActionContext } from "../worker/actions.ts";
import type { CycleContext } from "./context.ts";
import { cycleBaseTime, cycleKey } from "./names.ts";

export async function runDeliverAction(
  cycle: CycleContext,
  { variables, log }: ActionContext,
): Promise<void> {
  const baseTime = cycleBaseTime(variables);
  const key = cycleKey(cycle.settings.producer, baseTime);
  const destination = destinationFromUrl(cycle.settings.destination);
  try {
    const status = await deliverCycle(cycle.db.pool, key, destination.label, (item) =>
      deliver(destination, item, undefined, (error, attempt, delayMs) =>
        log(`${item.name}: attempt ${attempt} failed (${error.message}); retrying in ${delayMs} ms`),
      ),
    );
    log(
      `${key}: ${status.delivered} delivered (${status.bytes} bytes), ${status.failed} failed, ${status.pending} pending to ${destination.label}`,
    );
    if (status.failed > 0 || status.pending > 0)
      throw new Error(`${status.failed + status.pending} products of ${key} are not delivered`);
    const catalogueUrl = cycle.destinationCatalogueUrl;
    if (catalogueUrl) {
      const replicated = await replicateToDestination(cycle, catalogueUrl, key, baseTime, destination.label);
      log(`${replicated} product rows replicated to the destination's catalogue`);
    }
  } finally {
    await destination.close();
  }
}

/** The destination's catalogue (a second PostgreSQL, migrated to the cloudburst schema). */
async function replicateToDestination(
  cycle: CycleContext,
  url: string,
  key: string,
  baseTime: Date,
  destinationLabel: string,
): Promise<number> {
  const delivered = await cycle.db.pool.query<{ local_path: string; name: string }>(
    "select local_path, name from delivery where cycle_key = $1 and destination = $2 and state = 'delivered'",
    [key, destinationLabel],
  );
  const nameByPath = new Map(delivered.rows.map((r) => [r.local_path, r.name]));
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: "cloudburst-replicate" });
  try {
    await migrate(pool);
    return await replicateProducts(cycle.db.pool, pool, cycle.settings.producer, baseTime, (uri) => {
      const name = nameByPath.get(cycle.store.path(uri));
      return name === undefined ? null : `${destinationLabel}/${name}`;
    });
  } finally {
    await pool.end();
  }
}
