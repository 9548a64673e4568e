// Runs the compiled definitions over a message, statement by statement, as ecCodes' loader does:
// coded keys take their bytes in turn, `if` and `template` choose by the values read so far, and
// names are bound as they come. The result is a Layout (reusable for messages of the same shape) and
// the handle it was built with.
import type { Accessor } from "./accessor.ts";
import { KeyError } from "./accessor.ts";
import type { ConceptFile, ConceptStatement, Expr, Statement } from "./ast.ts";
import { FLAG } from "./ast.ts";
import { createCoded, createLookup } from "./build-coded.ts";
import { ConceptAccessor, type ConceptTable, evaluateConcept, inlineConceptTable } from "./concept.ts";
import { evaluateDouble, evaluateString, nativeType } from "./expression.ts";
import type { Handle } from "./handle.ts";
import { type Entry, Layout, type SectionRecord } from "./layout.ts";
import { conceptFile, definitionFile } from "./load.ts";
import { createMeta, metaHasLength } from "./meta/index.ts";
import { DoubleArrayAccessor, VariableAccessor, type VariableValue } from "./variables.ts";

/** A definition the message needs and the compiled definitions do not have. */
export class DefinitionError extends Error {
  override name = "DefinitionError";
  /** Byte offset in the message. */
  readonly offset: number;
  readonly key: string;
  constructor(message: string, key: string, offset: number) {
    super(message);
    this.key = key;
    this.offset = offset;
  }
}

const PADDING = new Set(["pad", "padto", "padtoeven", "padtomultiple", "section_padding"]);
/** Coded classes that never take bytes, whatever their arguments. */
const NO_BYTES = new Set(["position", "label", "getenv", "bit", "g1_half_byte_codeflag"]);

/** Keys whose length depends on the message, not on their statement alone. */
function dynamicLength(s: Statement): boolean {
  if (s.t === "meta") return metaHasLength(s.c);
  if (s.t !== "gen" || NO_BYTES.has(s.c)) return false;
  // a code table's arguments name its table; only `codetable[0]` reads its size from the message
  if (s.c === "codetable" || s.c === "codeflag") return s.len === 0;
  return PADDING.has(s.c) || s.args !== undefined || s.len === 0;
}

class Builder {
  private pos = 0;
  private depth = 0;
  private readonly h: Handle;
  private readonly layout: Layout;
  constructor(h: Handle, layout: Layout) {
    this.h = h;
    this.layout = layout;
  }

  run(statements: Statement[], section: SectionRecord): void {
    if (++this.depth > 64) throw new DefinitionError("definitions nest too deeply", "template", this.pos);
    try {
      for (const s of statements) this.execute(s, section);
    } finally {
      this.depth--;
    }
  }

  private execute(s: Statement, section: SectionRecord): void {
    switch (s.t) {
      case "gen":
      case "meta":
      case "var":
      case "darray":
      case "concept":
      case "lookup":
        this.entry(s, section);
        return;
      case "alias":
        this.alias(s.n, s.ns, s.to);
        return;
      case "if":
        this.branch(s, section);
        return;
      case "template":
        this.template(s, section);
        return;
      case "include": {
        const file = definitionFile(s.path);
        if (!file) throw new DefinitionError(`no definition file ${s.path}`, s.path, this.pos);
        this.run(file, section);
        return;
      }
      case "list": {
        const n = this.decide("list", s, this.h.safeLong(s.count), s.count);
        for (let i = 0; i < n; i++) this.run(s.body, { start: this.pos, parent: section });
        return;
      }
      case "remove":
        for (const k of s.keys) this.layout.bind(k, -1);
        return;
      case "modify": {
        const i = this.layout.resolve(s.n, Number.POSITIVE_INFINITY);
        if (i >= 0) this.h.accessor(i).flags |= s.flags;
        return;
      }
    }
  }

  private decide(kind: "if" | "list", s: Statement, value: number, expr: Expr): number {
    this.layout.decisions.push({ seq: this.layout.seq - 1, kind, expr, expected: value, s });
    return value;
  }

  private entry(s: Statement, section: SectionRecord): void {
    const layout = this.layout;
    const e: Entry = {
      s,
      offset: this.pos,
      seq: layout.seq++,
      section,
      length: 0,
      dynamicLength: dynamicLength(s),
    };
    const i = layout.entries.length;
    layout.entries.push(e);
    const a = this.h.accessor(i);
    e.length = a.length;
    this.pos += a.length;
    if (
      s.t === "gen" &&
      (s.c === "section_length" || s.c === "g1_message_length" || s.c === "g1_section4_length")
    ) {
      section.length = i;
    }
    const name = (s as { n: string }).n;
    const ns = (s as { ns?: string }).ns;
    layout.bind(name, i);
    if (ns) {
      layout.bind(`${ns}.${name}`, i);
      layout.bindNamespace(ns, name, i);
    }
    layout.end = Math.max(layout.end, this.pos);
  }

