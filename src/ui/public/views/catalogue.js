// Catalogue: cycles with their progress; a cycle's received fields or computed products, filtered by
// parameter, step and level type and paged; and a map of the one chosen, kept in view beside the list.
import { actsAsButton, api, el, toast } from "../app.js";
import { fieldMap } from "./field-map.js";

const pageSize = 100;
/** Cells across the map's raster: about what the panel shows on a high-density screen. */
const mapWidth = 1600;

const kinds = {
  fields: { label: "Fields", path: "/fields", rows: (page) => page.fields },
  products: { label: "Products", path: "/products", rows: (page) => page.products },
};

/** A base time as operators say it: "2024-05-01 00 UTC" (minutes only when there are any). */
function baseTimeLabel(iso) {
  const [date, time] = iso.split("T");
  const minutes = time.slice(3, 5);
  return `${date} ${time.slice(0, 2)}${minutes === "00" ? "" : `:${minutes}`} UTC`;
}

/** A cycle is named by its producer and base time, not by the catalogue's internal id. */
function cycleTitle(cycle) {
  return cycle ? `${cycle.producer} ${baseTimeLabel(cycle.baseTime)}` : "Cycle";
}

export function catalogueView(main) {
  const cycles = el("section", { class: "panel", "aria-label": "cycles" });
  const list = el("section", { class: "panel", "aria-label": "fields" });
  const preview = el("section", { class: "panel preview", "aria-label": "preview" });
  main.append(cycles, el("div", { class: "split catalogue" }, list, preview));
  const state = {
    cycleId: null,
    /** The cycles listed, by id: the heading names the chosen one by producer and base time. */
    cycles: new Map(),
    kind: "fields",
    filter: { param: "", step: "", levelType: "" },
    /** `after` cursors of the pages seen, the current one last (keyset paging, as the API pages). */
    cursors: [undefined],
    selected: null,
  };

  async function renderCycles() {
    const rows = await api("/cycles?limit=20");
    state.cycles = new Map(rows.map((c) => [c.id, c]));
    cycles.replaceChildren(
      el("h2", {}, "Cycles"),
      rows.length === 0
        ? el("p", { class: "muted" }, "Nothing received yet.")
        : el(
            "table",
            {},
            el(
              "tr",
              {},
              ["Producer", "Base time", "State", "Fields", "Files", "Last received"].map((h) =>
                el("th", {}, h),
              ),
            ),
            rows.map(cycleRow),
          ),
    );
    if (state.cycleId === null && rows[0]) await chooseCycle(rows[0].id);
  }

  function cycleRow(c) {
    return el(
      "tr",
      {
        "data-cycle": c.id,
        class: c.id === state.cycleId ? "selected" : "",
        ...actsAsButton(() => chooseCycle(c.id).catch((error) => toast(error.message))),
      },
      el("td", {}, c.producer),
      el("td", {}, baseTimeLabel(c.baseTime)),
      el("td", {}, c.state),
      el("td", {}, c.expectedFields ? `${c.receivedFields}/${c.expectedFields}` : c.receivedFields),
      el("td", {}, c.files),
      el("td", {}, c.lastReceivedAt ?? ""),
    );
  }

  async function chooseCycle(id) {
    state.cycleId = id;
    for (const row of cycles.querySelectorAll("tr[data-cycle]"))
      row.classList.toggle("selected", Number(row.dataset.cycle) === id);
    await firstPage();
  }

  async function firstPage() {
    state.cursors = [undefined];
    await renderList();
  }

  function listQuery() {
    const query = new URLSearchParams({ cycle: String(state.cycleId), limit: String(pageSize) });
    for (const [key, value] of Object.entries(state.filter)) if (value.trim()) query.set(key, value.trim());
    const after = state.cursors.at(-1);
    if (after !== undefined) query.set("after", String(after));
    return query;
  }

  async function renderList() {
    const kind = kinds[state.kind];
    let page;
    try {
      page = await api(`${kind.path}?${listQuery()}`);
    } catch (error) {
      // A filter the catalogue cannot read (e.g. step=abc) says why, beside the form.
      if (error.status !== 400) throw error;
      list.replaceChildren(...listHeader(), el("p", { class: "error" }, error.message));
      return;
    }
    const rows = kind.rows(page);
    const first = (state.cursors.length - 1) * pageSize;
    list.replaceChildren(
      ...listHeader(),
      rows.length === 0
        ? el("p", { class: "muted" }, `No ${state.kind} match.`)
        : el(
            "table",
            { class: state.kind },
            el(
              "tr",
              {},
              ["Param", "Level", "Step", state.kind === "fields" ? "Packing" : "Job", ""].map((h) =>
                el("th", {}, h),
              ),
            ),
            rows.map(itemRow),
          ),
      pager(first, rows.length, page.next),
    );
  }

  function listHeader() {
    return [
      el("h2", { "data-cycle": state.cycleId }, cycleTitle(state.cycles.get(state.cycleId))),
      el(
        "div",
        { class: "tabs", role: "tablist" },
        Object.entries(kinds).map(([name, kind]) =>
          el(
            "button",
            {
              type: "button",
              role: "tab",
              "aria-selected": String(name === state.kind),
              "data-kind": name,
              onclick: () => {
                state.kind = name;
                firstPage().catch((error) => toast(error.message));
              },
            },
            kind.label,
          ),
        ),
      ),
      filterForm(),
    ];
  }

  function filterForm() {
    const input = (name, label, placeholder) =>
      el(
        "label",
        {},
        `${label} `,
        el("input", { name, class: "filter-input", value: state.filter[name], placeholder, size: "12" }),
      );
    return el(
      "form",
      {
        class: "filters",
        onsubmit: (event) => {
          event.preventDefault();
          const form = new FormData(event.target);
          for (const key of Object.keys(state.filter)) state.filter[key] = String(form.get(key) ?? "");
          firstPage().catch((error) => toast(error.message));
        },
      },
      input("param", "Param", "2t,msl"),
      input("step", "Step", "0..24"),
      input("levelType", "Level type", "isobaricInhPa"),
      el("button", { type: "submit" }, "Filter"),
      el(
        "button",
        {
          type: "button",
          onclick: () => {
            state.filter = { param: "", step: "", levelType: "" };
            firstPage().catch((error) => toast(error.message));
          },
        },
        "Clear",
      ),
    );
  }

  function itemRow(item) {
    const show = () => showPreview(item).catch((error) => toast(error.message));
    return el(
      "tr",
      {
        "data-id": item.id,
        class: state.selected?.kind === state.kind && state.selected.id === item.id ? "selected" : "",
        ondblclick: show,
      },
      el("td", {}, item.param),
      el("td", { title: `${item.levelType} ${item.level}` }, `${item.levelType} ${item.level}`),
      el("td", {}, item.stepRange),
      state.kind === "fields"
        ? el("td", { class: "muted" }, item.packingType)
        : el("td", { class: "muted job", title: item.jobId }, item.jobId),
      el("td", {}, el("button", { type: "button", onclick: show }, "Map")),
    );
  }

  function pager(first, count, next) {
    return el(
      "div",
      { class: "pager" },
      el(
        "button",
        {
          type: "button",
          disabled: state.cursors.length === 1,
          onclick: () => {
            state.cursors.pop();
            renderList().catch((error) => toast(error.message));
          },
        },
        "Previous",
      ),
      el("span", { class: "muted" }, count ? `${first + 1}–${first + count}` : ""),
      el(
        "button",
        {
          type: "button",
          disabled: next === null,
          onclick: () => {
            state.cursors.push(next);
            renderList().catch((error) => toast(error.message));
          },
        },
        "Next",
      ),
    );
  }

  async function showPreview(item) {
    state.selected = { kind: state.kind, id: item.id };
    for (const row of list.querySelectorAll("tr[data-id]"))
      row.classList.toggle("selected", Number(row.dataset.id) === item.id);
    const title = `${item.param} ${item.levelType} ${item.level}, step ${item.stepRange}`;
    preview.replaceChildren(el("h2", {}, title), el("p", { class: "muted" }, "Loading…"));
    preview.scrollIntoView({ block: "nearest" });
    const map = await fieldMap(`${kinds[state.kind].path}/${item.id}/raster`, mapWidth);
    map.dataset.kind = state.kind;
    map.dataset.id = String(item.id);
    preview.replaceChildren(el("h2", {}, title), map);
    // The panel sticks to the top of the window; on a narrow screen it is below the list: bring it here.
    preview.scrollIntoView({ block: "nearest" });
  }

  return {
    enter: renderCycles,
    onEvent(channel) {
      if (channel === "fields_registered") renderCycles().catch((error) => toast(error.message));
    },
  };
}
