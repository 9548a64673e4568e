// Indexes a concept's rows by the keys they test, so that finding the matching row checks a handful of
// rows instead of thousands (ECMWF's GRIB2 paramId table has ~5,000). Used by the generator for the
// concept files and at run time for the small inline concepts.
import type { ConceptEntry, ConceptIndex } from "./ast.ts";

/** The value a row requires of `key`, if it requires a whole number. */
function required(row: ConceptEntry, key: string): number | undefined {
  for (const [k, v] of row[1]) if (k === key && typeof v === "number") return v;
  return undefined;
}

/** Indexes rows `subset` by the key that leaves the fewest rows to check, while that pays off. */
export function indexRows(
  rows: ConceptEntry[],
  subset: number[] = rows.map((_, i) => i),
  used = new Set<string>(),
): ConceptIndex | null {
  if (subset.length <= 16) return null;
  const stats = new Map<string, { tested: number; values: Map<number, number> }>();
  for (const i of subset) {
    for (const [k, v] of rows[i]![1]) {
      if (typeof v !== "number" || used.has(k)) continue;
      let st = stats.get(k);
      if (!st) {
        st = { tested: 0, values: new Map() };
        stats.set(k, st);
      }
      st.tested++;
      st.values.set(v, (st.values.get(v) ?? 0) + 1);
    }
  }
  let best: string | undefined;
  let bestCost = subset.length;
  for (const [k, st] of [...stats].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    let squares = 0;
    for (const n of st.values.values()) squares += n * n;
    const cost = subset.length - st.tested + squares / st.tested;
    if (cost < bestCost * 0.7) {
      best = k;
      bestCost = cost;
    }
  }
  if (!best) return null;
  const groups = new Map<number, number[]>();
  const others: number[] = [];
  for (const i of subset) {
    const v = required(rows[i]!, best);
    if (v === undefined) others.push(i);
    else {
      const g = groups.get(v);
      if (g) g.push(i);
      else groups.set(v, [i]);
    }
  }
  const deeper = new Set([...used, best]);
  const byValue: Record<string, ConceptIndex | number[]> = {};
  for (const [v, g] of [...groups].sort(([a], [b]) => a - b))
    byValue[String(v)] = indexRows(rows, g, deeper) ?? g;
  return { k: best, v: byValue, o: others };
}
