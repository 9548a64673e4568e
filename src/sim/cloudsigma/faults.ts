// Fault injection: what the thesis met on CloudSigma, on demand. A spec comes from --faults (JSON, a
// JSON file, or a compact list) or from the control endpoint PUT/POST /_sim/faults.
//
//   errors503  {rate, burst, methods?, path?}  a request starts a burst of `burst` 503s with probability `rate`
//   next503    N                               the next N API requests answer 503
//   outage     {at, duration, mode}            from `at` simulated seconds after start (or now, from the
//                                              control endpoint), for `duration` seconds: every request 503
//                                              ("503") or the port refuses connections ("refuse")
//   clone      {slowFactor, failRate, failNext} clones take slowFactor× longer; fail with probability / next N
//   vlanLeak   true                            deleting a server with a NIC on a VLAN leaves the VLAN billed
//   capacity   N                               at most N guests running or starting; more starts answer 503
//   seed       N                               seeds the random draws (faults and latency) so runs repeat
//
// Compact form (comma-separated): 503=0.1x3, next503=5, outage=60+600[:refuse], clone-slow=5,
// clone-fail=0.3, clone-fail-next=2, vlan-leak, capacity=8, seed=42.

export interface FaultSpec {
  errors503?: { rate: number; burst?: number; methods?: string[]; path?: string } | null;
  next503?: number;
  outage?: { at?: number; duration: number; mode?: "503" | "refuse" } | null;
  clone?: { slowFactor?: number; failRate?: number; failNext?: number } | null;
  vlanLeak?: boolean;
  capacity?: number | null;
  seed?: number;
}

export class FaultSpecError extends Error {
  override name = "FaultSpecError";
}

function num(value: string, what: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0)
    throw new FaultSpecError(`${what}: expected a number, got "${value}"`);
  return n;
}

/** Parses the compact form; JSON text is parsed by the caller (parseFaultSpec). */
function parseCompact(text: string): FaultSpec {
  const spec: FaultSpec = {};
  for (const item of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key, value = ""] = item.split("=", 2) as [string, string | undefined];
    switch (key) {
      case "503": {
        const [rate, burst] = value.split("x");
        spec.errors503 = { rate: num(rate ?? "", "503 rate"), burst: burst ? num(burst, "503 burst") : 1 };
        break;
      }
      case "next503":
        spec.next503 = num(value, "next503");
        break;
      case "outage": {
        const m = value.match(/^([\d.]+)\+([\d.]+)(?::(503|refuse))?$/);
        if (!m)
          throw new FaultSpecError(
            `outage: expected AT+DURATION[:503|refuse] in simulated seconds, got "${value}"`,
          );
        spec.outage = { at: Number(m[1]), duration: Number(m[2]), mode: (m[3] as "503" | "refuse") ?? "503" };
        break;
      }
      case "clone-slow":
        spec.clone = { ...spec.clone, slowFactor: num(value, "clone-slow") };
        break;
      case "clone-fail":
        spec.clone = { ...spec.clone, failRate: num(value, "clone-fail") };
        break;
      case "clone-fail-next":
        spec.clone = { ...spec.clone, failNext: num(value, "clone-fail-next") };
        break;
      case "vlan-leak":
        spec.vlanLeak = value === "" ? true : value !== "false" && value !== "0";
        break;
      case "capacity":
        spec.capacity = num(value, "capacity");
        break;
      case "seed":
        spec.seed = num(value, "seed");
        break;
      default:
        throw new FaultSpecError(
          `unknown fault "${key}" (known: 503, next503, outage, clone-slow, clone-fail, clone-fail-next, vlan-leak, capacity, seed)`,
        );
    }
  }
  return spec;
}

const knownKeys = new Set(["errors503", "next503", "outage", "clone", "vlanLeak", "capacity", "seed"]);

