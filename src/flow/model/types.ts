// The flow model: ecFlow's suite definition (Defs, Suite, Family, Task and their attributes) as
// plain TypeScript data, plus the runtime state of nodes. Names follow ecFlow's exactly.
// Pure data: no I/O, no database. The .def parser (src/flow/def/) builds it; the logic
// (src/flow/logic/) evaluates it; the engine (src/flow/engine/) persists and runs it.

/** Where a construct came from in a .def file (1-based line and column). */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

// ---------------------------------------------------------------------------------------------
// Node states

/** ecFlow's node states (NState), plus `suspended`, which ecFlow shows as a state (DState). */
export type NodeState = "unknown" | "queued" | "submitted" | "active" | "complete" | "aborted" | "suspended";

export const NODE_STATES: readonly NodeState[] = [
  "unknown",
  "queued",
  "submitted",
  "active",
  "complete",
  "aborted",
  "suspended",
];

/** The states `defstatus` accepts (ecFlow's DState). */
export type DefStatus = "unknown" | "queued" | "submitted" | "active" | "complete" | "aborted" | "suspended";

// ---------------------------------------------------------------------------------------------
// Expressions (trigger / complete)

export type CompareOp = "==" | "!=" | "<" | ">" | "<=" | ">=";
export type ArithOp = "+" | "-" | "*" | "/" | "%";

/** A node path as written: absolute `/s/f/t`, relative `../f/t`, `./t` or plain `t` (sibling). */
export interface PathRef {
  text: string;
  /** Where the path starts in its expression's text (parsed trees of equal texts are shared). */
  offset?: number;
  /** Where it is in the file, for an expression continued over lines (`\`). */
  pos?: SourcePos;
}

export type Expr =
  | { kind: "and"; left: Expr; right: Expr; pos?: SourcePos }
  | { kind: "or"; left: Expr; right: Expr; pos?: SourcePos }
  | { kind: "not"; operand: Expr; pos?: SourcePos }
  | { kind: "compare"; op: CompareOp; left: Expr; right: Expr; pos?: SourcePos }
  | { kind: "arith"; op: ArithOp; left: Expr; right: Expr; pos?: SourcePos }
  /** A node path: its state in comparisons with a state literal. */
  | { kind: "node"; path: PathRef; pos?: SourcePos }
  /** `path:name`: an event, meter, repeat, generated or user variable of a node. */
  | { kind: "attr"; path: PathRef; name: string; pos?: SourcePos }
  /** A state literal: complete, aborted, queued, ... */
  | { kind: "state"; state: NodeState; pos?: SourcePos }
  /** Event literals `set` / `clear` (true / false). */
  | { kind: "flag"; value: boolean; pos?: SourcePos }
  | { kind: "int"; value: number; pos?: SourcePos }
  /** `path<flag>late` or `path<flag>zombie` (1 while the node has the flag); path `/` is the server. */
  | { kind: "nodeflag"; path: PathRef; flag: "late" | "zombie"; pos?: SourcePos }
  /** `:NAME`: an event, meter, variable, repeat, limit or queue of the node or its nearest ancestor. */
  | { kind: "parentvar"; name: string; pos?: SourcePos }
  /** `cal::date_to_julian(x)` and `cal::julian_to_date(x)`. */
  | { kind: "call"; fn: "date_to_julian" | "julian_to_date"; arg: Expr; pos?: SourcePos };

/** One line of a trigger/complete: the first, or a continuation `-a` (and) / `-o` (or). */
export interface ExpressionPart {
  text: string;
  join: "first" | "and" | "or";
  pos?: SourcePos;
  /** This line's expression (the Expression's `ast` joins the parts). */
  ast?: Expr;
}

/** A `trigger` or `complete` attribute: the text as written and its parsed tree. */
export interface Expression {
  parts: ExpressionPart[];
  ast: Expr;
}

// ---------------------------------------------------------------------------------------------
// Time attributes

export interface TimeOfDay {
  hour: number;
  minute: number;
}

/** `hh:mm` or `hh:mm hh:mm hh:mm` (start, finish, increment); `+` makes it relative to begin/requeue. */
export interface TimeSeries {
  relative: boolean;
  start: TimeOfDay;
  finish?: TimeOfDay;
  incr?: TimeOfDay;
}

export interface TimeAttr {
  series: TimeSeries;
  pos?: SourcePos;
}

/** `today`: like time, but a time already past when the suite begins is free. */
export type TodayAttr = TimeAttr;

/** `date dd.mm.yyyy`; 0 stands for `*` (any). */
export interface DateAttr {
  day: number;
  month: number;
  year: number;
  pos?: SourcePos;
}

export type DayName = "sunday" | "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday";
export const DAY_NAMES: readonly DayName[] = [
  "sunday",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
];

