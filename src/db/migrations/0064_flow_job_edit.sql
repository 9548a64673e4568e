-- Edit & submit (ecflow_ui's, ecflow_client --edit_script ... submit): the job text an operator edited
-- for a task's next run only. The engine takes it (and deletes it) in the transaction that submits the
-- task, so it is run exactly once, by whichever worker takes that try.
create table flow_job_edit (
  suite_id bigint not null references flow_suite (id) on delete cascade,
  path text not null,
  job_text text not null,
  edited_by text not null,
  edited_at timestamptz not null default now(),
  primary key (suite_id, path)
);
