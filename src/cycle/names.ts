// How a forecast cycle is named everywhere: its key (deliveries, fleet records), its suite, the step
// families of its suite and their tasks, and the suite variables its actions read. The one place that
// builds and parses these names.

/** The key a cycle's deliveries and fleet records are filed under: `producer/YYYYMMDDHH`. */
export function cycleKey(producer: string, baseTime: Date): string {
  return `${producer}/${baseTime.toISOString().slice(0, 13).replace(/[-T:]/g, "")}`;
}

/** The base time in a cycle key; null for a key of another form. */
export function baseTimeOfKey(key: string): Date | null {
  const match = /\/(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(key);
  return match ? new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:00:00Z`) : null;
}

/** The cycle suite's name: cycle_YYYYMMDD_HH. */
export function cycleSuiteName(baseTime: Date): string {
  const iso = baseTime.toISOString();
  return `cycle_${iso.slice(0, 10).replace(/-/g, "")}_${iso.slice(11, 13)}`;
}

/** Names of cycle suites as a regular expression (PostgreSQL's and JavaScript's alike). */
export const cycleSuiteNamePattern = "^cycle_[0-9]{8}_[0-9]{2}$";

/** The base time a cycle suite is named after; null for other suites. */
export function cycleSuiteBaseTime(name: string): Date | null {
  const m = /^cycle_(\d{4})(\d{2})(\d{2})_(\d{2})$/.exec(name);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:00:00Z`) : null;
}

/** The family holding every product job of the cycle, below the suite. */
export const PRODUCTS_FAMILY = "products";

/** The family of one step's product jobs, e.g. step_006. */
export function stepFamilyName(step: number): string {
  return `step_${String(step).padStart(3, "0")}`;
}

/** The path of a step's family: /cycle_20261124_00/products/step_006. */
export function stepFamilyPath(suite: string, step: number): string {
  return `/${suite}/${PRODUCTS_FAMILY}/${stepFamilyName(step)}`;
}

/** The step of a product task or family from its path; null for any other node. */
export function stepOfPath(path: string): number | null {
  const m = /\/step_(\d+)(?:\/|$)/.exec(path);
  return m ? Number(m[1]) : null;
}

/** The cycle's deliver task for a cycle key, or null for a key of another form. */
export function deliverTaskOf(key: string): string | null {
  const baseTime = baseTimeOfKey(key);
  return baseTime ? `/${cycleSuiteName(baseTime)}/teardown/deliver` : null;
}

/** A cycle's base time from the suite's CB_CYCLE variable. */
export function cycleBaseTime(variables: Record<string, string>): Date {
  const text = variables["CB_CYCLE"];
  const time = text ? new Date(text) : null;
  if (!time || Number.isNaN(time.getTime()))
    throw new Error(`CB_CYCLE is "${text ?? ""}": expected the cycle's base time (ISO 8601)`);
  return time;
}

/** When the cycle's first data is expected (CB_FIRST_DATA, ISO 8601); now when the suite does not say. */
export function firstDataAt(variables: Record<string, string>): Date {
  const text = variables["CB_FIRST_DATA"];
  if (text === undefined || text === "") return new Date();
  const time = new Date(text);
  if (Number.isNaN(time.getTime()))
    throw new Error(
      `CB_FIRST_DATA is "${text}": expected the time the cycle's first data is due (ISO 8601), or no value for now`,
    );
  return time;
}

/** The suite variable listing the cycle's planned steps (comma-separated hours). */
export const STEPS_VARIABLE = "CB_STEPS";

/** The planned steps from CB_STEPS ("0,1,2,3,6"), ascending. */
export function plannedSteps(variables: Record<string, string>): number[] {
  const text = variables[STEPS_VARIABLE] ?? "";
  const words = text.split(",").map((w) => w.trim());
  const steps = words.filter((w) => w !== "").map(Number);
  if (steps.some((s) => !Number.isInteger(s) || s < 0))
    throw new Error(
      `${STEPS_VARIABLE} is "${text}": expected the cycle's steps in whole hours, comma-separated (e.g. 0,1,2,3,6)`,
    );
  return [...new Set(steps)].sort((a, b) => a - b);
}
