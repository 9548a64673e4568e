// A message's keys, as ecCodes' handle holds them: the compiled definitions run over the message's
// bytes (builder.ts) give a layout of keys; accessors are made from it when a key is first asked for,
// and values are computed only then. A message of the same shape as one seen before reuses that
// layout once every decision the definitions took has been checked against its bytes.
import { type Accessor, type AccessorHost, KeyError } from "./accessor.ts";
import { FLAG } from "./ast.ts";
import { buildLayout, materialize } from "./builder.ts";
import type { KeySource } from "./expression.ts";
import { evaluateLong, evaluateString } from "./expression.ts";
import {
  type Entry,
  type Fingerprint,
  fingerprint,
  hasFingerprint,
  type Layout,
  type SectionRecord,
} from "./layout.ts";
import type { MetaContext, ValuesProvider } from "./meta/base.ts";
import { VariableAccessor } from "./variables.ts";

export interface HandleOptions {
  /** The codec's values of this message (unpackers are the codec's, not the definitions'). */
  data?: (handle: Handle) => ValuesProvider;
  /** Offset of the message in its file, and its number there from 1 (the offset and count keys). */
  fileOffset?: number;
  messageNumber?: number;
}

const noValues: ValuesProvider = {
  values: () => {
    throw new KeyError("not_implemented", "values", "values are not available for this message");
  },
  codedValues: () => {
    throw new KeyError("not_implemented", "codedValues", "values are not available for this message");
  },
};

/** Layouts of recent messages, most recent first, by edition. */
const recent = new Map<number, Layout[]>();
const KEEP = 6;
/** A remembered value is shared by the messages that recall it: none may change it. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Misses after which a computation whose values are seldom recalled is no longer remembered. */
const RECALL_TRIES = 16;

export class Handle implements AccessorHost, KeySource, MetaContext {
  readonly bytes: Uint8Array;
  readonly layout: Layout;
  readonly data: ValuesProvider;
  readonly fileOffset: number;
  readonly messageNumber: number;
  private readonly made: Array<Accessor | undefined> = [];
  private readonly options: HandleOptions;
  /** Whether values may be recalled from earlier messages of the layout (not while building it). */
  private recalls = false;
  /** Names resolve as they stood at this sequence number (Infinity: as the definitions left them). */
  view = Number.POSITIVE_INFINITY;

  /** The keys of a message (a copy of its layout is reused when its shape was seen before). */
  static open(bytes: Uint8Array, options: HandleOptions = {}): Handle {
    const edition = bytes[7] ?? 0;
    const layouts = recent.get(edition) ?? [];
    for (let i = 0; i < layouts.length; i++) {
      const h = new Handle(bytes, layouts[i]!, options);
      if (h.matchesLayout()) {
        if (i > 0) layouts.unshift(...layouts.splice(i, 1));
        h.recalls = true;
        return h;
      }
    }
    const h = buildLayout((layout) => new Handle(bytes, layout, options));
    layouts.unshift(h.layout);
    if (layouts.length > KEEP) layouts.pop();
    recent.set(edition, layouts);
    h.view = Number.POSITIVE_INFINITY;
    return h;
  }

  constructor(bytes: Uint8Array, layout: Layout, options: HandleOptions) {
    this.bytes = bytes;
    this.layout = layout;
    this.data = options.data ? options.data(this) : noValues;
    this.fileOffset = options.fileOffset ?? 0;
    this.messageNumber = options.messageNumber ?? 1;
    this.options = options;
  }

  /** The accessor of layout entry `i`, made on first use (names it reads resolve as at its creation). */
  accessor(i: number): Accessor {
    let a = this.made[i];
    if (!a) {
      const entry = this.layout.entries[i]!;
      const view = this.view;
      this.view = Math.min(view, entry.seq);
      try {
        a = materialize(this, entry, i);
      } finally {
        this.view = view;
      }
      this.made[i] = a;
    }
    return a;
  }

  /** During building: the accessor just made for the last entry. */
  adopt(i: number, a: Accessor): void {
    this.made[i] = a;
  }

