// Building and walking the node tree: constructors that set parent links and paths, lookup by
// absolute path, depth-first walks.
import type { Defs, Family, Node, NodeContainer, SourcePos, Suite, Task } from "./types.ts";

// Attribute lists start as one shared, frozen empty array (a large suite has hundreds of thousands
// of nodes with mostly empty lists): add to them with `append`, which replaces the list.
const NONE: readonly never[] = Object.freeze([]);
const none = <T>(): T[] => NONE as unknown as T[];

/** A copy of `list` with `item` added, allocated at its exact size (most lists hold one item). */
export function append<T>(list: T[], item: T): T[] {
  return list.length === 0 ? [item] : [...list, item];
}

// Each constructor writes every field in one object literal, so that V8 keeps them all inside the
// object (a spread would move most of them to a separate property array).
export function createDefs(): Defs {
  return { externs: [], variables: [], suites: [] };
}

export function createSuite(name: string, pos?: SourcePos): Suite {
  return {
    kind: "suite",
    parent: undefined,
    name,
    path: `/${name}`,
    pos,
    variables: none(),
    trigger: undefined,
    complete: undefined,
    times: none(),
    todays: none(),
    dates: none(),
    days: none(),
    crons: none(),
    repeat: undefined,
    events: none(),
    meters: none(),
    labels: none(),
    limits: none(),
    inlimits: none(),
    defstatus: undefined,
    late: undefined,
    autocancel: undefined,
    autoarchive: undefined,
    autorestore: undefined,
    zombies: none(),
    verifies: none(),
    queues: none(),
    generics: none(),
    clock: undefined,
    endclock: undefined,
    children: [],
  };
}

export function createFamily(parent: NodeContainer, name: string, pos?: SourcePos): Family {
  const family: Family = {
    kind: "family",
    parent,
    name,
    path: `${parent.path}/${name}`,
    pos,
    variables: none(),
    trigger: undefined,
    complete: undefined,
    times: none(),
    todays: none(),
    dates: none(),
    days: none(),
    crons: none(),
    repeat: undefined,
    events: none(),
    meters: none(),
    labels: none(),
    limits: none(),
    inlimits: none(),
    defstatus: undefined,
    late: undefined,
    autocancel: undefined,
    autoarchive: undefined,
    autorestore: undefined,
    zombies: none(),
    verifies: none(),
    queues: none(),
    generics: none(),
    children: [],
  };
  parent.children.push(family);
  return family;
}

export function createTask(parent: NodeContainer, name: string, pos?: SourcePos): Task {
  const task = newTask(parent, name, `${parent.path}/${name}`, pos);
  parent.children.push(task);
  return task;
}

/** A task's alias (ecFlow's `alias`): a task-like node beside the tree, in no node's children. */
export function createAlias(task: Task, name: string, pos?: SourcePos): Task {
  return newTask(task.parent, name, `${task.path}/${name}`, pos);
}

function newTask(parent: NodeContainer, name: string, path: string, pos?: SourcePos): Task {
  return {
    kind: "task",
    parent,
    name,
    path,
    pos,
    variables: none(),
    trigger: undefined,
    complete: undefined,
    times: none(),
    todays: none(),
    dates: none(),
    days: none(),
    crons: none(),
    repeat: undefined,
    events: none(),
    meters: none(),
    labels: none(),
    limits: none(),
    inlimits: none(),
    defstatus: undefined,
    late: undefined,
    autocancel: undefined,
    autoarchive: undefined,
    autorestore: undefined,
    zombies: none(),
    verifies: none(),
    queues: none(),
    generics: none(),
  };
}

export function addSuite(defs: Defs, suite: Suite): Suite {
  defs.suites.push(suite);
  return suite;
}

/** The children of a node (none for tasks). */
export function childrenOf(node: Node): (Family | Task)[] {
  return node.kind === "task" ? [] : node.children;
}

/** Every node in depth-first, definition order. */
export function* walk(defs: Defs): Generator<Node> {
  for (const suite of defs.suites) yield* walkNode(suite);
}

export function* walkNode(node: Node): Generator<Node> {
  const stack: Node[] = [node];
  while (stack.length) {
    const n = stack.pop() as Node;
    yield n;
    if (n.kind !== "task") for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as Node);
  }
}

export function allTasks(defs: Defs): Task[] {
  const out: Task[] = [];
  for (const n of walk(defs)) if (n.kind === "task") out.push(n);
  return out;
}

/** Ancestors from the parent up to the suite. */
export function ancestors(node: Node): NodeContainer[] {
  const out: NodeContainer[] = [];
  for (let p = node.parent; p; p = p.parent) out.push(p);
  return out;
}

export function suiteOf(node: Node): Suite {
  let n: Node = node;
  while (n.parent) n = n.parent;
  return n as Suite;
}

/** Finds a node by absolute path (`/suite/family/task`); undefined if none. */
export function findNode(defs: Defs, path: string): Node | undefined {
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.length === 0) return undefined;
  let node: Node | undefined = defs.suites.find((s) => s.name === parts[0]);
  for (let i = 1; node && i < parts.length; i++) {
    if (node.kind === "task") return undefined;
    const name = parts[i];
    node = node.children.find((c: Family | Task) => c.name === name);
  }
  return node;
}

/** A map from absolute path to node, for repeated lookups. */
export function indexNodes(defs: Defs): Map<string, Node> {
  const map = new Map<string, Node>();
  for (const n of walk(defs)) map.set(n.path, n);
  return map;
}
