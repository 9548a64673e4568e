// The roles a cloudburst process holds. `control`: the flow engine, the fleet, the operator API and UI,
// alerts (always on; on-premise in the thesis). `data`: the receivers, the store, ingest and the
// catalogue's field service, the worker protocol compute nodes speak, and delivery (the cloud data
// server, started before the stream and stopped after delivery). Compute nodes run `cloudburst worker`.
// One process may hold both (`all`, the default for a single machine and the demo).

export const ROLES = ["control", "data"] as const;
export type Role = (typeof ROLES)[number];

export class RolesError extends Error {
  override name = "RolesError";
}

/** Parses `--roles`: a comma list of control and data, or `all`. */
export function parseRoles(text: string): ReadonlySet<Role> {
  const words = text
    .split(",")
    .map((w) => w.trim())
    .filter(Boolean);
  if (words.length === 0 || words.includes("all")) return new Set(ROLES);
  const unknown = words.filter((w) => !(ROLES as readonly string[]).includes(w));
  if (unknown.length)
    throw new RolesError(`unknown role ${unknown.join(", ")}: expected control, data, or all (both)`);
  return new Set(words as Role[]);
}

export function describeRoles(roles: ReadonlySet<Role>): string {
  return ROLES.filter((r) => roles.has(r)).join(",");
}
