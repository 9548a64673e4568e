-- The data server's boot credential: scoped to fetching the data role's settings from the control role
-- (and the release bundle), for one cycle, expiring with it like a compute node's token.
alter table api_token drop constraint api_token_scope_check;
alter table api_token add constraint api_token_scope_check check (scope in ('operator', 'worker', 'data'));
