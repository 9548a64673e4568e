// The fleet's rows in PostgreSQL: cycles (desired state), nodes (what we asked for and what it cost),
// provisioning samples (for the lead time).
import type pg from "pg";
import { WORKER_LOST_CHANNEL } from "../flow/engine/worker-lost.ts";
import type { ProvisionSample } from "./leadtime.ts";
import type { Cycle, CycleState } from "./plan.ts";
import type { NodeRole } from "./provider.ts";

export interface NodeRow {
  id: number;
  environment: string;
  cycle: string;
  role: NodeRole;
  provider: string;
  providerId: string | null;
  name: string;
  state: "creating" | "ready" | "stopped" | "destroying" | "destroyed" | "failed";
  requestedAt: Date;
  readyAt: Date | null;
  goneAt: Date | null;
  pricePerHour: number | null;
  currency: string | null;
  error: string | null;
  /** Its static address on the private network (fleet.vlan); null without one. */
  vlanAddress: string | null;
  /** When its worker last called the worker protocol; null until its first call. */
  workerSeenAt: Date | null;
}

type Queryable = pg.Pool | pg.PoolClient;

function toCycle(r: Record<string, unknown>): Cycle {
  return {
    environment: r["environment"] as string,
    cycle: r["cycle"] as string,
    dataAt: r["data_at"] as Date,
    computeNodes: r["compute_nodes"] as number,
    state: r["state"] as CycleState,
    processedAt: (r["processed_at"] as Date | null) ?? null,
    deliveredAt: (r["delivered_at"] as Date | null) ?? null,
    refusedReason: (r["refused_reason"] as string | null) ?? null,
  };
}

function toNode(r: Record<string, unknown>): NodeRow {
  return {
    id: Number(r["id"]),
    environment: r["environment"] as string,
    cycle: r["cycle"] as string,
    role: r["role"] as NodeRole,
    provider: r["provider"] as string,
    providerId: (r["provider_id"] as string | null) ?? null,
    name: r["name"] as string,
    state: r["state"] as NodeRow["state"],
    requestedAt: r["requested_at"] as Date,
    readyAt: (r["ready_at"] as Date | null) ?? null,
    goneAt: (r["gone_at"] as Date | null) ?? null,
    pricePerHour: r["price_per_hour"] === null ? null : Number(r["price_per_hour"]),
    currency: (r["currency"] as string | null) ?? null,
    error: (r["error"] as string | null) ?? null,
    vlanAddress: (r["vlan_address"] as string | null) ?? null,
    workerSeenAt: (r["worker_seen_at"] as Date | null) ?? null,
  };
}

export class FleetStore {
  readonly pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** Creates or updates a cycle's plan (data time and N); a finished cycle keeps its state. */
  async planCycle(environment: string, cycle: string, dataAt: Date, computeNodes: number): Promise<Cycle> {
    const r = await this.pool.query(
      `insert into fleet_cycle (environment, cycle, data_at, compute_nodes) values ($1, $2, $3, $4)
       on conflict (environment, cycle) do update
         set data_at = excluded.data_at, compute_nodes = excluded.compute_nodes, updated_at = now()
       returning *`,
      [environment, cycle, dataAt, computeNodes],
    );
    return toCycle(r.rows[0]);
  }

  /** The operator's N for a cycle (or every open cycle of the environment when cycle is null). */
  async setComputeNodes(environment: string, cycle: string | null, n: number): Promise<number> {
    const r = await this.pool.query(
      `update fleet_cycle set compute_nodes = $3, updated_at = now()
       where environment = $1 and ($2::text is null or cycle = $2) and state in ('planned', 'processing', 'refused')
       returning cycle`,
      [environment, cycle, n],
    );
    // A refused cycle whose N changed gets another balance check.
    await this.pool.query(
      `update fleet_cycle set state = 'planned', refused_reason = null
       where environment = $1 and ($2::text is null or cycle = $2) and state = 'refused'`,
      [environment, cycle],
    );
    return r.rowCount ?? 0;
  }

