-- API tokens: only a SHA-256 hash of each token is stored; the token itself is shown once.
create table api_token (
  id bigint generated always as identity primary key,
  name text not null unique,
  token_hash bytea not null unique,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

-- Audit trail of operator and system actions.
create table audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor text not null,
  action text not null,
  subject text,
  details jsonb not null default '{}'
);
create index audit_log_at on audit_log (at);
