-- Flow engine: the durable state of loaded suites. PostgreSQL is the checkpoint: every change is a
-- transaction, so a control server killed at any moment resumes exactly where the database says.

-- One row per loaded suite: the .def text it came from (the model is rebuilt from it at start).
create table flow_suite (
  id bigint generated always as identity primary key,
  name text not null unique,
  def_text text not null,
  source_file text,
  loaded_at timestamptz not null default now(),
  loaded_by text not null default 'system',
  begun_at timestamptz,
  -- Bumped by every operator command that resets nodes (load, begin, requeue): part of each job id,
  -- so that a job of an earlier load of a suite of the same name can never be mistaken for a current one.
  generation integer not null default 0
);

-- Runtime state of every node (suite, family, task): src/flow/model's NodeRuntime, the hot fields
-- as columns, the rest as JSON.
create table flow_node (
  suite_id bigint not null references flow_suite (id) on delete cascade,
  path text not null,
  kind text not null check (kind in ('suite', 'family', 'task')),
  state text not null default 'unknown'
    check (state in ('unknown', 'queued', 'submitted', 'active', 'complete', 'aborted', 'suspended')),
  suspended boolean not null default false,
  try_no integer not null default 0,
  -- Submissions of this node ever (never reset by requeue or repeats): part of each job id, so a job id
  -- is never reused.
  submissions integer not null default 0,
  -- The pg-boss job of the current try (tasks only) and the queue it went to.
  job_id uuid,
  queue text,
  -- ECF_PASS of the current try: child commands must present it (zombie detection).
  password text,
  -- Which worker took the current try (host/pid), for history and `show`.
  worker text,
  events jsonb not null default '{}',
  meters jsonb not null default '{}',
  labels jsonb not null default '{}',
  variables jsonb not null default '{}',
  repeat_index integer,
  -- The remaining NodeRuntime fields (timeFree, triggerFree, begunAt, timeSlotsUsed, flags, ...).
  extra jsonb not null default '{}',
  -- A data trigger (CB_WAIT_FOR) that was satisfied for the current run.
  data_ready_at timestamptz,
  aborted_reason text,
  state_since timestamptz not null default now(),
  primary key (suite_id, path)
);
create index flow_node_running on flow_node (state) where state in ('submitted', 'active');
create index flow_node_job on flow_node (job_id) where job_id is not null;

-- What happened to each node: state transitions with their reasons, and child events. Append-only.
create table flow_history (
  id bigint generated always as identity primary key,
  suite_id bigint not null references flow_suite (id) on delete cascade,
  path text not null,
  at timestamptz not null default clock_timestamp(),
  kind text not null,
  from_state text,
  to_state text,
  try_no integer,
  detail text,
  actor text not null default 'engine'
);
create index flow_history_node on flow_history (suite_id, path, id);

-- A task's output, line by line, per try.
create table flow_output (
  id bigint generated always as identity primary key,
  suite_id bigint not null references flow_suite (id) on delete cascade,
  path text not null,
  try_no integer not null,
  at timestamptz not null default clock_timestamp(),
  stream text not null check (stream in ('stdout', 'stderr', 'system')),
  line text not null
);
create index flow_output_task on flow_output (suite_id, path, try_no, id);