  private matchesLayout(): boolean {
    try {
      if (!this.takesDecisions()) return false;
      const { entries } = this.layout;
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        if (e.dynamicLength && this.accessor(i).length !== e.length) return false;
      }
      return true;
    } catch (e) {
      if (e instanceof KeyError) return false;
      throw e;
    } finally {
      this.view = Number.POSITIVE_INFINITY;
    }
  }

  /**
   * Whether the definitions would decide as they did for the layout. A message holding the bytes the
   * decisions read when they last came out the same does without evaluating them (most of a stream).
   */
  private takesDecisions(): boolean {
    const { decisions, fingerprint: known } = this.layout;
    if (known && hasFingerprint(known, this.bytes)) return true;
    for (const d of decisions) {
      this.view = d.seq;
      const got =
        d.kind === "template"
          ? (this.recompose(d.path!) ?? "")
          : d.kind === "if"
            ? this.condition(d.expr!)
            : this.safeLong(d.expr!);
      if (got !== d.expected) return false;
    }
    this.layout.fingerprint = this.fingerprint();
    return true;
  }

  /** The bytes the keys made so far read (undefined when one of them reads bytes it cannot name). */
  private fingerprint(): Fingerprint | undefined {
    const ranges: number[] = [];
    for (const a of this.made) {
      if (!a) continue;
      const own = a.ownBytes();
      // a key read past the message's end counts as missing, which its bytes cannot stand for
      if (!own || own[0] + own[1] > this.bytes.length) return undefined;
      if (own[1] > 0) ranges.push(own[0], own[1]);
    }
    return fingerprint(this.bytes, ranges);
  }

  /**
   * `compute` of this message, remembered for its layout by the bytes the computation read: in a
   * stream, message after message holds the same few bytes where a paramId or a grid is read from. A
   * value whose bytes keep changing is computed every time; so is one read while keys are being made.
   */
  remember<T>(what: number | string, compute: (h: Handle) => T): T {
    if (!this.recalls || this.view !== Number.POSITIVE_INFINITY) return compute(this);
    const memory = this.layout.memory(what);
    for (const m of memory.known) {
      if (hasFingerprint(m.fingerprint, this.bytes)) {
        memory.hits++;
        return m.value as T;
      }
    }
    if (++memory.misses > RECALL_TRIES && memory.misses > 2 * memory.hits) return compute(this);
    // on a handle of its own, the keys it makes are all and only those the value reads
    const fresh = new Handle(this.bytes, this.layout, this.options);
    const value = deepFreeze(compute(fresh));
    const f = fresh.fingerprint();
    if (f) memory.remember(f, value);
    return value;
  }

  /** An `if` condition: a key that is not there counts as 0; the result is 0 or 1. */
  condition(e: Parameters<typeof evaluateLong>[0]): number {
    try {
      return evaluateLong(e, this) ? 1 : 0;
    } catch (err) {
      if (err instanceof KeyError) return 0;
      throw err;
    }
  }

  /** A whole number, 0 when a key it needs is not there (list counts). */
  safeLong(e: Parameters<typeof evaluateLong>[0]): number {
    try {
      return evaluateLong(e, this);
    } catch (err) {
      if (err instanceof KeyError) return 0;
      throw err;
    }
  }

  // -----------------------------------------------------------------------------------------------
  // reading keys

  find(name: string): Accessor | undefined {
    const i = this.layout.resolve(name, this.view);
    return i < 0 ? undefined : this.accessor(i);
  }

  private get(name: string): Accessor {
    const a = this.find(name);
    if (!a) throw new KeyError("not_found", name, `Key/value not found: ${name}`);
    return a;
  }

  long(name: string): number {
    return this.get(name).long();
  }

  double(name: string): number {
    return this.get(name).double();
  }

  string(name: string): string {
    return this.get(name).string();
  }

  isMissing(name: string): boolean {
    const a = this.find(name);
    return !!a && a.has("can_be_missing") && a.isMissing();
  }

  setLong(name: string, value: number): void {
    // a key set in memory is not in the bytes a remembered value is recalled by
    this.recalls = false;
    const a = this.get(name) as Accessor & { set?: (v: number) => void };
    if (a instanceof VariableAccessor) a.set({ type: "long", v: value });
    else if (a.set) a.set(value);
    else throw new KeyError("not_implemented", name, `${name} cannot be set`);
  }

  evaluateLong(e: Parameters<typeof evaluateLong>[0]): number {
    return evaluateLong(e, this);
  }

  evaluateString(e: Parameters<typeof evaluateString>[0]): string {
    return evaluateString(e, this);
  }

  /** Every key, in the order the definitions made them. */
  keys(): Array<[string, Accessor]> {
    const out: Array<[string, Accessor]> = [];
    this.layout.entries.forEach((e, i) => {
      const s = e.s as { n?: string };
      if (s.n && this.layout.resolve(s.n, Number.POSITIVE_INFINITY) === i) out.push([s.n, this.accessor(i)]);
    });
    return out;
  }

  /** Keys with bytes of their own, not hidden, in order, each name once (ecCodes' SKIP_COMPUTED iterator). */
  codedKeys(): Array<[string, Accessor]> {
    const out: Array<[string, Accessor]> = [];
    const seen = new Set<string>();
    this.layout.entries.forEach((e, i) => {
      const s = e.s as { n?: string; flags?: number };
      if (!s.n || e.length === 0 || seen.has(s.n) || ((s.flags ?? 0) & FLAG.hidden) !== 0) return;
      seen.add(s.n);
      const a = this.find(s.n);
      if (a && this.accessor(i).length > 0) out.push([s.n, a]);
    });
    return out;
  }

  /** The keys of a namespace ("ls", "mars", "geography", "parameter", "time", "vertical", "statistics"). */
  namespace(ns: string): Array<[string, Accessor]> {
    return this.layout.namespace(ns).map(([name, i]) => [name, this.accessor(i)]);
  }

  /** "[key]", "[key:l]", "[key:s]" in a file name, filled from the message's keys. */
  recompose(path: string): string | undefined {
    let failed = false;
    const out = path.replace(/\[([^\]:]+)(?::([a-z]))?\]/g, (_all, key: string, type: string | undefined) => {
      try {
        if (type === "l") return String(this.long(key));
        if (type === "d") return String(this.double(key));
        return this.string(key);
      } catch {
        failed = true;
        return "";
      }
    });
    return failed ? undefined : out;
  }

  /** `section_padding`: what is left of the innermost section whose length was declared. */
  sectionPadding(section: SectionRecord, at: number): number {
    let s: SectionRecord | undefined = section;
    while (s && s.length === undefined) s = s.parent;
    if (!s || s.length === undefined) return 0;
    let length = 0;
    try {
      length = this.accessor(s.length).long();
    } catch {
      return 0;
    }
    return length ? Math.max(0, length - (at - s.start)) : 0;
  }
}

export type { Entry };
