// The shape of ecCodes' definitions once compiled by scripts/grib-definitions.ts: statements of the
// definition language (what a message's sections hold and how keys are computed), concept tables
// (paramId, shortName, typeOfLevel, ... from the message's keys) and code tables. The generated JSON
// under ./generated follows these types; the interpreter (handle.ts) walks them over a message's bytes.

/** An expression: a whole number, or one of the tagged forms below. */
export type Expr =
  | number
  | { d: number } // a floating-point literal
  | { s: string } // a string literal
  | { k: string; sub?: [number, number] } // a key's value (substr(key, start, length))
  | { f: string; a: Expr[] } // a function: missing(), defined(k), new(), changed(k), ...
  | { o: BinaryOp; a: [Expr, Expr] }
  | { o: "neg" | "not"; a: [Expr] };

export type BinaryOp =
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "^"
  | "bit"
  | "notbit"
  | "=="
  | "!="
  | "<"
  | ">"
  | "<="
  | ">="
  | "and"
  | "or"
  | "is"
  | "isnot";

/** Accessor flags, as the definitions spell them after a colon. */
export const FLAG = {
  read_only: 1,
  dump: 2,
  edition_specific: 4,
  can_be_missing: 8,
  hidden: 16,
  constraint: 32,
  no_copy: 64,
  transient: 128,
  string_type: 256,
  long_type: 512,
  double_type: 1024,
  no_fail: 2048,
  lowercase: 4096,
  copy_ok: 8192,
  copy_as_long: 16384,
  copy_if_changing_edition: 32768,
} as const;

export type FlagName = keyof typeof FLAG;

/** A coded key or a structural element: `unsigned[2] Ni`, `codetable[1] centre 'c-11.table'`, `pad x(4)`... */
export interface GenStatement {
  t: "gen";
  /** ecCodes' accessor class: unsigned, signed, codetable, codeflag, bit, ascii, bytes, ieeefloat, ... */
  c: string;
  n: string;
  /** Namespace (`ls.`, `mars.`, `geography.`, ...), if any. */
  ns?: string;
  /** Length in bytes (bits for unsigned_bits), 0 when not fixed. */
  len: number;
  /** Arguments: the array size for `unsigned[1] pl[Nj]`, the table for a codetable, ... */
  args?: Expr[];
  /** The default value (`= expr`), used when encoding; kept for `missing()` defaults. */
  def?: Expr[];
  flags?: number;
}

/** A computed key: `meta name class(args)`. */
export interface MetaStatement {
  t: "meta";
  c: string;
  n: string;
  ns?: string;
  args: Expr[];
  flags?: number;
}

/** `alias ns.name = target` (`unalias` when target is null). */
export interface AliasStatement {
  t: "alias";
  n: string;
  ns?: string;
  to: string | null;
  flags?: number;
}

/** `constant name = value` or `transient name = value`. */
export interface VariableStatement {
  t: "var";
  n: string;
  ns?: string;
  v: Expr;
  transient: boolean;
  flags?: number;
}

/** `transient name = { 1.0, 2.0 }`. */
export interface ArrayStatement {
  t: "darray";
  n: string;
  v: number[];
  flags?: number;
}

/** `if (cond) { ... } else { ... }` (`_if` evaluates again when a key changes; reading treats both alike). */
export interface IfStatement {
  t: "if";
  cond: Expr;
  body: Statement[];
  orelse?: Statement[];
}

/** `template name "path/[key].def"`: the file whose name the keys make, inserted here. */
export interface TemplateStatement {
  t: "template";
  n: string;
  path: string;
  nofail: boolean;
}

/** `name list(count) { ... }`: the block repeated `count` times. */
export interface ListStatement {
  t: "list";
  n: string;
  count: Expr;
  body: Statement[];
}

/** One row of a concept: the value, and the key = value conditions that select it. */
export type ConceptEntry = [value: string, conditions: ConceptCondition[]];
export type ConceptCondition = [key: string, value: Expr | { ia: number[] }];

/**
 * `concept name(default, "file.def", dir1, dir2) { inline rows }`: the value whose conditions all hold,
 * the one with most conditions winning. Rows come from the inline block or from `file` in the two
 * directories (keys whose values name them); `default` is a key to fall back on, or a value.
 */
export interface ConceptStatement {
  t: "concept";
  n: string;
  ns?: string;
  default?: string;
  file?: string;
  dirs?: string[];
  rows?: ConceptEntry[];
  nofail: boolean;
  flags?: number;
}

/** `lookup[n] name(offset)`: n bytes read at the current position + offset, without consuming them. */
export interface LookupStatement {
  t: "lookup";
  n: string;
  len: number;
  at: Expr;
}

/** `include "path.def"`: that file's statements, here. */
export interface IncludeStatement {
  t: "include";
  path: string;
}

/** `remove k1, k2`. */
export interface RemoveStatement {
  t: "remove";
  keys: string[];
}

/** `modify key : flags`. */
export interface ModifyStatement {
  t: "modify";
  n: string;
  flags: number;
}

export type Statement =
  | GenStatement
  | MetaStatement
  | AliasStatement
  | VariableStatement
  | ArrayStatement
  | IfStatement
  | TemplateStatement
  | ListStatement
  | IncludeStatement
  | ConceptStatement
  | LookupStatement
  | RemoveStatement
  | ModifyStatement;

/** A code table row: code, abbreviation, title, units (ecCodes' codetable file format). */
export type CodeTableRow = [code: number, abbreviation: string, title: string, units: string];

/**
 * An index over a concept's rows: by the whole number one key must equal, recursively, plus the rows
 * that do not test that key. The generator builds it, so that no run pays for it.
 */
export interface ConceptIndex {
  k: string;
  /** Value -> a deeper index, or the row numbers (ascending) requiring it. */
  v: Record<string, ConceptIndex | number[]>;
  /** Rows that do not test `k` with a whole number (ascending). */
  o: number[];
}

export interface ConceptFile {
  rows: ConceptEntry[];
  index?: ConceptIndex;
}

/** One file of compiled definitions: statement files, concept files, or code tables. */
export interface DefinitionsBundle {
  /** ecCodes version the definitions come from. */
  eccodes: string;
  /** Statement files by path ("grib2/section.3.def"). */
  files?: Record<string, Statement[]>;
  /** Concept files by path ("grib2/localConcepts/efkl/shortName.def"). */
  concepts?: Record<string, ConceptFile>;
  /** Code tables by path ("grib2/tables/21/4.5.table"), each an index into `tables`. */
  tableIndex?: Record<string, number>;
  tables?: CodeTableRow[][];
}