export interface DayAttr {
  day: DayName;
  pos?: SourcePos;
}

/** `cron [-w 0,1,..] [-d 1,..,31|L] [-m 1,..,12] time-series`; weekDays 0 = Sunday. */
export interface CronAttr {
  weekDays: number[];
  /** `-w 0L,5L`: the last such weekday of the month. */
  lastWeekDaysOfMonth: number[];
  daysOfMonth: number[];
  /** `-d L`: the last day of the month. */
  lastDayOfMonth: boolean;
  months: number[];
  series: TimeSeries;
  pos?: SourcePos;
}

/** `clock real|hybrid [dd.mm.yyyy] [+-seconds]` (suites only). */
export interface ClockAttr {
  hybrid: boolean;
  day?: number;
  month?: number;
  year?: number;
  /** Gain in seconds added to the clock. */
  gain?: number;
  /** Written with a leading `+`. */
  positiveGain?: boolean;
  pos?: SourcePos;
}

/** `late -s +hh:mm -a hh:mm -c [+]hh:mm`. */
export interface LateAttr {
  submitted?: TimeOfDay;
  active?: TimeOfDay;
  complete?: TimeOfDay;
  completeRelative?: boolean;
  pos?: SourcePos;
}

/** `autocancel N` (days), `autocancel hh:mm` (at that time) or `autocancel +hh:mm` (after). */
export interface AutoCancelAttr {
  days?: number;
  time?: TimeOfDay;
  relative: boolean;
  pos?: SourcePos;
}

// ---------------------------------------------------------------------------------------------
// Repeat

export type Repeat =
  | { kind: "date"; name: string; start: number; end: number; delta: number; pos?: SourcePos }
  | { kind: "datelist"; name: string; dates: number[]; pos?: SourcePos }
  | { kind: "integer"; name: string; start: number; end: number; delta: number; pos?: SourcePos }
  | { kind: "enumerated"; name: string; values: string[]; pos?: SourcePos }
  | { kind: "string"; name: string; values: string[]; pos?: SourcePos }
  | { kind: "day"; step: number; pos?: SourcePos };

// ---------------------------------------------------------------------------------------------
// Other attributes

export interface Variable {
  name: string;
  value: string;
  pos?: SourcePos;
}

/** `event N`, `event name`, `event N name`; `set` makes it initially set. */
export interface EventAttr {
  number?: number;
  name?: string;
  initiallySet?: boolean;
  pos?: SourcePos;
}

export interface MeterAttr {
  name: string;
  min: number;
  max: number;
  threshold: number;
  pos?: SourcePos;
}

export interface LabelAttr {
  name: string;
  value: string;
  pos?: SourcePos;
}

export interface LimitAttr {
  name: string;
  value: number;
  pos?: SourcePos;
}

/** `inlimit [-n] [-s] [path:]name [tokens]`. */
export interface InLimitAttr {
  /** Path of the node holding the limit; undefined: search up the tree. */
  path?: string;
  name: string;
  tokens: number;
  /** `-n`: limit this node (family) only, not its tasks. */
  limitThisNodeOnly?: boolean;
  /** `-s`: tokens are consumed only while submitted. */
  limitSubmission?: boolean;
  pos?: SourcePos;
}

/** `queue NAME step...`: steps a task hands out one at a time (`ecflow_client --queue`). */
export interface QueueAttr {
  name: string;
  steps: string[];
  pos?: SourcePos;
}

/** `generic NAME value...`: data for other tools, kept and printed back. */
export interface GenericAttr {
  name: string;
  values: string[];
  pos?: SourcePos;
}

/** `verify STATE:N`: how many times the node is expected to reach STATE (kept, not enforced). */
export interface VerifyAttr {
  state: NodeState;
  expected: number;
  pos?: SourcePos;
}

/** `autoarchive N | [+]hh:mm [-i]`: archive a finished suite or family after a while. */
export interface AutoArchiveAttr {
  days?: number;
  time?: TimeOfDay;
  relative: boolean;
  /** `-i`: also when the node is idle (queued, aborted), not only complete. */
  idle?: boolean;
  pos?: SourcePos;
}

/** `autorestore /path...`: nodes to restore from archive when this one completes. */
export interface AutoRestoreAttr {
  paths: string[];
  pos?: SourcePos;
}

export interface ZombieAttr {
  type: "user" | "ecf" | "path" | "ecf_pid" | "ecf_pid_passwd" | "ecf_passwd";
  action?: "fob" | "fail" | "block" | "adopt" | "remove" | "kill";
  children: ("init" | "event" | "meter" | "label" | "wait" | "abort" | "complete" | "queue")[];
  lifetime?: number;
  pos?: SourcePos;
}

// ---------------------------------------------------------------------------------------------
// Nodes

export type NodeKind = "suite" | "family" | "task";

