// Parser for ecFlow definition (.def) files, statement by statement as ecflow_server 5.9's: suite,
// family and task open nodes (a task ends at the next node or `endtask`; `endsuite` closes all); every
// other keyword is an attribute of the node opened last, read by its handler in attributes.ts. Outside
// suites come `extern`, server `edit`s and, in a definition with state, `defs_state` and `history`.
// Every problem is reported with file:line:col, all of them, not only the first.
import { type Diagnostic, FlowDefinitionError } from "../logic/diagnostics.ts";
import { createAlias, createDefs, createFamily, createSuite, createTask } from "../model/tree.ts";
import type { Defs, Node, NodeContainer, NodeRuntime, SourcePos, Suite, Task } from "../model/types.ts";
import { ATTRIBUTES, type AttrContext } from "./attributes.ts";
import { err, LineError, name } from "./fields.ts";
import { DefReader, type DefToken, type Statement } from "./lexer.ts";
import { nodeStateOf } from "./state.ts";

/** Parses .def text into a Defs; throws FlowDefinitionError listing every problem found. */
export function parseDefs(text: string, file = "<input>"): Defs {
  return new DefParser(text, file).run();
}

/** Keywords that end an alias block without `endalias`. */
const STRUCTURE = new Set(["suite", "family", "task", "endfamily", "endsuite", "alias"]);

const NO_TOKENS: DefToken[] = [];

/** A statement's arguments (after its keyword, up to a `#`) and its comment (after the `#`). */
function splitComment(tokens: DefToken[]): { args: DefToken[]; comment: DefToken[] } {
  let hash = 1;
  while (hash < tokens.length && (tokens[hash] as DefToken).text.charCodeAt(0) !== 35) hash++;
  if (hash === tokens.length) return { args: tokens.slice(1), comment: NO_TOKENS };
  const rest = (tokens[hash] as DefToken).text.slice(1);
  const head: DefToken[] = rest ? [{ ...(tokens[hash] as DefToken), text: rest }] : [];
  return { args: tokens.slice(1, hash), comment: [...head, ...tokens.slice(hash + 1)] };
}

class DefParser {
  private readonly defs = createDefs();
  private readonly diagnostics: Diagnostic[] = [];
  private readonly reader: DefReader;
  /** Open nodes, the suite first; the last is where attributes go. */
  private stack: Node[] = [];
  /** While an `alias ... endalias` block is read: a copy of its task that takes its attributes. */
  private alias: Task | undefined;
  private readonly names = new WeakMap<NodeContainer, Set<string>>();
  private readonly file: string;

  constructor(text: string, file: string) {
    this.file = file;
    this.reader = new DefReader(text);
    this.defs.file = file;
  }

  run(): Defs {
    for (let s = this.reader.next(); s; s = this.reader.next()) {
      try {
        this.statement(s);
      } catch (e) {
        if (e instanceof LineError)
          this.diagnostics.push({ pos: { file: this.file, line: e.line, col: e.col }, message: e.message });
        else if (e instanceof FlowDefinitionError) this.diagnostics.push(...e.diagnostics);
        else throw e;
      }
    }
    const open = this.stack[0];
    if (open)
      this.warn({ line: this.reader.line, col: 1 }, `suite '${open.name}' is not closed by 'endsuite'`);
    if (this.diagnostics.length) throw new FlowDefinitionError(this.diagnostics);
    return this.defs;
  }

  private pos(t: { line: number; col: number }): SourcePos {
    return { file: this.file, line: t.line, col: t.col };
  }

  private warn(at: { line: number; col: number }, message: string): void {
    this.defs.warnings = [...(this.defs.warnings ?? []), { pos: this.pos(at), message }];
  }

  private statement(s: Statement): void {
    const kw = s.tokens[0] as DefToken;
    const top = this.stack[this.stack.length - 1];
    if (kw.text.startsWith("#")) return;
    if (this.alias) this.aliasStatement(s, kw);
    else if (!top) this.outside(s, kw);
    else if (kw.text === "suite")
      err(kw, `'suite' inside suite '${this.stack[0]?.name}': suites do not nest (close it with 'endsuite')`);
    else if (kw.text === "family" || kw.text === "task") this.open(s, kw);
    else if (kw.text === "endtask") this.endTask(kw, top);
    else if (kw.text === "endfamily") this.endFamily(kw);
    else if (kw.text === "endsuite") this.stack = [];
    else if (kw.text === "alias") this.openAlias(s, kw, top);
    else this.attribute(s, kw, top);
  }

