-- When a compute node's worker last called the worker protocol: a node running at the provider whose
-- worker is silent (exited, never started) is replaced instead of counting as ready for good.
alter table fleet_node add column worker_seen_at timestamptz;
