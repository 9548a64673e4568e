-- What operators answer to alerts. Acknowledging an alert acknowledges its problem (its key): it is
-- known and handled, and is not sent again. A silence holds back, until it ends, every alert whose key
-- it matches (a key, or a prefix of keys ending in '*'); held alerts are recorded as 'acknowledged' or
-- 'silenced'.
alter table alert add column acknowledged_at timestamptz, add column acknowledged_by text;

create table alert_silence (
  id bigint generated always as identity primary key,
  matcher text not null check (matcher <> ''),
  reason text not null,
  created_by text not null,
  created_at timestamptz not null default now(),
  ends_at timestamptz not null
);
create index alert_silence_ends_at on alert_silence (ends_at);
