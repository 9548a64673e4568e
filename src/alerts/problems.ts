// The problems the alert watch raises from what the subsystems record: a task aborted for good (flow
// history), deliveries failed after their retries (the delivery ledger), a quarantined file (the
// catalogue). Each alert says what happened, where, and what to do, and its key names the problem:
// the same problem seen again (next pass, restart, another server) is the same key.
import type pg from "pg";
import { type QuarantinedFile, quarantinedFiles } from "../catalogue/query.ts";
import { type FailedDelivery, failedDeliveries } from "../delivery/ledger.ts";
import { type FinalAbort, tasksAbortedForGood } from "../flow/engine/queries.ts";
import type { Alert, Severity } from "./alerts.ts";
import type { ProblemSource } from "./watch.ts";

/** Files listed in full in a delivery alert; the rest are counted. */
const listedFiles = 10;

/** The key of a task's abort: one per submission of the task, so a rerun that aborts again is news. */
export function abortKey(suiteId: string, path: string, submissions: number): string {
  return `task-aborted:${suiteId}:${path}:${submissions}`;
}

export function abortAlert(task: FinalAbort): Alert {
  const engineRefused = task.tryNo < task.tries;
  const what = engineRefused
    ? `${task.path} could not be submitted: the engine aborted it and will not try again.`
    : task.tryNo === task.tries
      ? `${task.path} aborted on its last try (${task.tryNo} of ${task.tries}, ECF_TRIES): the engine will not try it again, and what depends on it waits.`
      : `${task.path} aborted on try ${task.tryNo}, run again beyond its ECF_TRIES (${task.tries}): the engine will not try it again, and what depends on it waits.`;
  return {
    key: abortKey(task.suiteId, task.path, task.submissions),
    severity: "critical",
    title: engineRefused
      ? `Task ${task.path} aborted for good: it could not be submitted`
      : `Task ${task.path} aborted for good (try ${task.tryNo}${task.tryNo === task.tries ? ` of ${task.tries}` : `, ECF_TRIES ${task.tries}`})`,
    text: [
      `What: ${what}`,
      `Why (flow history, ${task.at.toISOString()}, by ${task.actor}${task.worker && task.worker !== task.actor ? `, last on ${task.worker}` : ""}): ${task.reason}`,
      `Where: suite ${task.suite}, task ${task.path}.`,
      `What to do: see why with \`cloudburst suite why ${task.path}\` and its output with ` +
        `\`cloudburst suite show ${task.path} --output\`; once the cause is fixed, run it again with ` +
        `\`cloudburst suite rerun ${task.path}\` (or \`cloudburst suite requeue ${task.path}\` for fresh tries).`,
    ].join("\n"),
    details: {
      suite: task.suite,
      path: task.path,
      tryNo: task.tryNo,
      tries: task.tries,
      reason: task.reason,
      actor: task.actor,
      at: task.at.toISOString(),
    },
  };
}

/** Tasks aborted for good (their last try, or refused by the engine); not those an operator killed or forced. */
export function abortedTasks(pool: pg.Pool): ProblemSource {
  return {
    name: "tasks aborted for good",
    async find({ now, since, settled }) {
      const tasks = await tasksAbortedForGood(pool, {
        since,
        now,
        skip: (suiteId, path, submissions) => settled(abortKey(suiteId, path, submissions)),
      });
      return tasks.map(abortAlert);
    },
  };
}

export function deliveryKey(cycleKey: string, destination: string): string {
  return `delivery-failed:${cycleKey}:${destination}`;
}

