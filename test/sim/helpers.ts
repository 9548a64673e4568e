// Shared by the simulator's tests: a small API client, CloudSigma's recorded responses, shape comparison.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { SimulatorOptions } from "../../src/sim/cloudsigma/index.ts";
import { type RunningSimulator, startCloudSigmaSimulator } from "../../src/sim/cloudsigma/index.ts";

export const dumpsDir = resolve(import.meta.dirname, "../../../shared/reference/cloudsigma-api-2.0/dumps");

/** The JSON body of a recorded response (headers skipped; some dumps have no blank line after them). */
export function dump(name: string): unknown {
  const text = readFileSync(join(dumpsDir, name), "utf8");
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => l.startsWith("{") || l.startsWith("["));
  return JSON.parse(lines.slice(start).join("\n"));
}

/** The status code of a recorded response. */
export function dumpStatus(name: string): number {
  const first = readFileSync(join(dumpsDir, name), "utf8").split("\n")[0]!;
  return Number(first.split(" ")[1]);
}

export interface Response {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

export class Api {
  readonly sim: RunningSimulator;
  constructor(sim: RunningSimulator) {
    this.sim = sim;
  }

  async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const url = path.startsWith("/_sim/") ? new URL(path, this.sim.url).href : this.sim.url + path;
    const res = await fetch(url, {
      method,
      headers: {
        Authorization: this.sim.authorization,
        "Content-Type": "application/json",
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  }

  get = (path: string) => this.call("GET", path);
  post = (path: string, body: unknown = {}) => this.call("POST", path, body);
  put = (path: string, body: unknown) => this.call("PUT", path, body);
  del = (path: string) => this.call("DELETE", path);

  /** GET that must answer 200; returns the body. */
  async ok<T = Record<string, unknown>>(path: string): Promise<T> {
    const res = await this.get(path);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
    return res.body as T;
  }
}

export async function startSim(options: SimulatorOptions = {}): Promise<{ sim: RunningSimulator; api: Api }> {
  const sim = await startCloudSigmaSimulator({ launchGuests: false, timeScale: 1, ...options });
  return { sim, api: new Api(sim) };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

type Shape = string | Shape[] | { [key: string]: Shape };

/** A value's shape: keys and JSON types, arrays by their first element. */
export function shape(value: unknown): Shape {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, shape(v)]));
  }
  return typeof value;
}

/**
 * Differences between our shape and the recorded one: missing or extra keys, and type mismatches.
 * A null on either side matches anything (CloudSigma's nullable fields), as does an empty list; `meta`
 * (the user's own key-value data) need only be an object.
 */
export function shapeDiff(ours: unknown, recorded: unknown, path = "$"): string[] {
  if (ours === null || recorded === null || ours === undefined) return [];
  if (Array.isArray(recorded) || Array.isArray(ours)) {
    if (!Array.isArray(recorded) || !Array.isArray(ours)) return [`${path}: list vs ${typeof recorded}`];
    if (!ours.length || !recorded.length) return [];
    return shapeDiff(ours[0], recorded[0], `${path}[0]`);
  }
  if (typeof recorded === "object") {
    if (typeof ours !== "object") return [`${path}: ${typeof ours} where the recording has an object`];
    const o = ours as Record<string, unknown>;
    const r = recorded as Record<string, unknown>;
    const diffs: string[] = [];
    for (const key of Object.keys(r)) {
      if (!(key in o)) diffs.push(`${path}.${key}: missing`);
      // meta is the user's free-form key-value data.
      else if (key === "meta")
        diffs.push(...(typeof o[key] === "object" ? [] : [`${path}.meta: not an object`]));
      else diffs.push(...shapeDiff(o[key], r[key], `${path}.${key}`));
    }
    for (const key of Object.keys(o)) if (!(key in r)) diffs.push(`${path}.${key}: not in the recording`);
    return diffs;
  }
  return typeof ours === typeof recorded
    ? []
    : [`${path}: ${typeof ours} where the recording has ${typeof recorded}`];
}

export const GIB = 1024 ** 3;