  /** Statements outside any suite. */
  private outside(s: Statement, kw: DefToken): void {
    if (kw.text === "suite") this.openSuite(s, kw);
    else if (kw.text === "extern") this.extern(s, kw);
    else if (kw.text === "edit") this.serverVariable(s, kw);
    else if (kw.text === "defs_state") {
      this.reader.persist = true;
      this.defs.state ??= { style: s.tokens[1]?.text ?? "STATE", nodes: new Map(), begun: new Set() };
    } else if (kw.text !== "history")
      // (`history`: the edit history of a saved definition, ecflow_server's log, not the definition)
      err(kw, `'${kw.text}' outside a suite`);
  }

  private extern(s: Statement, kw: DefToken): void {
    const path = s.tokens[1];
    if (!path || path.text.startsWith("#"))
      err(kw, "'extern' needs a path: extern /suite/family/task[:name]");
    if (!/^[A-Za-z0-9_./]+(:[A-Za-z0-9_.]+)?$/.test(path.text))
      err(path, `'${path.text}' is not a valid extern path`);
    if (!this.defs.externs.includes(path.text)) this.defs.externs.push(path.text);
  }

  private serverVariable(s: Statement, kw: DefToken): void {
    const { args, comment } = splitComment(s.tokens);
    if (comment[0]?.text === "server") return; // ecflow_server's own variables, as it saved them
    const n = args[0];
    const v = s.tokens[2];
    if (!n || !v || v.text.startsWith("#")) err(kw, "'edit' needs a name and a value: edit NAME 'value'");
    const value =
      s.tokens.length === 3
        ? v.text
        : args
            .slice(1)
            .map((t) => t.text)
            .join(" ");
    const unquoted = value.replace(/^"(.*)"$/s, "$1").replace(/^'(.*)'$/s, "$1");
    const variable = { name: name(n, "variable name"), value: unquoted };
    const i = this.defs.variables.findIndex((x) => x.name === variable.name);
    if (i >= 0) this.defs.variables[i] = variable;
    else this.defs.variables.push(variable);
  }

  private nodeName(s: Statement, kw: DefToken): string {
    const t = s.tokens[1];
    if (!t || t.text.startsWith("#")) err(kw, `'${kw.text}' needs a name`);
    const n = name(t, `${kw.text} name`);
    const extra = s.tokens[2];
    if (extra && !extra.text.startsWith("#") && !this.reader.persist)
      this.warn(extra, `ignored '${extra.text}' after the ${kw.text} name (as ecFlow ignores it)`);
    return n;
  }

  /** In a definition with state, what the node line's comment says of the node. */
  private saveNodeState(node: Node, s: Statement): void {
    const state = this.defs.state;
    if (!state) return;
    const hash = s.raw.indexOf("#");
    if (hash < 0) return;
    const { runtime, begun } = nodeStateOf(s.raw.slice(hash + 1));
    state.nodes.set(node.path, { ...runtime, ...state.nodes.get(node.path) });
    if (begun) state.begun.add(node.path);
  }

  private openSuite(s: Statement, kw: DefToken): void {
    const n = this.nodeName(s, kw);
    if (this.defs.suites.some((x) => x.name === n)) err(s.tokens[1] as DefToken, `duplicate suite '${n}'`);
    const suite: Suite = createSuite(n, this.pos(kw));
    this.defs.suites.push(suite);
    this.stack = [suite];
    this.saveNodeState(suite, s);
  }

  private open(s: Statement, kw: DefToken): void {
    if (this.stack[this.stack.length - 1]?.kind === "task") this.stack.pop();
    const container = this.stack[this.stack.length - 1] as NodeContainer;
    const n = this.nodeName(s, kw);
    let taken = this.names.get(container);
    if (!taken) {
      taken = new Set(container.children.map((c) => c.name));
      this.names.set(container, taken);
    }
    if (taken.has(n)) err(s.tokens[1] as DefToken, `duplicate node '${n}' in ${container.path}`);
    taken.add(n);
    const node =
      kw.text === "family"
        ? createFamily(container, n, this.pos(kw))
        : createTask(container, n, this.pos(kw));
    this.stack.push(node);
    this.saveNodeState(node, s);
  }