export interface NodeBase {
  kind: NodeKind;
  name: string;
  /** Parent node; undefined for suites. */
  parent?: Suite | Family;
  /** Absolute path, e.g. `/suite/family/task`. */
  path: string;
  pos?: SourcePos;

  variables: Variable[];
  trigger?: Expression;
  complete?: Expression;
  times: TimeAttr[];
  todays: TodayAttr[];
  dates: DateAttr[];
  days: DayAttr[];
  crons: CronAttr[];
  repeat?: Repeat;
  events: EventAttr[];
  meters: MeterAttr[];
  labels: LabelAttr[];
  limits: LimitAttr[];
  inlimits: InLimitAttr[];
  defstatus?: DefStatus;
  late?: LateAttr;
  autocancel?: AutoCancelAttr;
  autoarchive?: AutoArchiveAttr;
  autorestore?: AutoRestoreAttr;
  zombies: ZombieAttr[];
  verifies: VerifyAttr[];
  queues: QueueAttr[];
  generics: GenericAttr[];
}

export interface Suite extends NodeBase {
  kind: "suite";
  parent?: undefined;
  clock?: ClockAttr;
  endclock?: ClockAttr;
  children: (Family | Task)[];
}

export interface Family extends NodeBase {
  kind: "family";
  parent: Suite | Family;
  children: (Family | Task)[];
}

export interface Task extends NodeBase {
  kind: "task";
  parent: Suite | Family;
}

export type Node = Suite | Family | Task;
export type NodeContainer = Suite | Family;

/** A whole definition: externs, server variables and suites. */
export interface Defs {
  /** `extern /path[:name]`: nodes/attributes referenced in expressions but defined elsewhere. */
  externs: string[];
  /** Server-level (user) variables, from `edit` before the first suite. */
  variables: Variable[];
  suites: Suite[];
  file?: string;
  /** The saved state of a definition written with its state (`defs_state`, ecflow_client --migrate). */
  state?: SavedState;
  /** What was accepted but has no effect (ecFlow ignores it too), e.g. `repeat file`. */
  warnings?: { pos: SourcePos; message: string }[];
}

/** Node states and attribute values read from the comments of a `defs_state` definition. */
export interface SavedState {
  /** The `defs_state` style: MIGRATE (ecflow_client --migrate), STATE (--get_state) or NET. */
  style: string;
  /** By node path: the node's runtime as saved (missing nodes: as defined). */
  nodes: Map<string, NodeRuntime>;
  /** Suites that had been begun. */
  begun: Set<string>;
}

// ---------------------------------------------------------------------------------------------
// Runtime state (what the engine persists; what the logic reads)

/** Runtime state of one node. Missing fields mean "as defined" (e.g. events unset, meter at min). */
export interface NodeRuntime {
  /** The node's own state. For containers the engine may store the computed state. */
  state: NodeState;
  /** ecFlow keeps suspension as a flag beside the state; shown as `suspended`. */
  suspended?: boolean;
  /** Event values by event name (or number as a string). */
  events?: Record<string, boolean>;
  /** Meter values by meter name. */
  meters?: Record<string, number>;
  /** Label values by label name. */
  labels?: Record<string, string>;
  /** Repeat position: the index into the repeat's values (0 = first). */
  repeatIndex?: number;
  /** ECF_TRYNO of the current/last try (0 before the first submission). */
  tryNo?: number;
  /** Variables altered at runtime (override the definition's). */
  variables?: Record<string, string>;
  /**
   * Time dependencies free until the node is queued again: set by the operator (`free-dep`), or by
   * the logic once they were satisfied (ecFlow keeps a satisfied time/day/date free until requeue).
   */
  timeFree?: boolean;
  /** Trigger set free by the operator. */
  triggerFree?: boolean;
  /** When the suite/node was begun or last requeued (ISO string); relative times count from here. */
  begunAt?: string;
  /** When the node last entered its current state (ISO string). */
  stateSince?: string;
  /**
   * Time slots already used since the last requeue: key `time:N`, `today:N` or `cron:N` (the Nth
   * attribute of that kind on the node) -> ISO timestamp of the slot the node last ran for.
   */
  timeSlotsUsed?: Record<string, string>;
  /** ecFlow flags (late, zombie, killed, ...) as short words. */
  flags?: string[];
  /** Why the last try aborted, if it did. */
  abortedReason?: string;
  /** `queue` attributes handed out so far: the next step's index and each step's state. */
  queues?: Record<string, { index: number; states: string[] }>;
}

/** The whole runtime: node runtimes by absolute path, and each suite's clock. */
export interface RuntimeState {
  nodes: Map<string, NodeRuntime>;
  /** Per suite (by path): the suite's clock date/time offset in ms added to `now`. */
  clockOffsetMs?: Map<string, number>;
}
