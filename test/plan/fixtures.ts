// A recorded cycle for the planner's tests: built in memory, and written into a real database the way
// the catalogue, the flow engine, the fleet and the delivery ledger write their rows.
import type pg from "pg";
import { stepArrivals } from "../../src/cycle/dissemination.ts";
import type { RecordedCycle } from "../../src/plan/records.ts";
import { legacyDisseminationName } from "../../src/sim/ecmwf/names.ts";

export const steps = Array.from({ length: 25 }, (_, i) => i);
export const products = [
  { name: "windvector", steps, weight: 4 },
  { name: "t2m_celsius", steps, weight: 1 },
];
export const baseTime = new Date("2026-11-24T00:00:00Z");
const minute = new Map(stepArrivals(360).map((a) => [a.step, a.minute]));
const at = (seconds: number) => new Date(baseTime.getTime() + seconds * 1000);

/**
 * A demonstration-like cycle at 10× ECMWF's rate (6 s of stream per schedule minute: a step every
 * 1.8 s), one node, each step's wind job 0.2 s then its 2 m temperature 0.05 s.
 */
export function recordedCycle(): RecordedCycle {
  const intercept = -1500;
  const received = (step: number) => intercept + 6 * minute.get(step)!;
  const jobs = steps.flatMap((step) => {
    const ready = received(step) + 0.05;
    return [
      {
        product: "windvector",
        step,
        readyAt: at(ready),
        startedAt: at(ready + 0.01),
        endedAt: at(ready + 0.21),
        worker: "n1",
        cpuSeconds: 0.19,
      },
      {
        product: "t2m_celsius",
        step,
        readyAt: at(ready),
        startedAt: at(ready + 0.22),
        endedAt: at(ready + 0.27),
        worker: "n1",
        cpuSeconds: 0.04,
      },
    ];
  });
  const first = received(0);
  const last = received(24) + 0.32;
  return {
    key: "ecmf/2026112400",
    suite: "cycle_20261124_00",
    baseTime,
    grid: 1,
    firstDataAt: at(first),
    plannedAt: at(first - 3),
    computeNodes: 1,
    files: steps.map((step) => ({
      step,
      receivedAt: at(received(step)),
      registeredAt: at(received(step) + 0.05),
    })),
    jobs,
    nodes: [
      {
        name: "n1",
        provider: "local",
        requestedAt: at(first - 2.5),
        readyAt: at(first - 0.5),
        goneAt: at(last + 0.5),
        failed: false,
      },
    ],
    delivered: steps.map((step) => ({ step, at: at(received(step) + 0.05 + 0.265) })),
  };
}

/** Writes the record's rows: catalogue (cycle, a field on its grid, files), flow, fleet and deliveries. */
export async function storeRecordedCycle(pool: pg.Pool, record: RecordedCycle): Promise<void> {
  const q = (sql: string, values: unknown[] = []) => pool.query(sql, values);
  const producer = (await q("insert into producer (name) values ('ecmf') returning id")).rows[0].id;
  const cycle = (
    await q("insert into cycle (producer_id, base_time) values ($1, $2) returning id", [
      producer,
      record.baseTime,
    ])
  ).rows[0].id;
  const geometry = (
    await q(
      "insert into geometry (name, grid_type, definition, hash) values ('g', 'regular_ll', $1, 'h') returning id",
      [
        {
          Ni: 360,
          Nj: 181,
          iDirectionIncrementInDegrees: record.grid,
          jDirectionIncrementInDegrees: record.grid,
        },
      ],
    )
  ).rows[0].id;
  await q("select catalogue_ensure_partitions($1::date)", [record.baseTime.toISOString().slice(0, 10)]);
  for (const file of record.files) {
    const id = (
      await q(
        `insert into ingest_file (name, version, size, checksum, state, source, received_at, registered_at, min_base_time, max_base_time)
         values ($1, 1, 1, $1, 'registered', 'test', $2, $4, $3, $3) returning id`,
        [
          legacyDisseminationName("A1", "D", record.baseTime, file.step),
          file.receivedAt,
          record.baseTime,
          file.registeredAt,
        ],
      )
    ).rows[0].id;
    await q(
      `insert into field (base_time, cycle_id, producer_id, param_id, level_type_id, level_value, start_step, end_step,
         step_range, step_type, geometry_id, edition, packing_type, storage_uri, byte_offset, byte_length, checksum,
         ingest_file_id, received_at)
       values ($1, $2, $3, 1, 1, 0, $4, $4, $8, 'instant', $5, 1, 'grid_simple', 'store:x', 0, 1, '\\x00', $6, $7)`,
      [record.baseTime, cycle, producer, file.step, geometry, id, file.receivedAt, String(file.step)],
    );
  }
  const suite = (
    await q("insert into flow_suite (name, def_text, begun_at) values ($1, '', $2) returning id", [
      record.suite,
      record.plannedAt,
    ])
  ).rows[0].id;
  for (const job of record.jobs) {
    const path = `/${record.suite}/products/step_${String(job.step).padStart(3, "0")}/${job.product}`;
    await q(
      `insert into flow_node (suite_id, path, kind, state, data_ready_at, labels, worker) values ($1, $2, 'task', 'complete', $3, $4, $5)`,
      [suite, path, job.readyAt, { cpu: String(job.cpuSeconds) }, job.worker],
    );
    for (const [state, time] of [
      ["submitted", job.readyAt],
      ["active", job.startedAt],
      ["complete", job.endedAt],
    ] as const)
      await q(
        `insert into flow_history (suite_id, path, at, kind, to_state, try_no, actor) values ($1, $2, $3, 'state', $4, 1, $5)`,
        [suite, path, time, state, state === "submitted" ? "engine" : job.worker],
      );
  }
  await q(
    `insert into fleet_cycle (environment, cycle, data_at, compute_nodes, state, created_at) values ('dev', $1, $2, $3, 'delivered', $4)`,
    [record.key, record.firstDataAt, record.computeNodes, record.plannedAt],
  );
  for (const [i, node] of record.nodes.entries()) {
    await q(
      `insert into fleet_node (environment, cycle, role, provider, provider_id, name, state, requested_at, ready_at, gone_at)
       values ('dev', $1, 'compute', $2, $3, $4, $5, $6, $7, $8)`,
      [
        record.key,
        node.provider,
        `id-${i}`,
        node.name,
        node.failed ? "failed" : "destroyed",
        node.requestedAt,
        node.readyAt,
        node.goneAt,
      ],
    );
    if (node.readyAt)
      await q(
        "insert into fleet_provision_sample (provider, batch_size, seconds, at) values ($1, 1, $2, $3)",
        [node.provider, (node.readyAt.getTime() - node.requestedAt.getTime()) / 1000, node.readyAt],
      );
  }
  for (const d of record.delivered)
    await q(
      `insert into delivery (cycle_key, step, destination, name, local_path, bytes, sha256, state, delivered_at)
       values ($1, $2, 'dir', $3, '/x', 1, $3, 'delivered', $4)`,
      [record.key, d.step, `p${d.step}`, d.at],
    );
}
