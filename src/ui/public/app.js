// The UI shell: a hash router over the views, the API client and the live event stream.
import { alertsView } from "./views/alerts.js";
import { catalogueView } from "./views/catalogue.js";
import { fleetView } from "./views/fleet.js";
import { planView } from "./views/plan.js";
import { suitesView } from "./views/suites.js";
import { timelineView } from "./views/timeline.js";

const views = {
  suites: suitesView,
  timeline: timelineView,
  fleet: fleetView,
  plan: planView,
  catalogue: catalogueView,
  alerts: alertsView,
};

/** Calls the API with the session cookie; state-changing calls carry the UI header the server requires. */
export async function api(path, options = {}) {
  const method = options.method ?? "GET";
  const headers = { "x-cloudburst-ui": "1" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`/api${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (response.status === 401) {
    location.href = "/ui/login.html";
    throw new Error("signed out");
  }
  const body = response.headers.get("content-type")?.includes("json")
    ? await response.json()
    : await response.text();
  if (!response.ok) {
    const error = new Error(body?.message ?? `${method} ${path}: ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

/** GETs binary data from the API (a field's raster) as an ArrayBuffer, with the same sign-in handling as api(). */
export async function apiBytes(path) {
  const response = await fetch(`/api${path}`, { headers: { "x-cloudburst-ui": "1" } });
  if (response.status === 401) {
    location.href = "/ui/login.html";
    throw new Error("signed out");
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    const error = new Error(body?.message ?? `GET ${path}: ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return response.arrayBuffer();
}

export function toast(text) {
  const element = document.getElementById("toast");
  element.textContent = text;
  element.classList.add("show");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => element.classList.remove("show"), 4000);
}

/** Creates an element: el("td", {class: "x"}, "text", child...). */
/**
 * Runs `redraw` `ms` after the first request, and again for the requests that came meanwhile: at most
 * once per `ms`. A timer restarted on each request would never fire through a busy cycle, whose events
 * come faster than that.
 */
export function redrawLater(redraw, ms) {
  let timer = null;
  return {
    request() {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        redraw().catch((error) => toast(error.message));
      }, ms);
    },
    cancel() {
      clearTimeout(timer);
      timer = null;
    },
  };
}

/**
 * Attributes that make an element that is no button (a table row) act as one: a tab stop, the click,
 * and Enter or Space doing what the click does, so that the keyboard reaches every action.
 */
export function actsAsButton(action) {
  return {
    tabindex: "0",
    role: "button",
    onclick: action,
    onkeydown: (event) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      action(event);
    },
  };
}

export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) element.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

let current = null;

async function route() {
  const [name, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  const view = views[name] ?? views.suites;
  for (const link of document.querySelectorAll("header nav a")) {
    link.classList.toggle("current", link.getAttribute("href") === `#/${name || "suites"}`);
  }
  current?.leave?.();
  const main = document.getElementById("view");
  main.replaceChildren();
  current = view(main, decodeURIComponent(rest.join("/")));
  try {
    await current.enter();
  } catch (error) {
    main.append(el("p", { class: "error" }, error.message));
  }
}

function followEvents() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.onopen = () => {
    live.textContent = "live";
    live.classList.add("on");
  };
  source.onerror = () => {
    live.textContent = "reconnecting";
    live.classList.remove("on");
  };
  for (const channel of [
    "fields_registered",
    "flow_changed",
    "flow_advanced",
    "fleet_changed",
    "alert_raised",
  ]) {
    source.addEventListener(channel, (event) => current?.onEvent?.(channel, event.data));
  }
}

document.getElementById("logout").addEventListener("click", async () => {
  await fetch("/ui/logout", { method: "POST" });
  location.href = "/ui/login.html";
});
window.addEventListener("hashchange", route);
followEvents();
route();
