-- The catalogue (radon-like): what arrived, what it contains and where every field's bytes are.
-- Sized for 4 cycles a day x 50,000 fields kept 10 days: the big tables (field, product,
-- product_input) are partitioned by day of the cycle's base time, so retention drops whole partitions
-- (catalogue_ensure_partitions creates them on demand; src/catalogue/partitions.ts drops them).

-- A model or product stream (e.g. "ecmf" for ECMWF's deterministic run, or a configured name).
create table producer (
  id integer generated always as identity primary key,
  name text not null unique,
  description text,
  -- Fields a complete cycle has; null when unknown (then a cycle never becomes "complete" by count).
  expected_fields integer check (expected_fields > 0),
  created_at timestamptz not null default now()
);

-- One model run: producer + base time, with progress.
create table cycle (
  id bigint generated always as identity primary key,
  producer_id integer not null references producer (id),
  base_time timestamptz not null,
  state text not null default 'receiving' check (state in ('receiving', 'complete')),
  expected_fields integer check (expected_fields > 0),
  received_fields integer not null default 0,
  file_count integer not null default 0,
  first_received_at timestamptz,
  last_received_at timestamptz,
  completed_at timestamptz,
  unique (producer_id, base_time)
);
create index cycle_base_time on cycle (base_time);

-- Grid definitions, deduplicated: `hash` is the SHA-256 of the canonical JSON definition.
create table geometry (
  id integer generated always as identity primary key,
  name text not null unique,
  grid_type text not null,
  definition jsonb not null,
  hash text not null unique,
  created_at timestamptz not null default now()
);

-- Parameters by ecCodes shortName; a parameter ecCodes does not know gets a name built from its codes
-- (e.g. "unknown:2:0:0:0" for GRIB2 discipline 0 category 0 number 0), so two of them never merge.
create table parameter (
  id integer generated always as identity primary key,
  name text not null unique,
  param_id integer,
  long_name text,
  units text
);

-- Level types by ecCodes typeOfLevel ("isobaricInhPa", "heightAboveGround", "hybrid", ...).
create table level_type (
  id integer generated always as identity primary key,
  name text not null unique
);

-- Every received file. The same name with a different checksum is a new version.
create table ingest_file (
  id bigint generated always as identity primary key,
  name text not null,
  version integer not null,
  size bigint not null,
  checksum text not null,
  state text not null check (state in ('registered', 'partial', 'rejected')),
  source text not null,
  storage_uri text,
  name_info jsonb,
  message_count integer not null default 0,
  fields_new integer not null default 0,
  fields_updated integer not null default 0,
  fields_unchanged integer not null default 0,
  quarantined integer not null default 0,
  min_base_time timestamptz,
  max_base_time timestamptz,
  received_at timestamptz not null,
  registered_at timestamptz not null default now(),
  duplicates integer not null default 0,
  last_duplicate_at timestamptz,
  unique (name, version)
);
create index ingest_file_checksum on ingest_file (checksum);
create index ingest_file_max_base_time on ingest_file (max_base_time);
create index ingest_file_storage_uri on ingest_file (storage_uri);

-- Bad input, kept and explained: a non-GRIB region, a truncated or corrupt message, an unsupported grid.
create table quarantine (
  id bigint generated always as identity primary key,
  ingest_file_id bigint references ingest_file (id) on delete cascade,
  file_name text not null,
  storage_uri text,
  code text not null,
  reason text not null,
  byte_offset bigint not null,
  byte_length bigint not null default 0,
  at timestamptz not null default now()
);
create index quarantine_at on quarantine (at);

-- One GRIB message = one field. Its identity (the unique key) is what it describes, not where it came
-- from: a field sent again updates its row (location, checksum) instead of duplicating it.
create sequence field_id_seq as bigint;
create table field (
  id bigint not null default nextval('field_id_seq'),
  base_time timestamptz not null,
  cycle_id bigint not null,
  producer_id integer not null,
  param_id integer not null,
  level_type_id integer not null,
  level_value double precision not null,
  -- Steps in hours (ecCodes startStep/endStep converted from stepUnits); step_range as ecCodes prints it.
  start_step double precision not null,
  end_step double precision not null,
  step_range text not null,
  step_type text not null,
  data_type text not null default '',
  member integer,
  geometry_id integer not null,
  edition smallint not null,
  packing_type text not null,
  storage_uri text not null,
  byte_offset bigint not null,
  byte_length bigint not null,
  checksum bytea not null,
  ingest_file_id bigint not null,
  received_at timestamptz not null,
  primary key (id, base_time),
  unique nulls not distinct (base_time, producer_id, param_id, level_type_id, level_value, start_step,
    end_step, step_type, data_type, member, geometry_id)
) partition by range (base_time);
create index field_file on field (ingest_file_id);

-- Fields cloudburst computed: the same shape plus the job that made them and (product_input) lineage.
create sequence product_id_seq as bigint;
create table product (
  id bigint not null default nextval('product_id_seq'),
  base_time timestamptz not null,
  cycle_id bigint not null,
  producer_id integer not null,
  param_id integer not null,
  level_type_id integer not null,
  level_value double precision not null,
  start_step double precision not null,
  end_step double precision not null,
  step_range text not null,
  step_type text not null,
  data_type text not null default '',
  member integer,
  geometry_id integer not null,
  edition smallint not null,
  packing_type text not null,
  storage_uri text not null,
  byte_offset bigint not null,
  byte_length bigint not null,
  checksum bytea not null,
  job_id text not null,
  created_at timestamptz not null default now(),
  primary key (id, base_time),
  unique nulls not distinct (base_time, producer_id, param_id, level_type_id, level_value, start_step,
    end_step, step_type, data_type, member, geometry_id)
) partition by range (base_time);

create table product_input (
  base_time timestamptz not null,
  product_id bigint not null,
  input_kind text not null check (input_kind in ('field', 'product')),
  input_id bigint not null,
  primary key (base_time, product_id, input_kind, input_id)
) partition by range (base_time);

-- Creates the day partitions of field, product and product_input that hold `day` (idempotent and
-- safe to call from several processes at once).
create function catalogue_ensure_partitions(day date) returns void
language plpgsql as $$
declare
  suffix text := to_char(day, 'YYYYMMDD');
  parent text;
begin
  perform pg_advisory_xact_lock(hashtext('catalogue_partitions'));
  foreach parent in array array['field', 'product', 'product_input'] loop
    if to_regclass(format('%I', parent || '_p' || suffix)) is null then
      execute format(
        'create table %I partition of %I for values from (%L) to (%L)',
        parent || '_p' || suffix, parent,
        (day::timestamp at time zone 'UTC'), ((day + 1)::timestamp at time zone 'UTC'));
    end if;
  end loop;
end;
$$;
