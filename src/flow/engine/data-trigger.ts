// Data triggers: a task can wait on a condition about data (e.g. "all inputs of this product job for
// step 6 are registered in the catalogue"), like Cylc's xtriggers but pushed instead of polled: the
// scheduler re-checks waiting conditions when the catalogue announces new fields on the PostgreSQL
// channel `fields_registered` (and, as a safety net, on its clock tick).
//
// A task names its condition in the variable CB_WAIT_FOR as `SOURCE:QUERY`, e.g.
//   edit CB_WAIT_FOR "catalogue:inputs product=windvector step=%STEP%"
// (%VAR% is substituted with the task's variables). The data-trigger source named SOURCE, one of those
// the process's composition root gives the engine, answers whether QUERY holds (the cycle's catalogue
// source is `catalogue`).
import type pg from "pg";

/** The channel the catalogue notifies when it has registered fields. */
export const FIELDS_REGISTERED_CHANNEL = "fields_registered";
/** The task variable naming a data condition. */
export const WAIT_FOR_VARIABLE = "CB_WAIT_FOR";

export interface DataCondition {
  /** The source's name (before the first colon of CB_WAIT_FOR). */
  source: string;
  /** What the source is asked (after the colon), variables substituted. */
  query: string;
  /** The task's variables (e.g. its repeat's current STEP). */
  variables: Record<string, string>;
  /** The task waiting on it. */
  path: string;
}

export interface DataConditionStatus {
  satisfied: boolean;
  /** In words, what is there and what is missing (shown by `why`). */
  detail: string;
}

export interface DataTriggerSource {
  name: string;
  /** Whether the condition holds now. Must be cheap and side-effect free: it is asked often. */
  waitFor(condition: DataCondition, pool: pg.Pool): Promise<DataConditionStatus>;
}

/** Parses CB_WAIT_FOR's value; null when the task has none. */
export function parseWaitFor(
  value: string | undefined,
  variables: Record<string, string>,
  path: string,
): DataCondition | null {
  if (!value?.trim()) return null;
  const colon = value.indexOf(":");
  const source = (colon < 0 ? value : value.slice(0, colon)).trim();
  const query = colon < 0 ? "" : value.slice(colon + 1).trim();
  const substituted = query.replace(
    /%([A-Za-z_][A-Za-z0-9_]*)%/g,
    (whole, name: string) => variables[name] ?? whole,
  );
  return { source, query: substituted, variables, path };
}

/** Asks the condition's source; an unknown source or a failing one holds the task and says why. */
export async function checkDataCondition(
  condition: DataCondition,
  sources: readonly DataTriggerSource[],
  pool: pg.Pool,
): Promise<DataConditionStatus> {
  const source = sources.find((s) => s.name === condition.source);
  if (!source) {
    return {
      satisfied: false,
      detail: `no data-trigger source "${condition.source}" is configured (known: ${sources.map((s) => s.name).join(", ") || "none"})`,
    };
  }
  try {
    return await source.waitFor(condition, pool);
  } catch (error) {
    return {
      satisfied: false,
      detail: `data-trigger source ${condition.source} failed: ${(error as Error).message}`,
    };
  }
}
