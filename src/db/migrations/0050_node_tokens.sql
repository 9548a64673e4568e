-- Per-node credentials: a compute node's token is scoped to the worker protocol, belongs to one node
-- of one cycle, and expires (and is revoked when the node goes or the cycle ends).
alter table api_token add column scope text not null default 'operator' check (scope in ('operator', 'worker'));
alter table api_token add column expires_at timestamptz;
alter table api_token add column node text;
alter table api_token add column cycle text;
create index api_token_cycle on api_token (cycle) where cycle is not null;
