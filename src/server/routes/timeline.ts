// GET /api/timeline: one cycle's story on one time axis, for the UI's chart: data arrivals, compute
// node lifetimes, job runs and deliveries, each with its forecast step where it has one (so operators
// can tell which step's file, job or delivery a bar is).
import type { FastifyPluginAsync } from "fastify";

const querySchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    /** The cycle's key as deliveries and the fleet file it (e.g. ecmf/2026112400); default: the latest. */
    cycle: { type: "string", maxLength: 200 },
  },
} as const;

interface Interval {
  label: string;
  start: string;
  end: string | null;
  state?: string;
  /** Forecast step in hours, when the item belongs to one. */
  step?: number | null;
}

/** The step of a cycle suite's job, from its `step_NNN` family (the cycle suite's naming). */
function stepOfPath(path: string): number | null {
  const m = /\/step_(\d+)(?:\/|$)/.exec(path);
  return m ? Number(m[1]) : null;
}

export const timelineRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { cycle?: string } }>(
    "/timeline",
    { schema: { querystring: querySchema } },
    async (request) => {
      const pool = app.pool;
      const latest = await pool.query<{ cycle_key: string }>(
        "select cycle_key from delivery order by id desc limit 1",
      );
      const cycle = request.query.cycle ?? latest.rows[0]?.cycle_key ?? null;
      const deliveries = await pool.query<{
        name: string;
        queued_at: Date;
        delivered_at: Date | null;
        state: string;
        step: number | null;
      }>("select name, queued_at, delivered_at, state, step from delivery where cycle_key = $1 order by id", [
        cycle,
      ]);
      const nodes = await pool.query<{
        name: string;
        requested_at: Date;
        ready_at: Date | null;
        gone_at: Date | null;
        state: string;
      }>(
        `select name, requested_at, ready_at, gone_at, state from fleet_node
        where ($1::text is null or cycle = $1) order by id desc limit 200`,
        [cycle],
      );
      const first =
        deliveries.rows[0]?.queued_at ?? nodes.rows.at(-1)?.requested_at ?? new Date(Date.now() - 3_600_000);
      const since = new Date(first.getTime() - 30 * 60_000);
      // The step a dissemination file is for comes from its name (LEGACY, ECMWF or WMO template).
      const arrivals = await pool.query<{
        name: string;
        received_at: Date;
        registered_at: Date;
        step: number | null;
      }>(
        `select name, received_at, registered_at, (name_info->>'step')::float8 as step from ingest_file
        where received_at >= $1 order by received_at limit 1000`,
        [since],
      );
      const history = await pool.query<{ path: string; at: Date; to_state: string }>(
        `select path, at, to_state from flow_history
        where at >= $1 and kind = 'state' and to_state in ('active', 'complete', 'aborted') order by id limit 20000`,
        [since],
      );
      const open = new Map<string, Date>();
      const jobs: Interval[] = [];
      for (const row of history.rows) {
        if (row.to_state === "active") open.set(row.path, row.at);
        else if (open.has(row.path)) {
          jobs.push({
            label: row.path,
            start: open.get(row.path)!.toISOString(),
            end: row.at.toISOString(),
            state: row.to_state,
            step: stepOfPath(row.path),
          });
          open.delete(row.path);
        }
      }
      const iso = (d: Date | null) => d?.toISOString() ?? null;
      return {
        cycle,
        arrivals: arrivals.rows.map((r) => ({
          label: r.name,
          start: iso(r.received_at)!,
          end: iso(r.registered_at),
          step: r.step,
        })),
        nodes: nodes.rows.map((r) => ({
          label: `${r.name} (${r.state})`,
          start: iso(r.requested_at)!,
          end: iso(r.gone_at),
          state: r.state,
        })),
        jobs,
        deliveries: deliveries.rows.map((r) => ({
          label: r.name,
          start: iso(r.queued_at)!,
          end: iso(r.delivered_at),
          state: r.state,
          step: r.step,
        })),
      };
    },
  );
};
