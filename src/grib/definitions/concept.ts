// Concepts: a key whose value is the row of a table whose conditions on other keys all hold, the row
// with most conditions winning and, among equals, the last one (ecCodes' concept_evaluate). paramId,
// shortName, name, units, typeOfLevel, stepType and the MARS keys are concepts. Large tables are
// indexed by the key most of their rows test, so a lookup checks a handful of rows, not thousands.
import { Accessor, type AccessorHost, KeyError, MISSING_LONG, type NativeType } from "./accessor.ts";
import type { ConceptCondition, ConceptEntry, ConceptFile, ConceptIndex, Expr } from "./ast.ts";
import { indexRows } from "./concept-index.ts";
import {
  evaluateDouble,
  evaluateLong,
  evaluateString,
  nativeType as exprType,
  type KeySource,
} from "./expression.ts";

/** A concept's rows: the files it joins (local, then master), each with its index. */
export interface ConceptTable {
  parts: ConceptFile[];
}

const inlineTables = new WeakMap<ConceptEntry[], ConceptTable>();

/** The table of an inline concept (indexed once per list of rows). */
export function inlineConceptTable(rows: ConceptEntry[]): ConceptTable {
  let t = inlineTables.get(rows);
  if (!t) {
    t = { parts: [{ rows, index: indexRows(rows) ?? undefined }] };
    inlineTables.set(rows, t);
  }
  return t;
}

/** Row numbers of a part worth checking, ascending. */
function candidates(part: ConceptFile, keys: KeySource): number[] {
  if (!part.index) return part.rows.map((_, i) => i);
  const lists: number[][] = [];
  let node: ConceptIndex | number[] | undefined = part.index;
  while (node && !Array.isArray(node)) {
    lists.push(node.o);
    let v: number | undefined;
    try {
      v = keys.find(node.k) ? keys.long(node.k) : undefined;
    } catch {
      v = undefined;
    }
    node = v === undefined ? undefined : node.v[String(v)];
  }
  if (node) lists.push(node);
  return lists.reduce(mergeSorted, []);
}

function mergeSorted(a: number[], b: number[]): number[] {
  if (!a.length) return b;
  if (!b.length) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length)
    out.push(j >= b.length || (i < a.length && a[i]! < b[j]!) ? a[i++]! : b[j++]!);
  return out;
}

/** One condition of a row, as concept_condition_true tests it. */
function holds(cond: ConceptCondition, keys: KeySource): boolean {
  const [key, expected] = cond;
  try {
    if (typeof expected === "object" && "ia" in expected) {
      const a = keys.find(key);
      if (!a || a.count() !== expected.ia.length) return false;
      const values = a.longs();
      return expected.ia.every((v, i) => values[i] === v);
    }
    const e = expected as Expr;
    const type = exprType(e, keys);
    if (!keys.find(key)) return false;
    if (type === "long") return keys.long(key) === evaluateLong(e, keys);
    if (type === "double") return keys.double(key) === evaluateDouble(e, keys);
    return keys.string(key) === evaluateString(e, keys);
  } catch (e) {
    if (e instanceof KeyError) return false;
    throw e;
  }
}

/** The value of the best matching row (most conditions; the last among equals), or undefined. */
export function evaluateConcept(t: ConceptTable, keys: KeySource): string | undefined {
  let best: string | undefined;
  let most = 0;
  for (const part of t.parts) {
    for (const i of candidates(part, keys)) {
      const [value, conds] = part.rows[i]!;
      if (conds.length < most) continue;
      let ok = true;
      for (const c of conds) {
        if (!holds(c, keys)) {
          ok = false;
          break;
        }
      }
      if (ok) {
        most = conds.length;
        best = value;
      }
    }
  }
  return best;
}

export class ConceptAccessor extends Accessor {
  readonly cls = "concept";
  private readonly value: () => string | null;
  private readonly defaultKey: string | undefined;
  private readonly keys: KeySource;
  constructor(
    host: AccessorHost & KeySource,
    name: string,
    ns: string | undefined,
    flags: number,
    offset: number,
    value: () => string | null,
    defaultKey: string | undefined,
  ) {
    super(host, name, ns, flags, offset);
    this.value = value;
    this.defaultKey = defaultKey;
    this.keys = host;
  }

  /** The matching row's value; null when none matches. */
  evaluate(): string | null {
    return this.value();
  }

  override nativeType(): NativeType {
    return this.has("long_type") ? "long" : "string";
  }

  override string(): string {
    const v = this.evaluate();
    if (v !== null) return v;
    if (this.defaultKey) return this.keys.string(this.defaultKey);
    throw new KeyError("not_found", this.name, `no ${this.name} matches this message`);
  }

  override long(): number {
    const v = this.evaluate();
    if (v === null) {
      if (this.defaultKey) return this.keys.long(this.defaultKey);
      throw new KeyError("not_found", this.name, `no ${this.name} matches this message`);
    }
    const n = Number.parseInt(v, 10);
    return Number.isNaN(n) ? 0 : n;
  }

  override double(): number {
    if (this.has("long_type")) return this.long();
    if (this.has("double_type")) {
      const v = this.evaluate();
      if (v === null) {
        if (this.defaultKey) return this.keys.double(this.defaultKey);
        throw new KeyError("not_found", this.name, `no ${this.name} matches this message`);
      }
      return Number.parseFloat(v);
    }
    return 0;
  }

  override isMissing(): boolean {
    return false;
  }
}

export { MISSING_LONG };
