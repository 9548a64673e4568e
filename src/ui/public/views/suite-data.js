// The suites' nodes as the Suites view holds them, kept up to date by the flow events without fetching
// every suite on each: an event names a suite's id and the paths that changed in it (flow_changed from
// the operators and the workers, flow_advanced from the engine); those paths fetch only the views they
// may have redrawn (GET /api/suites/changed: the nodes, their ancestors, the limit holders), put in place
// of the old ones. An event naming a whole suite fetches that suite; one naming a suite not seen yet
// (loaded since) fetches the list of suites again.
import { api } from "../app.js";

/** Past this many changed paths, the whole suite is fetched (the server takes at most 100). */
const PATCH_MAX = 100;

/**
 * @param {(trees: Array<Array<object>>) => void} fetchedWhole called with each batch of suites fetched
 *   whole (their nodes in definition order, the suite first), before they are shown
 */
export function suiteData(fetchedWhole) {
  let suites = [];
  /** Suite id → its nodes, in definition order. */
  const lists = new Map();
  /** Suite id → the paths changed since the last update, or "all". */
  const pending = new Map();

  async function treesOf(chosen) {
    const trees = await Promise.all(
      chosen.map((suite) => api(`/suites/node?path=${encodeURIComponent(`/${suite.name}`)}`)),
    );
    fetchedWhole(trees);
    for (const [i, suite] of chosen.entries()) lists.set(suite.id, trees[i]);
  }

  async function loadAll() {
    pending.clear();
    suites = await api("/suites");
    lists.clear();
    await treesOf(suites);
    return null;
  }

  /** What the noted events changed; the names of the suites it fetched anything of. */
  async function applyPending() {
    const changes = [...pending];
    pending.clear();
    if (changes.some(([id]) => !lists.has(id))) return loadAll();
    const changed = new Set();
    for (const [id, paths] of changes) {
      const suite = suites.find((s) => s.id === id);
      changed.add(suite.name);
      if (paths === "all" || paths.size > PATCH_MAX || !(await patch(suite, paths))) await treesOf([suite]);
    }
    return changed;
  }

  /** Fetches the views `paths` redrew and puts them in place; false if the suite's shape changed. */
  async function patch(suite, paths) {
    const views = await api(
      `/suites/changed?path=${encodeURIComponent(`/${suite.name}`)}&changed=${encodeURIComponent([...paths].join(","))}`,
    );
    const list = lists.get(suite.id);
    const at = new Map(list.map((node, i) => [node.path, i]));
    const answered = new Set(views.map((view) => view.path));
    if (![...paths].every((path) => answered.has(path)) || !views.every((view) => at.has(view.path)))
      return false;
    for (const view of views) list[at.get(view.path)] = view;
    return true;
  }

  return {
    /** Every node, suite after suite (by name), each suite's in definition order. */
    nodes: () => suites.flatMap((suite) => lists.get(suite.id) ?? []),
    /** Notes what a flow event names: `suiteId` (all of it) or `suiteId path path ...`. */
    note(payload) {
      const [id, ...paths] = payload.trim().split(" ");
      const known = pending.get(id);
      if (paths.length === 0 || known === "all") pending.set(id, "all");
      else pending.set(id, new Set([...(known ?? []), ...paths]));
    },
    /**
     * Brings the nodes up to date: all of them (`whole`), or what the noted events changed. Resolves to
     * the names of the suites that changed, or null for all.
     */
    async update(whole) {
      if (whole) return loadAll();
      try {
        return await applyPending();
      } catch (error) {
        // A suite deleted meanwhile: the list of suites is out of date.
        if (error.status === 404) return loadAll();
        throw error;
      }
    },
  };
}
