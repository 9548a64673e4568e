-- A compute node's worker log, as its worker sends it over the worker protocol (POST /api/worker/log):
-- a cloud VM's journal is out of the operator's reach and goes with the VM. Kept bounded: the newest
-- lines of each node only (src/fleet/node-log.ts).
create table node_log (
  id bigserial primary key,
  node text not null,
  at timestamptz not null,
  line text not null
);
create index node_log_node on node_log (node, id);
