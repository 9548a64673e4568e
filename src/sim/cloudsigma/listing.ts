// How CloudSigma answers a list: filters (separate parameters AND, comma-separated values OR), paging
// (limit, default 20, 0 for all; offset; meta.total_count) and `fields`.
import { invalid } from "./errors.ts";
import type { Tag } from "./model.ts";

export interface Listed {
  uuid: string;
  name?: string;
  status?: string;
}

/** Query parameters that are not filters. */
const notFilters = ["limit", "offset", "fields", "format", "do", "recurse", "avoid", "level"];

/** A paged list of `items` after the query's filters, each rendered, with `fields` applied. */
export function list<T extends Listed>(
  items: T[],
  q: URLSearchParams,
  render: (item: T) => unknown,
  tagsOf: (uuid: string) => Tag[],
  options: { defaultLimit?: number; handled?: ReadonlySet<string> } = {},
) {
  const handled = options.handled ?? new Set<string>();
  const filtered = items.filter((item) => matches(item, q, handled, tagsOf));
  const page = paginate(filtered, q, options.defaultLimit ?? 20);
  return { meta: page.meta, objects: page.objects.map((item) => fields(render(item), q)) };
}

function matches(
  item: Listed,
  q: URLSearchParams,
  handled: ReadonlySet<string>,
  tagsOf: (uuid: string) => Tag[],
): boolean {
  for (const [key, raw] of q) {
    if (notFilters.includes(key) || handled.has(key)) continue;
    const values = splitValues(raw);
    const tags = () => tagsOf(item.uuid);
    let ok: boolean;
    switch (key) {
      case "uuid":
        ok = values.includes(item.uuid);
        break;
      case "name":
        ok = values.includes(item.name ?? "");
        break;
      case "name__contains":
        ok = values.some((v) => (item.name ?? "").toLowerCase().includes(v.toLowerCase()));
        break;
      case "status":
        ok = values.includes(item.status ?? "");
        break;
      case "tag":
      case "tags":
        ok = tags().some((t) => values.includes(t.uuid));
        break;
      case "tag__name":
      case "tags__name":
        ok = tags().some((t) => values.includes(t.name));
        break;
      default:
        throw invalid(key, `Filtering on ${key} is not allowed`);
    }
    if (!ok) return false;
  }
  return true;
}

/** Only the keys `fields` names, when it is given. */
export function fields(object: unknown, q: URLSearchParams): unknown {
  const wanted = q.get("fields");
  if (!wanted || typeof object !== "object" || object === null) return object;
  const keys = wanted.split(",").map((f) => f.trim());
  return Object.fromEntries(Object.entries(object).filter(([k]) => keys.includes(k)));
}

export function paginate<T>(items: T[], q: URLSearchParams, defaultLimit: number) {
  const limitText = q.get("limit");
  const offsetText = q.get("offset");
  const limit = limitText === null ? defaultLimit : Number(limitText);
  const offset = offsetText === null ? 0 : Number(offsetText);
  if (!Number.isInteger(limit) || limit < 0)
    throw invalid("limit", `Invalid limit "${limitText}": a non-negative integer`);
  if (!Number.isInteger(offset) || offset < 0)
    throw invalid("offset", `Invalid offset "${offsetText}": a non-negative integer`);
  return {
    meta: { limit, offset, total_count: items.length },
    objects: limit === 0 ? items.slice(offset) : items.slice(offset, offset + limit),
  };
}

/** Comma-separated values; a backslash escapes a comma (or itself). */
function splitValues(raw: string): string[] {
  const values: string[] = [];
  let current = "";
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === "\\" && (raw[i + 1] === "," || raw[i + 1] === "\\")) {
      current += raw[++i];
    } else if (ch === ",") {
      values.push(current);
      current = "";
    } else current += ch;
  }
  values.push(current);
  return values;
}
