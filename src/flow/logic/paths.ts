// Resolving node paths written in triggers, complete expressions and inlimits, as ecFlow does:
// `/s/f/t` absolute; `t` the node itself or a sibling; `f/t` and `./f/t` below the parent (or
// below the node itself); `../x` goes one level above the parent per `..`.
import { findNode } from "../model/tree.ts";
import type { Defs, Node } from "../model/types.ts";

// Child lookup by name for wide containers (rebuilt if the children change in number).
const childIndex = new WeakMap<Node, Map<string, Node>>();

function child(n: Node, name: string): Node | undefined {
  if (n.kind === "task") return undefined;
  if (n.children.length < 16) return n.children.find((c) => c.name === name);
  let index = childIndex.get(n);
  if (!index || index.size !== n.children.length) {
    index = new Map(n.children.map((c) => [c.name, c]));
    childIndex.set(n, index);
  }
  return index.get(name);
}

function descend(from: Node | undefined, names: string[]): Node | undefined {
  let n: Node | undefined = from;
  for (const name of names) {
    if (!n) return undefined;
    n = child(n, name);
  }
  return n;
}

/** The node `path` names when written on `from`; undefined if there is none. */
export function resolveNodePath(defs: Defs, from: Node, path: string): Node | undefined {
  if (path.startsWith("/")) return findNode(defs, path);
  let parts = path.includes("/") ? path.split("/").filter((p) => p !== "") : [path];
  if (parts.length === 0) return undefined;
  if (parts[0] === "..") {
    let base: Node | undefined = from.parent;
    while (parts[0] === ".." && base) {
      parts = parts.slice(1);
      base = base.parent;
    }
    if (parts[0] === "..") return undefined;
    if (!base) return findNode(defs, `/${parts.join("/")}`);
    return descend(base, parts);
  }
  if (parts[0] === ".") parts = parts.slice(1);
  if (parts.length === 1 && parts[0] === from.name) return from;
  if (!from.parent) return parts.length > 1 ? descend(from, parts) : undefined;
  return descend(from.parent, parts) ?? (parts.length > 1 ? descend(from, parts) : undefined);
}

/** Whether `path` (as written on `from`, optionally with `:name`) is declared by an `extern`. */
export function isExtern(defs: Defs, path: string, name?: string): boolean {
  if (!defs.externs.length) return false;
  for (const e of defs.externs) {
    if (e === path) return true;
    if (name !== undefined && e === `${path}:${name}`) return true;
  }
  return false;
}