  async setCycleState(environment: string, cycle: string, state: CycleState, reason?: string): Promise<void> {
    await this.pool.query(
      `update fleet_cycle set state = $3, updated_at = now(),
         processed_at = case when $3 = 'processed' then coalesce(processed_at, now()) else processed_at end,
         delivered_at = case when $3 = 'delivered' then coalesce(delivered_at, now()) else delivered_at end,
         refused_reason = case when $3 = 'refused' then $4 else refused_reason end
       where environment = $1 and cycle = $2`,
      [environment, cycle, state, reason ?? null],
    );
  }

  async cycles(environment: string, openOnly = true): Promise<Cycle[]> {
    const r = await this.pool.query(
      `select * from fleet_cycle where environment = $1
         and (not $2 or state not in ('delivered', 'cancelled')
              or exists (select 1 from fleet_node n where n.environment = fleet_cycle.environment
                         and n.cycle = fleet_cycle.cycle and n.gone_at is null))
       order by data_at`,
      [environment, openOnly],
    );
    return r.rows.map(toCycle);
  }

  /** Cycles delivered since `since` with no node left: an operator may still rerun their jobs. */
  async deliveredSince(environment: string, since: Date): Promise<Cycle[]> {
    const r = await this.pool.query(
      `select * from fleet_cycle where environment = $1 and state = 'delivered' and delivered_at >= $2
         and not exists (select 1 from fleet_node n where n.environment = fleet_cycle.environment
                         and n.cycle = fleet_cycle.cycle and n.gone_at is null)
       order by data_at`,
      [environment, since],
    );
    return r.rows.map(toCycle);
  }

  async cycle(environment: string, cycle: string): Promise<Cycle | null> {
    const r = await this.pool.query("select * from fleet_cycle where environment = $1 and cycle = $2", [
      environment,
      cycle,
    ]);
    return r.rows[0] ? toCycle(r.rows[0]) : null;
  }

