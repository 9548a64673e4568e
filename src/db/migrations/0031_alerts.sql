-- Alerts sent (or held back) per channel: the record that makes deduplication and the rate limit
-- survive restarts.
create table alert (
  id bigint generated always as identity primary key,
  key text not null,
  channel text not null,
  severity text not null,
  title text not null,
  body jsonb not null default '{}',
  -- null when sent; 'duplicate' or 'rate_limited' when held back; 'failed: …' when the channel failed
  held text,
  at timestamptz not null default now()
);
create index alert_key_at on alert (key, at desc);
create index alert_channel_at on alert (channel, at desc);