/** One alert per cycle and destination: a destination that is down fails every file, and that is one problem. */
export function deliveryAlert(
  failed: readonly FailedDelivery[],
  deliverTask?: (cycleKey: string) => string | null,
): Alert {
  const first = failed[0]!;
  const task = deliverTask?.(first.cycleKey) ?? null;
  const lines = failed
    .slice(0, listedFiles)
    .map(
      (f) =>
        `  ${f.name}${f.step === null ? "" : ` (step ${f.step})`}, ${f.attempts} attempt${f.attempts === 1 ? "" : "s"}: ${f.error}`,
    );
  if (failed.length > listedFiles) lines.push(`  ... and ${failed.length - listedFiles} more`);
  return {
    key: deliveryKey(first.cycleKey, first.destination),
    severity: "critical",
    title: `Delivery to ${first.destination} failed: ${failed.length} file${failed.length === 1 ? "" : "s"} of cycle ${first.cycleKey}`,
    text: [
      `What: ${failed.length} product file${failed.length === 1 ? "" : "s"} of cycle ${first.cycleKey} could not be delivered after ${failed.length === 1 ? "its" : "their"} retries.`,
      `Where: destination ${first.destination}`,
      "Files:",
      ...lines,
      "What to do: check that the destination is reachable, has room, and accepts the login (DELIVERY_PASSWORD, " +
        "DELIVERY_SSH_KEY or DELIVERY_TOKEN in the environment of the workers and the control server). The cycle's " +
        `deliver task sends failed files again when it runs${task ? `; to send them now: \`cloudburst suite rerun ${task}\`` : ""}.`,
    ].join("\n"),
    details: {
      cycle: first.cycleKey,
      destination: first.destination,
      failed: failed.length,
      files: failed.slice(0, listedFiles).map((f) => ({ name: f.name, step: f.step, error: f.error })),
    },
  };
}

/** Deliveries failed after their retries, grouped by cycle and destination. */
export function failedDeliveryProblems(
  pool: pg.Pool,
  deliverTask?: (cycleKey: string) => string | null,
): ProblemSource {
  return {
    name: "failed deliveries",
    async find({ since, settled }) {
      const groups = new Map<string, FailedDelivery[]>();
      for (const f of await failedDeliveries(pool, since)) {
        const key = deliveryKey(f.cycleKey, f.destination);
        if (settled(key)) continue;
        groups.set(key, [...(groups.get(key) ?? []), f]);
      }
      return [...groups.values()].map((failed) => deliveryAlert(failed, deliverTask));
    },
  };
}

export function quarantineKey(file: Pick<QuarantinedFile, "fileId" | "firstId">): string {
  return file.fileId === null ? `quarantine:record-${file.firstId}` : `quarantine:file-${file.fileId}`;
}

export function quarantineAlert(file: QuarantinedFile, pathOf: (uri: string) => string): Alert {
  const rejected = file.state === "rejected";
  const severity: Severity = rejected
    ? "critical"
    : file.codes.every((c) => c === "duplicate-field")
      ? "info"
      : "warning";
  let kept = "its bytes are no longer in the store";
  if (file.storageUri) {
    try {
      kept = `${pathOf(file.storageUri)} (${file.storageUri})`;
    } catch {
      kept = file.storageUri;
    }
  }
  const version = file.version && file.version > 1 ? ` (version ${file.version})` : "";
  return {
    key: quarantineKey(file),
    severity,
    title: rejected
      ? `Ingest rejected ${file.file}: nothing in it could be registered`
      : `Ingest quarantined ${file.regions} part${file.regions === 1 ? "" : "s"} of ${file.file}`,
    text: [
      `What: ${file.file}${version} was ${rejected ? "rejected: none of its fields could be registered" : `registered in part: ${file.regions} region${file.regions === 1 ? "" : "s"} (${file.bytes} bytes) quarantined`} (${file.codes.join(", ")}).`,
      `Why: ${file.reason}`,
      `Where it is kept: ${kept}`,
      `What to do: list what was quarantined, with byte offsets, with \`cloudburst quarantine ls --file ${file.file}\`. ` +
        "If the file was damaged on its way, have it sent again: a new version replaces it, and the products " +
        "waiting for its fields run when they arrive.",
    ].join("\n"),
    details: {
      file: file.file,
      version: file.version,
      state: file.state,
      codes: file.codes,
      regions: file.regions,
      storageUri: file.storageUri,
    },
  };
}

/** Received files with quarantined parts, one alert per file. */
export function quarantineProblems(pool: pg.Pool, pathOf: (uri: string) => string): ProblemSource {
  return {
    name: "quarantined files",
    async find({ since, settled }) {
      return (await quarantinedFiles(pool, since))
        .filter((f) => !settled(quarantineKey(f)))
        .map((f) => quarantineAlert(f, pathOf));
    },
  };
}
