// `npm run bench metrics [DAYS]`: the time one Prometheus scrape of /metrics takes with the subsystems'
// metrics read from PostgreSQL, on DAYS (default 30) of recorded cycles (4 a day, 600 product tasks
// each with their history, 10 nodes, 600 deliveries), against the scrape of the HTTP and Node metrics
// alone (what /metrics answered before). The catalogue is left empty: the cycle metrics' queries of it
// are indexed lookups of one cycle.
import { Registry } from "prom-client";
import { registerCycleMetrics } from "../src/cycle/metrics.ts";
import { registerDeliveryMetrics } from "../src/delivery/metrics.ts";
import { registerFleetMetrics } from "../src/fleet/metrics.ts";
import { registerFlowMetrics } from "../src/flow/engine/metrics.ts";
import { createServerMetrics } from "../src/server/metrics.ts";
import { createTestDatabase, type TestDatabase } from "../test/helpers/database.ts";

const TASKS = 600;

async function seed(db: TestDatabase, days: number): Promise<void> {
  const cycles = days * 4;
  await db.pool.query(
    `insert into flow_suite (name, def_text, begun_at)
     select format('cycle_%s', to_char(timestamp '2026-01-01' + c * interval '6 hours', 'YYYYMMDD_HH24')), '',
            now() - ($1 - c) * interval '6 hours'
       from generate_series(0, $1 - 1) c`,
    [cycles],
  );
  await db.pool.query(
    `insert into flow_node (suite_id, path, kind, state)
     select s.id, format('/%s/products/step_%s/t%s', s.name, lpad((t / 6)::text, 3, '0'), t % 6), 'task',
            case when s.name = (select max(name) from flow_suite) and t % 97 = 0 then 'aborted' else 'complete' end
       from flow_suite s, generate_series(0, $1 - 1) t`,
    [TASKS],
  );
  await db.pool.query(
    `insert into flow_history (suite_id, path, kind, from_state, to_state, try_no, actor)
     select n.suite_id, n.path, 'state', x.from_state, x.to_state, 1, x.actor
       from flow_node n,
            (values ('queued', 'submitted', 'engine'), ('submitted', 'active', 'worker'),
                    ('active', 'complete', 'worker')) as x(from_state, to_state, actor)`,
  );
  await db.pool.query(
    `insert into fleet_node (environment, cycle, role, provider, provider_id, name, state, requested_at, ready_at,
                             gone_at, price_per_hour, currency)
     select 'bench', format('ecmf/%s', c), 'compute', 'cloudsigma', format('p-%s-%s', c, i), format('n-%s-%s', c, i),
            'destroyed', now() - interval '1 day', now() - interval '1 day' + interval '25 s', now(), 0.5, 'EUR'
       from generate_series(0, $1 - 1) c, generate_series(0, 9) i`,
    [cycles],
  );
  await db.pool.query(
    `insert into delivery (cycle_key, step, destination, name, local_path, bytes, sha256, state, attempts, delivered_at)
     select format('ecmf/%s', to_char(timestamp '2026-01-01' + c * interval '6 hours', 'YYYYMMDDHH24')), i / 6,
            'file:///products', format('p-%s-%s', c, i), '/tmp/p', 1000000, md5(format('%s-%s', c, i)), 'delivered', 1, now()
       from generate_series(0, $1 - 1) c, generate_series(0, $2 - 1) i`,
    [cycles, TASKS],
  );
  await db.pool.query("analyze");
}

/** The best of `runs` scrapes, in ms, and the number of series. */
async function scrape(registry: Registry, runs: number): Promise<{ ms: number; series: number }> {
  let best = Number.POSITIVE_INFINITY;
  let text = "";
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    text = await registry.metrics();
    best = Math.min(best, performance.now() - start);
  }
  return { ms: best, series: text.split("\n").filter((l) => l && !l.startsWith("#")).length };
}

export async function run(args: string[]): Promise<void> {
  const days = Number(args[0] ?? 30);
  const db = await createTestDatabase();
  try {
    await seed(db, days);
    const parts: Array<[string, (r: Registry) => void]> = [
      ["flow", (r) => registerFlowMetrics(r, db.pool)],
      [
        "fleet",
        (r) =>
          registerFleetMetrics(r, db.pool, { environment: "bench", nodePricePerHour: 0.5, currency: "EUR" }),
      ],
      ["delivery", (r) => registerDeliveryMetrics(r, db.pool)],
      ["cycle", (r) => registerCycleMetrics(r, db.pool, { producer: "ecmf", lateStepSeconds: 600 })],
    ];
    const before = createServerMetrics();
    const after = createServerMetrics();
    for (const [, register] of parts) register(after.registry);
    await scrape(after.registry, 2);
    const base = await scrape(before.registry, 7);
    const full = await scrape(after.registry, 7);
    const rows: string[] = [];
    for (const [name, register] of parts) {
      const alone = new Registry();
      register(alone);
      const part = await scrape(alone, 5);
      rows.push(`| ${name} alone | ${part.ms.toFixed(1)} | ${part.series} |`);
    }
    process.stdout.write(
      [
        `${days} days: ${days * 4} cycles, ${days * 4 * TASKS} tasks, ${days * 4 * TASKS * 3} history rows, ` +
          `${days * 4 * 10} nodes, ${days * 4 * TASKS} deliveries; best of 7 scrapes (5 for each part alone)`,
        "| scrape | ms | series |",
        "|---|---:|---:|",
        `| HTTP and Node metrics (before) | ${base.ms.toFixed(1)} | ${base.series} |`,
        `| with flow, fleet, delivery, cycle | ${full.ms.toFixed(1)} | ${full.series} |`,
        ...rows,
        `ratio: ${(full.ms / base.ms).toFixed(1)}`,
        "",
      ].join("\n"),
    );
  } finally {
    await db.drop();
  }
}
