// The suite tree's shape, apart from how it is drawn: which nodes are shown given what is collapsed,
// the state filter and the search, and the collapsed set kept in localStorage so that a reload (or
// another tab) opens the tree as the operator left it.

const COLLAPSED_KEY = "cloudburst.suites.collapsed";
const KNOWN_KEY = "cloudburst.suites.known";
/**
 * A suite with more nodes than this opens folded (its families) the first time this browser sees it:
 * an operator reads a hundred families at a glance, not ten thousand tasks.
 */
const FOLD_ABOVE = 1000;
/** The states "collapse all but the active" keeps in view: what is running or about to. */
const ACTIVE_STATES = new Set(["active", "submitted"]);

/** The node's parent path ("" for a suite). */
export function parentOf(path) {
  return path.slice(0, path.lastIndexOf("/"));
}

/** The paths the operator collapsed, as stored; an unreadable entry counts as none collapsed. */
export function loadCollapsed() {
  try {
    const stored = JSON.parse(localStorage.getItem(COLLAPSED_KEY) ?? "[]");
    return new Set(Array.isArray(stored) ? stored.filter((p) => typeof p === "string") : []);
  } catch {
    return new Set();
  }
}

export function saveCollapsed(collapsed) {
  localStorage.setItem(COLLAPSED_KEY, JSON.stringify([...collapsed]));
}

/**
 * Folds the families of each large suite this browser has not seen before (after that, the operator's
 * folds are kept as they are); says whether it folded any.
 */
export function foldNewLargeSuites(suiteNodes, collapsed) {
  let known;
  try {
    known = new Set(JSON.parse(localStorage.getItem(KNOWN_KEY) ?? "[]"));
  } catch {
    known = new Set();
  }
  let folded = false;
  for (const nodes of suiteNodes) {
    const suite = nodes[0]?.path;
    if (!suite || known.has(suite)) continue;
    known.add(suite);
    if (nodes.length <= FOLD_ABOVE) continue;
    for (const path of withChildren(nodes)) if (path !== suite && path !== "") collapsed.add(path);
    folded = true;
  }
  localStorage.setItem(KNOWN_KEY, JSON.stringify([...known]));
  return folded;
}

/** The state a node shows: suspended wins over its own state, as in ecflow_ui. */
export function shownState(node) {
  return node.suspended ? "suspended" : node.state;
}

/**
 * Every suite and family that has no active or submitted node below it (nor is one): collapsing them
 * leaves the paths to the running tasks open and folds the rest away.
 */
export function allButActive(nodes) {
  const keepOpen = new Set();
  for (const node of nodes) {
    if (!ACTIVE_STATES.has(node.state)) continue;
    for (let p = parentOf(node.path); p; p = parentOf(p)) keepOpen.add(p);
  }
  const parents = withChildren(nodes);
  return new Set(nodes.filter((n) => parents.has(n.path) && !keepOpen.has(n.path)).map((n) => n.path));
}

/** The paths that have at least one child in the list. */
export function withChildren(nodes) {
  const parents = new Set();
  for (const node of nodes) parents.add(parentOf(node.path));
  return parents;
}

/**
 * The rows to draw, in tree order. Without a filter, a collapsed node's descendants are hidden. With a
 * state filter or a search, the nodes that match are shown with their ancestors (so each is seen where
 * it sits), whatever is collapsed: a filter is there to find things.
 * @param {Array} nodes every node of the suites, in definition order
 * @param {{collapsed: Set<string>, states: Set<string>, search: string}} view
 */
export function visibleNodes(nodes, view) {
  const search = view.search.trim().toLowerCase();
  // A search with a slash is a path (or part of one); without, a node's own name.
  const searched = search.includes("/") ? (node) => node.path : (node) => node.path.split("/").pop();
  if (view.states.size === 0 && search === "") {
    const shown = [];
    let hiddenUnder = null;
    for (const node of nodes) {
      if (hiddenUnder !== null && node.path.startsWith(`${hiddenUnder}/`)) continue;
      hiddenUnder = view.collapsed.has(node.path) ? node.path : null;
      shown.push(node);
    }
    return shown;
  }
  const matches = (node) =>
    (view.states.size === 0 || view.states.has(shownState(node))) &&
    (search === "" || searched(node).toLowerCase().includes(search));
  const keep = new Set();
  for (const node of nodes) {
    if (!matches(node)) continue;
    for (let p = node.path; p && !keep.has(p); p = parentOf(p)) keep.add(p);
  }
  return nodes.filter((n) => keep.has(n.path));
}