  /** `alias ns.name = to` (a namespaced name answers to its plain name too); `unalias` when to is null. */
  private alias(name: string, ns: string | undefined, to: string | null): void {
    const layout = this.layout;
    if (to === null) {
      const full = ns ? `${ns}.${name}` : name;
      const was = layout.resolve(full, Number.POSITIVE_INFINITY);
      layout.bind(full, -1);
      if (ns) {
        layout.bindNamespace(ns, name, -1);
        if (was >= 0 && layout.resolve(name, Number.POSITIVE_INFINITY) === was) layout.bind(name, -1);
      }
      return;
    }
    const target = layout.resolve(to, Number.POSITIVE_INFINITY);
    if (target < 0) return; // ecCodes logs and goes on
    layout.bind(name, target);
    if (ns) {
      layout.bind(`${ns}.${name}`, target);
      layout.bindNamespace(ns, name, target);
    }
  }

  private branch(s: Statement & { t: "if" }, section: SectionRecord): void {
    if (this.decide("if", s, this.h.condition(s.cond), s.cond)) this.run(s.body, section);
    else if (s.orelse) this.run(s.orelse, section);
  }

  private template(s: Statement & { t: "template" }, section: SectionRecord): void {
    const path = this.h.recompose(s.path);
    this.layout.decisions.push({
      seq: this.layout.seq - 1,
      kind: "template",
      path: s.path,
      expected: path ?? "",
      s,
    });
    const file = path === undefined ? undefined : definitionFile(path);
    if (!file) {
      if (s.nofail) return;
      throw new DefinitionError(
        `unable to find template ${s.n} from ${path ?? s.path}: the message's keys name a template ecCodes does not define`,
        s.n,
        this.pos,
      );
    }
    this.run(file, { start: this.pos, parent: section });
  }
}

/** Runs the definitions from boot.def into a new layout; returns the handle that built it. */
export function buildLayout(makeHandle: (layout: Layout) => Handle): Handle {
  const boot = definitionFile("boot.def");
  if (!boot) throw new DefinitionError("the compiled definitions have no boot.def", "boot", 0);
  const layout = new Layout();
  const h = makeHandle(layout);
  new Builder(h, layout).run(boot, { start: 0 });
  return h;
}

// -------------------------------------------------------------------------------------------------
// making an accessor from a layout entry

function variableValue(h: Handle, e: Expr): VariableValue {
  let type: "long" | "double" | "string" = "long";
  try {
    type = nativeType(e, h);
    if (type === "long") return { type, v: h.evaluateLong(e) };
    if (type === "double") return { type, v: evaluateDouble(e, h) };
    return { type, v: evaluateString(e, h) };
  } catch (err) {
    if (err instanceof KeyError) return type === "string" ? { type, v: "" } : { type: "long", v: 0 };
    throw err;
  }
}

const joined = new Map<string, ConceptTable>();
const EMPTY: ConceptTable = { parts: [] };

/** ecCodes' get_concept_impl: the local directory's rows, then the master directory's. */
function conceptRows(h: Handle, s: ConceptStatement): ConceptTable {
  if (s.rows) return inlineConceptTable(s.rows);
  if (!s.file || !s.dirs?.length) return EMPTY;
  const dir = (key: string | undefined) => {
    if (!key) return undefined;
    try {
      return h.recompose(h.string(key));
    } catch {
      return undefined;
    }
  };
  const master = dir(s.dirs[0]);
  const local = dir(s.dirs[1]);
  const key = `${master}|${local}|${s.file}`;
  let table = joined.get(key);
  if (!table) {
    const parts = [local && conceptFile(`${local}/${s.file}`), master && conceptFile(`${master}/${s.file}`)];
    table = { parts: parts.filter((p): p is ConceptFile => !!p) };
    joined.set(key, table);
  }
  return table;
}

/** The accessor of a layout entry, for handle `h`. */
export function materialize(h: Handle, e: Entry, i: number): Accessor {
  const s = e.s;
  switch (s.t) {
    case "gen":
      return createCoded(h, s, e.offset, e.section);
    case "meta":
      return createMeta(h, s, e.offset);
    case "var":
      return new VariableAccessor(
        h,
        s.transient ? "transient" : "constant",
        s.n,
        s.ns,
        (s.flags ?? 0) | (s.transient ? FLAG.transient : 0),
        e.offset,
        variableValue(h, s.v),
      );
    case "darray":
      return new DoubleArrayAccessor(h, s.n, s.flags ?? 0, e.offset, s.v);
    case "concept": {
      const value = (host: Handle) => evaluateConcept(conceptRows(host, s), host) ?? null;
      return new ConceptAccessor(h, s.n, s.ns, s.flags ?? 0, e.offset, () => h.remember(i, value), s.default);
    }
    case "lookup":
      return createLookup(h, s.n, e.offset, h.safeLong(s.at), s.len);
  }
  throw new DefinitionError(`statement ${s.t} makes no key`, "", e.offset);
}
