-- Deliveries of products to on-premise destinations: what was sent where, verified by checksum.
-- The data server may stop only when every delivery of its cycle is confirmed.
create table delivery (
  id bigserial primary key,
  cycle_key text not null,
  -- the forecast step the product is for, when it is one (for per-step timeliness)
  step double precision,
  destination text not null,
  name text not null,
  local_path text not null,
  bytes bigint not null,
  sha256 text not null,
  state text not null default 'pending' check (state in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  resumed_from bigint not null default 0,
  error text,
  queued_at timestamptz not null default now(),
  delivered_at timestamptz,
  unique (destination, name, sha256)
);
create index delivery_cycle on delivery (cycle_key, state);