/** Checks a spec object (from JSON) and returns it typed. */
export function validateFaultSpec(value: unknown): FaultSpec {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new FaultSpecError("a fault spec is a JSON object");
  const spec = value as Record<string, unknown>;
  for (const key of Object.keys(spec))
    if (!knownKeys.has(key))
      throw new FaultSpecError(`unknown fault "${key}" (known: ${[...knownKeys].join(", ")})`);
  const e = spec["errors503"] as FaultSpec["errors503"];
  if (e && (typeof e.rate !== "number" || e.rate < 0 || e.rate > 1))
    throw new FaultSpecError("errors503.rate: expected a probability 0..1");
  const o = spec["outage"] as FaultSpec["outage"];
  if (o && (typeof o.duration !== "number" || o.duration < 0))
    throw new FaultSpecError("outage.duration: expected simulated seconds");
  if (o?.mode && o.mode !== "503" && o.mode !== "refuse")
    throw new FaultSpecError('outage.mode: expected "503" or "refuse"');
  for (const key of ["next503", "capacity", "seed"] as const) {
    const v = spec[key];
    if (v !== undefined && v !== null && (typeof v !== "number" || v < 0))
      throw new FaultSpecError(`${key}: expected a non-negative number`);
  }
  return spec as FaultSpec;
}

/** --faults: inline JSON, or the compact list. (A file is read by the CLI and passed as JSON text.) */
export function parseFaultSpec(text: string): FaultSpec {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new FaultSpecError(`fault spec is not valid JSON: ${(error as Error).message}`);
    }
    return validateFaultSpec(parsed);
  }
  return parseCompact(trimmed);
}

export interface OutageWindow {
  start: number;
  end: number;
  mode: "503" | "refuse";
}

/** The live fault state: the spec plus counters (bursts in progress, clones left to fail). */
export class Faults {
  spec: FaultSpec = {};
  outage: OutageWindow | null = null;
  private burstLeft = 0;
  private cloneFailsLeft = 0;
  private random: () => number;
  private readonly makeRandom: (seed: number | undefined) => () => number;

  constructor(makeRandom: (seed: number | undefined) => () => number) {
    this.makeRandom = makeRandom;
    this.random = makeRandom(undefined);
  }

  /** Replaces the spec (merge=false) or merges into it; an outage's `at` counts from `anchor`. */
  apply(spec: FaultSpec, anchor: number, merge: boolean): void {
    this.spec = merge ? { ...this.spec, ...spec } : { ...spec };
    if (!merge) {
      this.outage = null;
      this.burstLeft = 0;
      this.cloneFailsLeft = 0;
    }
    if (spec.seed !== undefined) this.random = this.makeRandom(spec.seed);
    if (spec.next503 !== undefined) this.burstLeft = spec.next503;
    if (spec.clone?.failNext !== undefined) this.cloneFailsLeft = spec.clone.failNext;
    if (spec.outage !== undefined) {
      const o = spec.outage;
      if (!o) this.outage = null;
      else {
        const start = anchor + (o.at ?? 0) * 1000;
        this.outage = { start, end: start + o.duration * 1000, mode: o.mode ?? "503" };
      }
    }
  }

  /** The outage in force at `now`, if any. */
  outageAt(now: number): OutageWindow | null {
    const o = this.outage;
    return o && now >= o.start && now < o.end ? o : null;
  }

  /** Whether this API request answers 503 (a burst in progress, or one starting now). */
  take503(method: string, path: string): boolean {
    if (this.burstLeft > 0) {
      this.burstLeft--;
      return true;
    }
    const e = this.spec.errors503;
    if (!e || e.rate <= 0) return false;
    if (e.methods && !e.methods.map((m) => m.toUpperCase()).includes(method)) return false;
    if (e.path && !new RegExp(e.path).test(path)) return false;
    if (this.random() < e.rate) {
      this.burstLeft = Math.max(0, (e.burst ?? 1) - 1);
      return true;
    }
    return false;
  }

  /** Whether the clone starting now will fail. */
  takeCloneFailure(): boolean {
    if (this.cloneFailsLeft > 0) {
      this.cloneFailsLeft--;
      return true;
    }
    const rate = this.spec.clone?.failRate ?? 0;
    return rate > 0 && this.random() < rate;
  }

  cloneSlowFactor(): number {
    return this.spec.clone?.slowFactor ?? 1;
  }

  describe(): Record<string, unknown> {
    return {
      ...this.spec,
      pending503: this.burstLeft,
      cloneFailuresPending: this.cloneFailsLeft,
      outageWindow: this.outage
        ? {
            start: new Date(this.outage.start).toISOString(),
            end: new Date(this.outage.end).toISOString(),
            mode: this.outage.mode,
          }
        : null,
    };
  }
}
