// Wiring of the alert watch in the control server: the alerter the configuration describes and the
// problem sources, started unless `alerts.watch` is false.
import type pg from "pg";
import type { StoreConfig } from "../store/config.ts";
import { storeOf } from "../store/store.ts";
import { alerterFromConfig } from "./channels.ts";
import type { AlertsConfig } from "./config.ts";
import { abortedTasks, failedDeliveryProblems, quarantineProblems } from "./problems.ts";
import { AlertWatch, type ProblemSource } from "./watch.ts";

interface Logger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface AlertWatchWiring {
  /** More problem sources (e.g. the cycle's late steps). */
  sources?: ProblemSource[];
  /** The task that delivers a cycle's products, named in delivery alerts. */
  deliverTask?: (cycleKey: string) => string | null;
}

/** Starts the watch (null when `alerts.watch` is false); `nudge()` it on changes, `stop()` it at shutdown. */
export function startAlertWatch(
  config: { alerts: AlertsConfig; dataDir: string; store: Pick<StoreConfig, "dir"> },
  pool: pg.Pool,
  logger: Logger,
  wiring: AlertWatchWiring = {},
): AlertWatch | null {
  if (!config.alerts.watch) return null;
  const store = storeOf(config);
  const watch = new AlertWatch({
    pool,
    alerter: alerterFromConfig(config.alerts, pool),
    config: config.alerts,
    sources: [
      abortedTasks(pool),
      failedDeliveryProblems(pool, wiring.deliverTask),
      quarantineProblems(pool, (uri) => store.path(uri)),
      ...(wiring.sources ?? []),
    ],
    log: (message, fields) => logger.warn(fields ?? {}, message),
  });
  watch.start();
  return watch;
}