  async addNode(
    db: Queryable,
    node: {
      environment: string;
      cycle: string;
      role: NodeRole;
      provider: string;
      name: string;
      price: { perHour: number; currency: string } | null;
      vlanAddress?: string | null;
    },
  ): Promise<number> {
    const r = await db.query<{ id: string }>(
      `insert into fleet_node (environment, cycle, role, provider, name, price_per_hour, currency, vlan_address)
       values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
      [
        node.environment,
        node.cycle,
        node.role,
        node.provider,
        node.name,
        node.price?.perHour ?? null,
        node.price?.currency ?? null,
        node.vlanAddress ?? null,
      ],
    );
    return Number(r.rows[0]!.id);
  }

  /** The private-network addresses live nodes of the environment hold (a gone node's is free). */
  async vlanAddressesInUse(environment: string): Promise<string[]> {
    const r = await this.pool.query<{ address: string }>(
      "select host(vlan_address) as address from fleet_node where environment = $1 and gone_at is null and vlan_address is not null",
      [environment],
    );
    return r.rows.map((row) => row.address);
  }

  /**
   * The provider made the requested node (or the next pass found it): the row takes its id. A request
   * given up meanwhile stays given up; the next pass records the node as found instead.
   */
  async nodeCreated(id: number, providerId: string, name: string, ready: boolean): Promise<boolean> {
    const r = await this.pool.query(
      `update fleet_node set provider_id = $2, name = $3, state = $4, ready_at = case when $5 then now() else ready_at end
       where id = $1 and provider_id is null and gone_at is null`,
      [id, providerId, name, ready ? "ready" : "creating", ready],
    );
    return r.rowCount === 1;
  }

  /**
   * A create failed. Without a node nothing bills: the row is done. With the node the provider had
   * already made, the row keeps it, live, and the reconcile loop removes it.
   */
  async nodeFailed(id: number, error: string, node?: { id: string; name: string }): Promise<void> {
    await this.pool.query(
      `update fleet_node set error = $2,
         provider_id = coalesce(provider_id, $3), name = case when $3::text is null then name else $4 end,
         state = case when coalesce(provider_id, $3) is null then 'failed' else state end,
         gone_at = case when coalesce(provider_id, $3) is null then coalesce(gone_at, now()) else gone_at end
       where id = $1 and gone_at is null`,
      [id, error.slice(0, 2000), node?.id ?? null, node?.name ?? null],
    );
  }

  /** A request no node answers: nothing was made for it, so nothing bills. */
  async requestGivenUp(id: number, reason: string): Promise<void> {
    await this.pool.query(
      `update fleet_node set state = 'failed', error = $2, gone_at = now()
       where id = $1 and provider_id is null and gone_at is null`,
      [id, reason.slice(0, 2000)],
    );
  }

  /** Records a node of ours that no row knew (billed from now: when it was made is not known). */
  async nodeFound(node: {
    environment: string;
    cycle: string;
    provider: string;
    providerId: string;
    name: string;
    ready: boolean;
  }): Promise<void> {
    await this.pool.query(
      `insert into fleet_node (environment, cycle, role, provider, provider_id, name, state, ready_at, error)
       values ($1, $2, 'compute', $3, $4, $5, $6, case when $7 then now() end,
               'found on the provider with no record: its create was never recorded')
       on conflict do nothing`,
      [
        node.environment,
        node.cycle,
        node.provider,
        node.providerId,
        node.name,
        node.ready ? "ready" : "creating",
        node.ready,
      ],
    );
  }

  /** Of `ids`, those some row (live or gone) has as its provider id. */
  async knownIds(provider: string, ids: readonly string[]): Promise<Set<string>> {
    const r = await this.pool.query<{ provider_id: string }>(
      "select provider_id from fleet_node where provider = $1 and provider_id = any($2::text[])",
      [provider, ids],
    );
    return new Set(r.rows.map((row) => row.provider_id));
  }

  /**
   * The node stopped without the fleet asking: its worker is gone. Marks the row stopped (the reconcile
   * loop removes and replaces it) and tells the flow engine on WORKER_LOST_CHANNEL, once.
   */
  async nodeDied(provider: string, providerId: string, reason: string): Promise<boolean> {
    const r = await this.pool.query(
      `with died as (
         update fleet_node set state = 'stopped', error = $3
          where provider = $1 and provider_id = $2 and gone_at is null and state in ('creating', 'ready')
          returning name, environment, cycle)
       select pg_notify($4, json_build_object('worker', name, 'reason', $3::text, 'environment', environment,
                'cycle', cycle, 'provider', $1::text, 'id', $2::text)::text)
         from died`,
      [provider, providerId, reason.slice(0, 2000), WORKER_LOST_CHANNEL],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /**
   * The operator released a compute node: the row is marked destroying (the reconcile loop destroys it
   * and, when its cycle still wants N nodes, replaces it) and the flow engine hears on
   * WORKER_LOST_CHANNEL that its worker is gone, so its task is aborted now and retried elsewhere.
   * Returns the node's row, or null when no live compute node of the environment has that id (or it is
   * being destroyed already: a second click is not a second destroy).
   */
  async releaseNode(
    environment: string,
    provider: string,
    providerId: string,
    reason: string,
  ): Promise<NodeRow | null> {
    const r = await this.pool.query(
      `with released as (
         update fleet_node set state = 'destroying', error = $4
          where environment = $1 and provider = $2 and provider_id = $3 and role = 'compute' and gone_at is null
            and state <> 'destroying'
          returning *),
       told as (
         select pg_notify($5, json_build_object('worker', name, 'reason', $4::text, 'environment', environment,
                  'cycle', cycle, 'provider', $2::text, 'id', $3::text)::text)
           from released)
       select released.* from released, told`,
      [environment, provider, providerId, reason.slice(0, 2000), WORKER_LOST_CHANNEL],
    );
    return r.rows[0] ? toNode(r.rows[0]) : null;
  }

  /**
   * Ready compute nodes whose worker has been silent `seconds` (no call since it was ready, or since
   * its last call): their VM runs, but nothing there takes work.
   */
  async silentNodes(environment: string, provider: string, seconds: number): Promise<NodeRow[]> {
    const r = await this.pool.query(
      `select * from fleet_node
        where environment = $1 and provider = $2 and role = 'compute' and state = 'ready' and gone_at is null
          and provider_id is not null
          and greatest(ready_at, worker_seen_at) < now() - make_interval(secs => $3)`,
      [environment, provider, seconds],
    );
    return r.rows.map(toNode);
  }

  /** Marks the node gone (the provider confirmed it no longer exists). */
  async nodeGone(provider: string, providerId: string): Promise<void> {
    await this.pool.query(
      `update fleet_node set state = 'destroyed', gone_at = coalesce(gone_at, now())
       where provider = $1 and provider_id = $2`,
      [provider, providerId],
    );
  }

  /** Revokes the worker tokens of nodes that have no live row any more; returns how many. */
  async revokeTokensOfGoneNodes(): Promise<number> {
    const r = await this.pool.query(
      `update api_token t set revoked_at = now()
        where t.scope = 'worker' and t.revoked_at is null and t.node is not null
          and not exists (select 1 from fleet_node n where n.name = t.node and n.gone_at is null)`,
    );
    return r.rowCount ?? 0;
  }

  async nodeState(provider: string, providerId: string, state: NodeRow["state"]): Promise<void> {
    await this.pool.query(
      `update fleet_node set state = $3, ready_at = case when $3 = 'ready' then coalesce(ready_at, now()) else ready_at end
       where provider = $1 and provider_id = $2 and gone_at is null`,
      [provider, providerId, state],
    );
  }

  /** Nodes not yet confirmed gone. */
  async liveNodes(environment: string): Promise<NodeRow[]> {
    const r = await this.pool.query(
      "select * from fleet_node where environment = $1 and gone_at is null order by id",
      [environment],
    );
    return r.rows.map(toNode);
  }

  /** The node of that name (its row, live or gone); null when the environment has none. */
  async nodeNamed(environment: string, name: string): Promise<NodeRow | null> {
    const r = await this.pool.query(
      "select * from fleet_node where environment = $1 and name = $2 order by id desc limit 1",
      [environment, name],
    );
    return r.rows[0] ? toNode(r.rows[0]) : null;
  }

  /** The node a provider id names (its latest row, live or gone); null when the environment has none. */
  async nodeByProviderId(environment: string, provider: string, providerId: string): Promise<NodeRow | null> {
    const r = await this.pool.query(
      `select * from fleet_node where environment = $1 and provider = $2 and provider_id = $3
        order by id desc limit 1`,
      [environment, provider, providerId],
    );
    return r.rows[0] ? toNode(r.rows[0]) : null;
  }

  async nodes(environment: string, cycle?: string): Promise<NodeRow[]> {
    const r = await this.pool.query(
      "select * from fleet_node where environment = $1 and ($2::text is null or cycle = $2) order by id",
      [environment, cycle ?? null],
    );
    return r.rows.map(toNode);
  }

  async addSample(provider: string, batchSize: number, seconds: number): Promise<void> {
    await this.pool.query(
      "insert into fleet_provision_sample (provider, batch_size, seconds) values ($1, $2, $3)",
      [provider, batchSize, seconds],
    );
  }

  /** Recent samples, newest first. */
  async samples(provider: string, limit: number): Promise<ProvisionSample[]> {
    const r = await this.pool.query<{ batch_size: number; seconds: number }>(
      "select batch_size, seconds from fleet_provision_sample where provider = $1 order by at desc, id desc limit $2",
      [provider, limit],
    );
    return r.rows.map((row) => ({ batchSize: row.batch_size, seconds: row.seconds }));
  }
}

/**
 * A compute node's worker called the worker protocol (with the node's token). Written at most once a
 * second a node: its fetches and heartbeats come several times a minute.
 */
export async function noteWorkerSeen(pool: pg.Pool, node: string): Promise<void> {
  await pool.query(
    `update fleet_node set worker_seen_at = now()
      where name = $1 and role = 'compute' and gone_at is null
        and (worker_seen_at is null or worker_seen_at < now() - interval '1 second')`,
    [node],
  );
}
