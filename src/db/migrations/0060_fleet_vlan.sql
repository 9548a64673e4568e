-- A compute node's static address on the private network (fleet.vlan), held from its request until
-- the node is gone: no two live nodes of an environment share one, and a gone node's is free again.
alter table fleet_node add column vlan_address inet;
create unique index fleet_node_vlan_live on fleet_node (environment, vlan_address)
  where gone_at is null and vlan_address is not null;
