-- Live updates for the web UI: alerts and fleet changes announce themselves (LISTEN alert_raised,
-- fleet_changed), whichever process wrote them.
create function notify_alert_raised() returns trigger language plpgsql as $$
begin
  perform pg_notify('alert_raised', new.key);
  return null;
end $$;
create trigger alert_raised after insert on alert for each row execute function notify_alert_raised();

create function notify_fleet_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('fleet_changed', new.name);
  return null;
end $$;
create trigger fleet_changed after insert or update of state on fleet_node
  for each row execute function notify_fleet_changed();
