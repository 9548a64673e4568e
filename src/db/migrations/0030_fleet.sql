-- The fleet: desired state per environment and cycle, every node we asked a provider for, and the
-- measured provisioning times the lead time is learned from.
create table fleet_cycle (
  environment text not null,
  cycle text not null,
  -- when the first data of the cycle is due; nodes are ready just before it
  data_at timestamptz not null,
  -- the operator's N (may change at any moment)
  compute_nodes integer not null check (compute_nodes >= 0),
  state text not null default 'planned'
    check (state in ('planned', 'processing', 'processed', 'delivered', 'cancelled', 'refused')),
  processed_at timestamptz,
  delivered_at timestamptz,
  -- why a cycle was refused (e.g. the balance cannot fund it)
  refused_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (environment, cycle)
);

create table fleet_node (
  id bigint generated always as identity primary key,
  environment text not null,
  cycle text not null,
  role text not null check (role in ('data', 'compute')),
  provider text not null,
  -- null until the provider has answered the create
  provider_id text,
  name text not null unique,
  state text not null default 'creating'
    check (state in ('creating', 'ready', 'stopped', 'destroying', 'destroyed', 'failed')),
  requested_at timestamptz not null default now(),
  ready_at timestamptz,
  -- when the provider stopped billing it (destroyed, confirmed by a 404)
  gone_at timestamptz,
  price_per_hour numeric,
  currency text,
  error text,
  unique (provider, provider_id)
);
create index fleet_node_cycle on fleet_node (environment, cycle);
create index fleet_node_live on fleet_node (environment) where gone_at is null;

create table fleet_provision_sample (
  id bigint generated always as identity primary key,
  provider text not null,
  -- how many nodes were provisioned in the same batch (the thesis: > 4 at once is slower)
  batch_size integer not null,
  seconds double precision not null check (seconds >= 0),
  at timestamptz not null default now()
);
create index fleet_provision_sample_at on fleet_provision_sample (provider, at desc);
