// Suites: the node tree in ecFlow's state colours, live, as ecflow_ui shows it: collapsible (remembered
// across reloads), filtered by state, searched by name or path, as a tree or a table; one node or a
// multi-selection (ctrl/shift click) with the operator's actions; a node's detail beside it.
import { el, redrawLater, toast } from "../app.js";
import { actionButtons, redrawKeepingFocus } from "./suite-actions.js";
import { suiteData } from "./suite-data.js";
import { nodeDetail, stateBadge } from "./suite-detail.js";
import { inlineAttributes } from "./suite-inline.js";
import {
  allButActive,
  foldNewLargeSuites,
  loadCollapsed,
  parentOf,
  saveCollapsed,
  visibleNodes,
  withChildren,
} from "./suite-tree.js";
import { listSpacer, tableSpacer, virtualRows } from "./virtual-rows.js";

const STATES = ["unknown", "queued", "submitted", "active", "complete", "aborted", "suspended"];
const LAYOUT_KEY = "cloudburst.suites.layout";
const TABLE_COLUMNS = ["Path", "Kind", "State", "Since", "Try", "Worker", "Attributes"];

export function suitesView(main, selectedPath) {
  const listPanel = el("section", { class: "panel suite-list", "aria-label": "suite tree" });
  const detailPanel = el(
    "section",
    { class: "panel", "aria-label": "node" },
    el("p", { class: "muted" }, "Select a node."),
  );
  // After an action: what its flow event names (the event may come first or just after).
  const refresh = () => update(false);
  const detail = nodeDetail(detailPanel, refresh);
  const view = {
    collapsed: loadCollapsed(),
    states: new Set(),
    search: "",
    layout: localStorage.getItem(LAYOUT_KEY) === "table" ? "table" : "tree",
  };
  let nodes = [];
  let byPath = new Map();
  let parents = new Set();
  let shown = [];
  /** Where each shown path is in `shown`. */
  let shownAt = new Map();
  /** Each shown node's place among its shown siblings, [position from 1, of how many]: only the rows
   * in view are in the page, so a screen reader learns the tree's shape from these. */
  let siblingPlace = new Map();
  let primary = selectedPath || null;
  let anchor = primary;
  const selection = new Set(primary ? [primary] : []);
  const redrawOnEvents = redrawLater(() => update(false), 150);
  const data = suiteData((trees) => {
    if (foldNewLargeSuites(trees, view.collapsed)) saveCollapsed(view.collapsed);
  });
  let updating = Promise.resolve();
  let detailTurn = 0;
  /** The row the keyboard is on: the one row of the list in the tab order (a roving tabindex). */
  let rovingPath = primary;
  const counter = el("span", { class: "muted count" });
  main.append(toolbar(), el("div", { class: "split suites" }, listPanel, detailPanel));
  listPanel.addEventListener("click", onListClick);
  listPanel.addEventListener("keydown", onListKey);
  const rows = virtualRows(listPanel);

  function toolbar() {
    // Checkboxes, not buttons: a state's name is not an action (and "suspended" is not Suspend).
    const stateBoxes = STATES.map((state) =>
      el(
        "label",
        { class: `state state-${state} filter-state` },
        el("input", {
          type: "checkbox",
          name: "state",
          value: state,
          onchange: (event) => {
            if (event.currentTarget.checked) view.states.add(state);
            else view.states.delete(state);
            renderList();
          },
        }),
        state,
      ),
    );
    return el(
      "div",
      { class: "suite-toolbar", role: "toolbar", "aria-label": "suite tree controls" },
      el(
        "span",
        { class: "filter-states", role: "group", "aria-label": "show only these states" },
        stateBoxes,
      ),
      el("input", {
        type: "search",
        name: "search",
        class: "filter-input",
        placeholder: "name, or /path",
        "aria-label": "search nodes by name, or by path when it has a /",
        oninput: (event) => {
          view.search = event.currentTarget.value;
          renderList();
        },
      }),
      el("button", { type: "button", onclick: collapseAllButActive }, "Collapse all but active"),
      el("button", { type: "button", onclick: () => setCollapsed(new Set()) }, "Expand all"),
      el(
        "button",
        {
          type: "button",
          class: "layout",
          "aria-pressed": String(view.layout === "table"),
          onclick: toggleLayout,
        },
        "Table",
      ),
      counter,
    );
  }

  function collapseAllButActive() {
    setCollapsed(allButActive(nodes));
  }

  function setCollapsed(collapsed) {
    view.collapsed = collapsed;
    saveCollapsed(collapsed);
    renderList();
  }

  function toggleCollapsed(path) {
    if (view.collapsed.has(path)) view.collapsed.delete(path);
    else view.collapsed.add(path);
    saveCollapsed(view.collapsed);
    renderList();
  }

  function toggleLayout(event) {
    view.layout = view.layout === "table" ? "tree" : "table";
    localStorage.setItem(LAYOUT_KEY, view.layout);
    event.currentTarget.setAttribute("aria-pressed", String(view.layout === "table"));
    renderList();
  }

  /**
   * Fetches what the flow events named since the last time (or every suite, `whole`), then redraws the
   * list, and the detail if a selected node's suite changed. Updates run one after the other, so that
   * an older answer never lands over a newer one.
   */
  async function update(whole) {
    const step = updating.then(async () => {
      const changed = await data.update(whole);
      nodes = data.nodes();
      byPath = new Map(nodes.map((n) => [n.path, n]));
      parents = withChildren(nodes);
      for (const path of selection) if (!byPath.has(path)) selection.delete(path);
      renderList();
      return changed;
    });
    updating = step.catch(() => undefined);
    const changed = await step;
    if (changed === null || [...selection].some((path) => changed.has(path.split("/")[1])))
      await renderDetail();
  }

  function renderList() {
    if (nodes.length === 0) {
      listPanel.replaceChildren(
        el("p", { class: "muted" }, "No suite is loaded. Load one with `cloudburst suite load FILE.def`."),
      );
      counter.textContent = "";
      return;
    }
    shown = visibleNodes(nodes, view);
    shownAt = new Map(shown.map((n, i) => [n.path, i]));
    siblingPlace = placesAmongSiblings(shown);
    counter.textContent = `${shown.length} of ${nodes.length} nodes shown`;
    if (!shownAt.has(rovingPath)) rovingPath = shown[0]?.path ?? null;
    const hadFocus = listPanel.contains(document.activeElement);
    const table = view.layout === "table";
    const [container, body] = table ? nodeTable() : nodeTree();
    rows.show({
      container,
      body,
      items: shown,
      draw: table ? tableRow : treeItem,
      spacer: table ? tableSpacer(TABLE_COLUMNS.length) : listSpacer,
      drawn: keepFocus,
    });
    if (hadFocus && rovingPath) focusRow(rovingPath);
  }

  /**
   * After a scroll drew another window: the row the keyboard was on may have left the document. The
   * list's one tab stop moves to the first row drawn in view, and takes the focus if the list had it.
   */
  function keepFocus(hadFocus) {
    if (rovingPath === null || rowAt(rovingPath)) return;
    const top = listPanel.getBoundingClientRect().top;
    const first = [...listPanel.querySelectorAll("[data-path]")].find(
      (row) => row.getBoundingClientRect().bottom > top,
    );
    if (!first) return;
    rovingPath = first.getAttribute("data-path");
    first.setAttribute("tabindex", "0");
    if (hadFocus) first.focus({ preventScroll: true });
  }

  function rowAt(path) {
    return path === null ? null : listPanel.querySelector(`[data-path="${CSS.escape(path)}"]`);
  }

  function focusRow(path) {
    rowAt(rovingPath)?.setAttribute("tabindex", "-1");
    rovingPath = path;
    rows.reveal(shownAt.get(path) ?? 0);
    const row = rowAt(path);
    row?.setAttribute("tabindex", "0");
    row?.focus({ preventScroll: true });
  }

  /**
   * The keyboard on the list, as on a tree widget: up and down move, Home and End go to the ends, right
   * expands (or goes to the first child), left collapses (or goes to the parent), Enter opens the node,
   * space adds it to the selection or takes it out.
   */
  function onListKey(event) {
    const row = event.target.closest("[data-path]");
    if (!row) return;
    const path = row.getAttribute("data-path");
    const index = shownAt.get(path) ?? 0;
    const move = (to) => focusRow(shown[Math.max(0, Math.min(shown.length - 1, to))].path);
    const folder = parents.has(path);
    const open = folder && !view.collapsed.has(path);
    const keys = {
      ArrowDown: () => move(index + 1),
      ArrowUp: () => move(index - 1),
      Home: () => move(0),
      End: () => move(shown.length - 1),
      ArrowRight: () => (open ? move(index + 1) : folder && toggleCollapsed(path)),
      ArrowLeft: () =>
        open ? toggleCollapsed(path) : byPath.has(parentOf(path)) && focusRow(parentOf(path)),
      Enter: () => selectOne(path),
      " ": () => selectToggle(path),
    };
    if (!Object.hasOwn(keys, event.key)) return;
    event.preventDefault();
    keys[event.key]();
  }

  /** The tree's list and the element its rows go in (the same). */
  function nodeTree() {
    const list = el("ul", { class: "tree", role: "tree", "aria-multiselectable": "true" });
    return [list, list];
  }

  function treeItem(node) {
    const hasChildren = parents.has(node.path);
    const open = hasChildren && !view.collapsed.has(node.path);
    return el(
      "li",
      {
        "data-path": node.path,
        tabindex: node.path === rovingPath ? "0" : "-1",
        role: "treeitem",
        "aria-level": String(node.path.split("/").length - 1),
        "aria-posinset": String(siblingPlace.get(node.path)?.[0] ?? 1),
        "aria-setsize": String(siblingPlace.get(node.path)?.[1] ?? 1),
        "aria-expanded": hasChildren ? String(open) : undefined,
        "aria-selected": String(selection.has(node.path)),
        class: selection.has(node.path) ? "selected" : "",
      },
      "\u00a0\u00a0".repeat(node.depth),
      hasChildren
        ? el(
            "span",
            { class: "toggle", title: open ? "collapse" : "expand", "aria-hidden": "true" },
            open ? "▾" : "▸",
          )
        : el("span", { class: "toggle leaf", "aria-hidden": "true" }, " "),
      stateBadge(node),
      el("span", { class: "name" }, node.path.split("/").pop() || node.path),
      node.kind === "task" && node.tryNo ? el("span", { class: "muted" }, ` try ${node.tryNo}`) : null,
      inlineAttributes(node),
    );
  }

  /** The table and its body, where the rows go. */
  function nodeTable() {
    const body = el("tbody", {});
    const table = el(
      "table",
      { class: "nodes", "aria-multiselectable": "true", "aria-rowcount": String(shown.length + 1) },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          TABLE_COLUMNS.map((h) => el("th", {}, h)),
        ),
      ),
      body,
    );
    return [table, body];
  }

  function tableRow(node) {
    return el(
      "tr",
      {
        "data-path": node.path,
        tabindex: node.path === rovingPath ? "0" : "-1",
        "aria-rowindex": String(shownAt.get(node.path) + 2),
        "aria-selected": String(selection.has(node.path)),
        class: selection.has(node.path) ? "selected" : "",
      },
      el("td", { class: "name" }, node.path),
      el("td", {}, node.kind),
      el("td", {}, stateBadge(node)),
      el("td", { title: node.since ?? "" }, node.since ? node.since.replace("T", " ").slice(0, 19) : ""),
      el("td", {}, node.tryNo ?? ""),
      el("td", {}, node.worker ?? ""),
      el("td", { class: "inline" }, inlineAttributes(node)),
    );
  }

  /** One listener for every row: the toggle folds, a click selects, ctrl adds, shift takes a range. */
  function onListClick(event) {
    const row = event.target.closest("[data-path]");
    if (!row) return;
    const path = row.getAttribute("data-path");
    focusRow(path);
    if (event.target.closest(".toggle:not(.leaf)")) {
      toggleCollapsed(path);
      return;
    }
    if (event.shiftKey && anchor) selectRange(anchor, path);
    else if (event.ctrlKey || event.metaKey) selectToggle(path);
    else selectOne(path);
  }

  function selectOne(path) {
    selection.clear();
    selection.add(path);
    anchor = path;
    primary = path;
    selectionChanged();
  }

  function selectToggle(path) {
    if (selection.has(path)) selection.delete(path);
    else selection.add(path);
    anchor = path;
    primary = selection.has(path) ? path : ([...selection].at(-1) ?? null);
    selectionChanged();
  }

  /** Every shown row between the anchor and `path`, both included. */
  function selectRange(from, to) {
    if (!shownAt.has(from)) return selectOne(to);
    const [a, b] = [shownAt.get(from), shownAt.get(to)].sort((x, y) => x - y);
    selection.clear();
    for (const node of shown.slice(a, b + 1)) selection.add(node.path);
    primary = to;
    selectionChanged();
  }

  function selectionChanged() {
    for (const row of listPanel.querySelectorAll("[data-path]")) {
      const on = selection.has(row.getAttribute("data-path"));
      row.classList.toggle("selected", on);
      row.setAttribute("aria-selected", String(on));
    }
    history.replaceState(null, "", primary ? `#/suites/${encodeURIComponent(primary)}` : "#/suites");
    renderDetail().catch((error) => toast(error.message));
  }

  async function renderDetail() {
    // A node's detail takes a few requests: a selection made meanwhile must not be drawn over.
    const turn = ++detailTurn;
    if (selection.size > 1) {
      const selected = () => [...selection].map((path) => byPath.get(path)).filter(Boolean);
      const chosen = selected();
      redrawKeepingFocus(detailPanel, () =>
        detailPanel.replaceChildren(
          el("h2", {}, `${chosen.length} nodes selected`),
          el("div", { class: "actions" }, actionButtons(chosen, refresh, selected)),
          el(
            "ul",
            { class: "selection" },
            chosen.map((node) => el("li", { "data-path": node.path }, stateBadge(node), node.path)),
          ),
        ),
      );
      return;
    }
    if (primary && byPath.has(primary)) await detail.render(primary, () => turn === detailTurn);
    else detailPanel.replaceChildren(el("p", { class: "muted" }, "Select a node."));
  }

  return {
    enter: () => update(true),
    onEvent(channel, payload) {
      if (channel !== "flow_changed" && channel !== "flow_advanced") return;
      data.note(payload);
      redrawOnEvents.request();
    },
    leave() {
      redrawOnEvents.cancel();
      detail.stop();
    },
  };
}

/** Each node's [position from 1, count] among the shown nodes of the same parent. */
function placesAmongSiblings(nodes) {
  const parentOf = (path) => path.slice(0, path.lastIndexOf("/"));
  const counts = new Map();
  const places = new Map();
  for (const node of nodes) {
    const parent = parentOf(node.path);
    const at = (counts.get(parent) ?? 0) + 1;
    counts.set(parent, at);
    places.set(node.path, at);
  }
  return new Map(nodes.map((n) => [n.path, [places.get(n.path), counts.get(parentOf(n.path))]]));
}
