// A task's script, its job (the script pre-processed, as ecflow_ui's Script and Job tabs show them) and
// edit & submit: the job edited and run once, for the next try only (POST /suites/job).
import { api, el, toast } from "../app.js";

/** The section for the task at `path`; `after` runs once an edited job is submitted. */
export async function scriptSection(path, after) {
  const answer = await api(`/suites/script?path=${encodeURIComponent(path)}`);
  const source = answer.file
    ? `from ${answer.file}`
    : answer.action
      ? `runs the action ${answer.action}`
      : "";
  const editor = el("textarea", {
    name: "job",
    rows: "16",
    spellcheck: "false",
    "aria-label": `the job of ${path}, to edit and submit once`,
  });
  editor.value = answer.job ?? "";
  return el(
    "div",
    { class: "script-section" },
    el("h3", {}, "Script and job"),
    el("p", { class: "muted" }, source),
    answer.problem ? el("p", { class: "error" }, answer.problem) : null,
    answer.script === null
      ? null
      : el("details", { class: "script" }, el("summary", {}, "Script"), el("pre", {}, answer.script)),
    answer.job === null
      ? null
      : el("details", { class: "job" }, el("summary", {}, "Job"), el("pre", {}, answer.job)),
    answer.job === null
      ? null
      : el(
          "details",
          { class: "edit-submit" },
          el("summary", {}, "Edit & submit"),
          el("p", { class: "hint" }, "Runs this text once, now, whatever the task's dependencies say."),
          editor,
          el(
            "button",
            { type: "button", class: "submit-job", onclick: () => submit(path, editor.value, after) },
            "Submit",
          ),
        ),
  );
}

async function submit(path, job, after) {
  try {
    await api("/suites/job", { method: "POST", body: { path, job } });
    toast(`Submitted the edited job of ${path}`);
    await after();
  } catch (error) {
    toast(error.message);
  }
}
