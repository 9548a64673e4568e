// What running the definitions over one message produced, kept to serve the next messages of the same
// shape: the keys in creation order (where each sits, which statement made it), the names bound to
// them over time, and every decision the run took (which branch of an `if`, which template file,
// how long a list or a padding). A message whose decisions all come out the same has the same keys
// in the same places, so it reuses the layout instead of running the definitions again.
import type { Expr, Statement } from "./ast.ts";

/** One key of the layout: the statement that made it and where it was made. */
export interface Entry {
  s: Statement;
  offset: number;
  /** Creation sequence number: names it looks up while being made resolve as they stood then. */
  seq: number;
  /** Section the key was made in (padding needs it). */
  section: SectionRecord;
  /** Bytes it took (checked again for keys whose length depends on the message). */
  length: number;
  dynamicLength: boolean;
}

export interface SectionRecord {
  start: number;
  /** Entry index of the key giving the section's length. */
  length?: number;
  parent?: SectionRecord;
}

/** A decision the run took: what evaluating `check` gave at sequence `seq`. */
export interface Decision {
  seq: number;
  kind: "if" | "template" | "list";
  expr?: Expr;
  path?: string;
  expected: number | string;
  /** The statement the decision was for (to report what changed). */
  s: Statement;
}

/**
 * The bytes a message's decisions read, as they were when they last all came out as recorded: a message
 * with the same bytes there takes the same decisions (offset and length pairs, and those bytes).
 */
export interface Fingerprint {
  ranges: number[];
  bytes: Uint8Array;
}

/** The fingerprint of `bytes` over `ranges`. */
export function fingerprint(bytes: Uint8Array, ranges: number[]): Fingerprint {
  let size = 0;
  for (let r = 1; r < ranges.length; r += 2) size += ranges[r]!;
  const copy = new Uint8Array(size);
  let at = 0;
  for (let r = 0; r < ranges.length; r += 2) {
    copy.set(bytes.subarray(ranges[r]!, ranges[r]! + ranges[r + 1]!), at);
    at += ranges[r + 1]!;
  }
  return { ranges, bytes: copy };
}

/** Whether `bytes` hold the fingerprint's bytes in its ranges. */
export function hasFingerprint(f: Fingerprint, bytes: Uint8Array): boolean {
  let at = 0;
  for (let r = 0; r < f.ranges.length; r += 2) {
    const start = f.ranges[r]!;
    const end = start + f.ranges[r + 1]!;
    if (end > bytes.length) return false;
    for (let i = start; i < end; i++) if (bytes[i] !== f.bytes[at++]) return false;
  }
  return true;
}

/** Values a computation gave, by the bytes it read for them (most recent first). */
export class Memory {
  known: Array<{ fingerprint: Fingerprint; value: unknown }> = [];
  hits = 0;
  misses = 0;
  remember(fingerprint: Fingerprint, value: unknown): void {
    this.known.unshift({ fingerprint, value });
    if (this.known.length > MEMORY_SIZE) this.known.pop();
  }
}

/** Values remembered per computation: a stream's parameters within one layout. */
const MEMORY_SIZE = 16;

export class Layout {
  readonly entries: Entry[] = [];
  /** name -> [seq, entry index or -1 when removed], in sequence order. */
  readonly bindings = new Map<string, Array<[number, number]>>();
  /** namespace -> [seq, name, entry index or -1], in sequence order. */
  readonly namespaced = new Map<string, Array<[number, string, number]>>();
  readonly decisions: Decision[] = [];
  /** Set once a message other than the first has matched the decisions (undefined: none usable). */
  fingerprint: Fingerprint | undefined;
  private readonly memories = new Map<number | string, Memory>();
  seq = 0;
  /** Total bytes the definitions placed. */
  end = 0;

  /** What is remembered of a computation (a concept's entry, or a name). */
  memory(what: number | string): Memory {
    let m = this.memories.get(what);
    if (!m) {
      m = new Memory();
      this.memories.set(what, m);
    }
    return m;
  }

  bind(name: string, entry: number): void {
    const list = this.bindings.get(name);
    if (list) list.push([this.seq++, entry]);
    else this.bindings.set(name, [[this.seq++, entry]]);
  }

  bindNamespace(ns: string, name: string, entry: number): void {
    const list = this.namespaced.get(ns);
    if (list) list.push([this.seq++, name, entry]);
    else this.namespaced.set(ns, [[this.seq++, name, entry]]);
  }

  /** The entry `name` names as of sequence `view` (-1 if none). */
  resolve(name: string, view: number): number {
    const list = this.bindings.get(name);
    if (!list) return -1;
    if (view === Number.POSITIVE_INFINITY) return list[list.length - 1]![1];
    for (let i = list.length - 1; i >= 0; i--) if (list[i]![0] <= view) return list[i]![1];
    return -1;
  }

  /** The final keys of a namespace, in the order their keys were made (ecCodes' keys iterator). */
  namespace(ns: string): Array<[string, number]> {
    const out = new Map<string, number>();
    for (const [, name, entry] of this.namespaced.get(ns) ?? []) {
      out.delete(name);
      if (entry >= 0) out.set(name, entry);
    }
    // one name per key (the first declared), as ecCodes' keys iterator returns each accessor once
    const byKey = new Map<number, string>();
    for (const [name, entry] of out) if (!byKey.has(entry)) byKey.set(entry, name);
    return [...byKey].map(([entry, name]): [string, number] => [name, entry]).sort((a, b) => a[1] - b[1]);
  }

  namespaces(): string[] {
    return [...this.namespaced.keys()];
  }
}