  private endTask(kw: DefToken, top: Node): void {
    // ecFlow's family parser takes `endtask` as "close the node on top", a family included.
    if (top.kind === "suite") err(kw, "'endtask' without a task");
    this.stack.pop();
  }

  private endFamily(kw: DefToken): void {
    if (this.stack[this.stack.length - 1]?.kind === "task") {
      const container = this.stack[this.stack.length - 2];
      if (container?.kind !== "family") err(kw, "'endfamily' without an open family");
      this.stack.pop();
    }
    if (this.stack[this.stack.length - 1]?.kind !== "family") err(kw, "'endfamily' without an open family");
    this.stack.pop();
  }

  /**
   * An alias (a copy of a task an operator ran by hand from ecflow_ui) is checked and then dropped:
   * cloudburst runs none, and ecflow_client --get prints none.
   */
  private openAlias(s: Statement, kw: DefToken, top: Node): void {
    if (top.kind !== "task") err(kw, "an alias belongs to a task");
    const n = this.nodeName(s, kw);
    this.alias = createAlias(top, n, this.pos(kw));
    this.warn(
      kw,
      `alias '${n}' of ${top.path} is dropped (cloudburst runs no aliases; ecflow_client --get prints none)`,
    );
  }

  private aliasStatement(s: Statement, kw: DefToken): void {
    const node = this.alias as Task;
    if (kw.text !== "endalias" && !STRUCTURE.has(kw.text)) this.attribute(s, kw, node);
    else {
      this.alias = undefined;
      if (kw.text !== "endalias") this.statement(s);
    }
  }

  private attribute(s: Statement, kw: DefToken, node: Node): void {
    const handler = ATTRIBUTES.get(kw.text);
    if (!handler) err(kw, `unknown keyword '${kw.text}' on ${node.kind} ${node.path}`);
    if (!handler.on.includes(node.kind))
      err(
        kw,
        `'${kw.text}' is not allowed on a ${node.kind} (ecFlow allows it on: ${handler.on.join(", ")})`,
      );
    handler.parse(this.line.reset(s, node));
  }

  /** One context for every attribute line, reset for each (a large suite has hundreds of thousands). */
  private readonly line: AttributeLine = new AttributeLine(this);

  /** Where saved values of `node` go (definitions with state). */
  savedRuntime(node: Node): NodeRuntime {
    const nodes = (this.defs.state as NonNullable<Defs["state"]>).nodes;
    const rt = nodes.get(node.path) ?? { state: "unknown" };
    nodes.set(node.path, rt);
    return rt;
  }

  get fileName(): string {
    return this.file;
  }
  get withState(): boolean {
    return this.defs.state !== undefined;
  }
  get lineReader(): DefReader {
    return this.reader;
  }
  warning(at: { line: number; col: number }, message: string): void {
    this.warn(at, message);
  }
}

class AttributeLine implements AttrContext {
  node!: Node;
  kw!: DefToken;
  args: DefToken[] = [];
  comment: DefToken[] = [];
  statement!: Statement;
  private readonly parser: DefParser;
  constructor(parser: DefParser) {
    this.parser = parser;
  }
  reset(s: Statement, node: Node): this {
    const { args, comment } = splitComment(s.tokens);
    this.node = node;
    this.kw = s.tokens[0] as DefToken;
    this.args = args;
    this.comment = comment;
    this.statement = s;
    return this;
  }
  get file(): string {
    return this.parser.fileName;
  }
  get withState(): boolean {
    return this.parser.withState;
  }
  get reader(): DefReader {
    return this.parser.lineReader;
  }
  pos(): SourcePos {
    return { file: this.parser.fileName, line: this.kw.line, col: this.kw.col };
  }
  runtime(): NodeRuntime {
    return this.parser.savedRuntime(this.node);
  }
  warn(at: DefToken, message: string): void {
    this.parser.warning(at, message);
  }
}
